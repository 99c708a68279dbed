"""Exchanges (MNY-05), pure: a return and new items in one step.

The return is a return order like any other (``returns.create``), marked as an exchange's; the new
items are added to the same order at today's prices, so the order has something to ship again
(``partially_shipped``) and is released to fulfilment as usual. What the customer owes for the
exchange is the growth of the order's total (the new items, and shipping and tax as priced again)
less what the returned units cost: positive, collected through the payment ledger; negative,
given back. Receiving the return later refunds nothing more: it was netted here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.errors import Refused
from contracts.orders import ExchangeCreatedV1, OrderLineInput, OrderView, ReturnOrderView
from services.orders.domain import cart
from services.orders.domain.catalog import Product
from services.orders.domain.policy import ShopPolicy


def with_new_items(
    order: OrderView, wanted: Sequence[OrderLineInput], products: Mapping[str, Product], settings: ShopPolicy
) -> tuple[OrderView, list[int], list[str]]:
    """The order with the new items as lines to ship; their line numbers; what to tell the customer."""
    if order.suspension is not None:
        name = order.order_number or str(order.order_id)
        raise Refused(errors.INVALID_STATE, f"order {name} is suspended: resume it before an exchange")
    before = {ln.line_no for ln in order.lines}
    warnings: list[str] = []
    for i, add in enumerate(wanted):
        order, _, said = cart.add_line(
            order, add.sku, add.quantity, add.ship_to, products.get(add.sku), settings, f"payload.add_lines[{i}]"
        )
        warnings += said
    new = [ln.line_no for ln in order.lines if ln.line_no not in before]
    return order.model_copy(update={"status": "partially_shipped"}), new, warnings


def amount_due(before: OrderView, after: OrderView, document: ReturnOrderView) -> Decimal:
    return after.totals.total - before.totals.total - document.refund_amount


def created_event(
    order: OrderView, document: ReturnOrderView, new: list[int], due: Decimal, agent: str, now: datetime
) -> ExchangeCreatedV1:
    assert order.order_number is not None
    return ExchangeCreatedV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        version=order.version,
        return_id=document.return_id,
        return_number=document.return_number,
        currency=order.currency,
        new_line_nos=new,
        return_credit=document.refund_amount,
        new_items_total=due + document.refund_amount,
        amount_due=due,
        created_by=agent,
        created_at=now,
    )
