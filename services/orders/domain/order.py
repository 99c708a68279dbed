"""Order rules, pure and synchronous: no I/O, the clock passed in.

Order numbers, the minimal one-command order (PlaceOrderV1), new versions, and the events a cart or
an order produces. Cart rules are in ``cart``, pricing in ``pricing``, submit in ``submission``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from contracts.orders import (
    CommentView,
    OrderCommentAddedV1,
    OrderLineDetail,
    OrderLineView,
    OrderPlacedV1,
    OrderUpdatedV1,
    OrderView,
    PaymentSummary,
    PaymentView,
    PlaceOrderV1,
    TotalsView,
)
from services.orders.domain.pricing import money

__all__ = ["money", "order_number"]


def order_number(sequence: int) -> str:
    """Sequence plus a Luhn check digit, so a number misheard on the phone is caught at once."""
    digits = str(sequence)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def next_version(order: OrderView, now: datetime, agent: str) -> OrderView:
    """Every change is a new version, stamped with who and when (ORD-11)."""
    return order.model_copy(update={"version": order.version + 1, "updated_at": now, "updated_by": agent})


# --- the minimal one-command order (PlaceOrderV1) --------------------------------------------------


@dataclass(frozen=True)
class PlacedOrder:
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    currency: str
    lines: list[OrderLineView]
    total: Decimal
    email: str | None
    language: str | None
    placed_at: datetime
    version: int = 1

    def placed_event(self) -> OrderPlacedV1:
        return OrderPlacedV1(
            order_id=self.order_id,
            order_number=self.order_number,
            customer_id=self.customer_id,
            currency=self.currency,
            lines=self.lines,
            total=self.total,
            email=self.email,
            language=self.language,
            placed_at=self.placed_at,
            version=self.version,
            status="submitted",
        )

    def view(self, agent: str) -> OrderView:
        """The order as every other order is stored: the channel's prices, no charges."""
        lines = [
            OrderLineDetail(
                line_no=ln.line_no,
                sku=ln.sku,
                name=ln.description or ln.sku,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                subtotal=ln.line_total,
                net=ln.line_total,
                total=ln.line_total,
            )
            for ln in self.lines
        ]
        return OrderView(
            order_id=self.order_id,
            order_number=self.order_number,
            status="submitted",
            customer_id=self.customer_id,
            email=self.email,
            language=self.language,
            currency=self.currency,
            lines=lines,
            totals=TotalsView(merchandise=self.total, subtotal=self.total, total=self.total),
            last_line_no=len(lines),
            version=self.version,
            created_at=self.placed_at,
            created_by=agent,
            updated_at=self.placed_at,
            updated_by=agent,
            submitted_at=self.placed_at,
            submitted_by=agent,
        )


def place(cmd: PlaceOrderV1, order_id: uuid.UUID, number: str, now: datetime) -> PlacedOrder:
    # The unit price is rounded first, so the line total is what the customer can check:
    # the unit price shown, times the quantity.
    lines = [
        OrderLineView(
            line_no=i,
            sku=line.sku,
            description=line.description,
            quantity=line.quantity,
            unit_price=money(line.unit_price, cmd.currency),
            line_total=money(line.unit_price, cmd.currency) * line.quantity,
        )
        for i, line in enumerate(cmd.lines, start=1)
    ]
    return PlacedOrder(
        order_id=order_id,
        order_number=number,
        customer_id=cmd.customer_id,
        currency=cmd.currency,
        lines=lines,
        total=money(sum((ln.line_total for ln in lines), Decimal(0)), cmd.currency),
        email=str(cmd.email) if cmd.email else None,
        language=cmd.language,
        placed_at=now,
    )


# --- events -------------------------------------------------------------------------------------------


def line_views(order: OrderView) -> list[OrderLineView]:
    return [
        OrderLineView(
            line_no=ln.line_no,
            sku=ln.sku,
            description=ln.name,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            line_total=ln.net,
            discount=ln.discount,
            tax=ln.tax,
            ship_to=ln.ship_to,
            trackable=ln.trackable,
            reserved_quantity=ln.reserved_quantity,
            backordered_quantity=ln.backordered_quantity,
        )
        for ln in order.lines
    ]


def payment_summary(p: PaymentView) -> PaymentSummary:
    return PaymentSummary(
        payment_id=p.payment_id,
        method=p.method,
        amount=p.amount,
        brand=p.brand,
        last4=p.last4,
        expiry_month=p.expiry_month,
        expiry_year=p.expiry_year,
        token=p.token,
        purchase_order=p.purchase_order,
        status=p.status,
    )


def updated_event(order: OrderView, change: str, reason: str) -> OrderUpdatedV1:
    return OrderUpdatedV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        version=order.version,
        status=order.status,
        holds=order.holds,
        change=change,
        reason=reason,
        changed_by=order.updated_by,
        changed_at=order.updated_at,
        currency=order.currency,
        total=order.totals.total,
        lines=line_views(order),
        payments=[payment_summary(p) for p in order.payments],
    )


def placed_event(order: OrderView) -> OrderPlacedV1:
    """What fulfilment and notifications get when an order is submitted (ORD-09)."""
    assert order.order_number is not None and order.submitted_at is not None
    return OrderPlacedV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        currency=order.currency,
        lines=line_views(order),
        total=order.totals.total,
        email=order.email,
        language=order.language,
        placed_at=order.submitted_at,
        version=order.version,
        status=order.status,
        holds=order.holds,
        customer_name=" ".join(n for n in (order.first_name, order.last_name) if n) or None,
        account_id=order.account_id,
        ship_to=order.ship_to,
        billing_address=order.billing_address,
        totals=order.totals,
        discounts=order.discounts,
        charges=order.charges,
        payments=[payment_summary(p) for p in order.payments],
        backorder_policy=order.backorder_policy,
        backorder_of=order.backorder_of,
        backorder_order_id=order.backorder_order_id,
        attributes=order.attributes,
        placed_by=order.submitted_by,
    )


# --- comments (ORD-15) ------------------------------------------------------------------------------


def comment(
    order: OrderView,
    comment_id: uuid.UUID,
    text: str,
    visibility: Literal["internal", "customer"],
    agent: str,
    now: datetime,
) -> tuple[CommentView, OrderCommentAddedV1]:
    """A comment on a cart or an order of any state; it makes no new version (the comment is its own
    record), and the event lets notifications send a customer-visible one."""
    added = CommentView(comment_id=comment_id, text=text, visibility=visibility, added_by=agent, added_at=now)
    return added, OrderCommentAddedV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        comment_id=added.comment_id,
        text=added.text,
        visibility=added.visibility,
        added_by=added.added_by,
        added_at=added.added_at,
        email=order.email,
        language=order.language,
    )
