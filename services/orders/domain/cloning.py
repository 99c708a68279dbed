"""Clone an order into a new cart (ORD-14), pure: the source order's customer, addresses and lines at
today's prices; a line whose product is no longer sold is dropped; every difference is told."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from contracts.orders import CloneChange, OrderLineDetail, OrderView
from services.orders.domain.cart import CartChange
from services.orders.domain.catalog import Product
from services.orders.domain.pricing import money


def clone(
    source: OrderView, order_id: uuid.UUID, products: Mapping[str, Product], now: datetime, agent: str
) -> tuple[CartChange, list[CloneChange]]:
    """A new cart with the source order's customer, addresses and lines at today's prices; a line
    whose product is no longer sold is dropped; every difference is told."""
    lines: list[OrderLineDetail] = []
    changes: list[CloneChange] = []
    for old in source.lines:
        product = products.get(old.sku)
        price = product.price_in(source.currency) if product and product.active else None
        if product is None or price is None:
            changes.append(
                CloneChange(line_no=None, sku=old.sku, kind="dropped", message=f"{old.sku} is no longer sold")
            )
            continue
        line_no = len(lines) + 1
        lines.append(
            old.model_copy(
                update={
                    "line_no": line_no,
                    "unit_price": money(price, source.currency),
                    "reserved_quantity": 0,
                    "backordered_quantity": 0,
                }
            )
        )
        changes += _line_changes(line_no, old, money(price, source.currency), product.available)
    number = source.order_number or str(source.order_id)
    order = _cloned(source, order_id, lines, now, agent)
    return CartChange(order, "created", f"cloned from order {number}"), changes


def _line_changes(line_no: int, old: OrderLineDetail, price: Decimal, available: int | None) -> list[CloneChange]:
    found = []
    if price != old.unit_price:
        found.append(
            CloneChange(
                line_no=line_no,
                sku=old.sku,
                kind="price_changed",
                old_unit_price=old.unit_price,
                new_unit_price=price,
                message=f"{old.sku}: was {old.unit_price}, now {price}",
            )
        )
    if available is not None and available < old.quantity:
        found.append(
            CloneChange(
                line_no=line_no,
                sku=old.sku,
                kind="unavailable",
                message=f"{old.sku}: {available} of {old.quantity} available now; the rest would be backordered",
            )
        )
    return found


def _cloned(
    source: OrderView, order_id: uuid.UUID, lines: list[OrderLineDetail], now: datetime, agent: str
) -> OrderView:
    return OrderView(
        order_id=order_id,
        status="cart",
        customer_id=source.customer_id,
        guest=source.guest,
        account_id=source.account_id,
        first_name=source.first_name,
        last_name=source.last_name,
        email=source.email,
        phone=source.phone,
        language=source.language,
        currency=source.currency,
        lines=lines,
        ship_to=source.ship_to,
        billing_address=source.billing_address,
        billing_source_address_id=source.billing_source_address_id,
        backorder_policy=source.backorder_policy,
        attributes=source.attributes,
        cloned_from=source.order_id,
        last_line_no=len(lines),
        version=0,
        created_at=now,
        created_by=agent,
        updated_at=now,
        updated_by=agent,
    )
