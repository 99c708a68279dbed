"""Cancel (SRV-09) and change after submit (SRV-10), pure.

A change keeps the prices the order was submitted with; added lines come at today's catalog price.
The order is priced again (discounts, shipping, tax), and ``amount_due`` is the new total minus what
the payment instructions already cover: positive to collect, negative to refund. The instructions
are rebalanced to cover the new total (the open one takes the difference, else the last ones).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.envelope import Event
from contracts.errors import Refused
from contracts.orders import (
    ActionNote,
    ChangeOrderV1,
    ChangeSummary,
    OrderCancelledV1,
    OrderChangedV1,
    OrderErrors,
    OrderLineDetail,
    OrderView,
    PaymentView,
)
from services.orders.domain import cart
from services.orders.domain.catalog import Product, check_quantity
from services.orders.domain.order import line_views
from services.orders.domain.policy import ShopPolicy
from services.orders.domain.pricing import ZERO
from services.orders.domain.revisions import revised
from services.orders.domain.submission import Allocation


def _name(order: OrderView) -> str:
    return order.order_number or str(order.order_id)


def _shipped(line: OrderLineDetail, field: str) -> Refused:
    return Refused.field(
        OrderErrors.ALREADY_SHIPPED,
        field,
        f"line {line.line_no} ({line.sku}): {line.shipped_quantity} already shipped; a return handles what"
        " the customer no longer wants",
    )


# --- cancel (SRV-09) ------------------------------------------------------------------------------------


def cancel(order: OrderView, reason: str, agent: str, now: datetime) -> tuple[OrderView, Decimal]:
    """The cancelled order and what to refund: what payments authorized (pending ones lapse)."""
    if order.status == "cart":
        raise Refused(errors.INVALID_STATE, "a cart is not cancelled but voided (VoidCallV1, VoidOrderV1)")
    if order.status == "cancelled":
        raise Refused(errors.INVALID_STATE, f"order {_name(order)} is already cancelled")
    if any(ln.shipped_quantity for ln in order.lines) or order.status in ("shipped", "complete", "partially_shipped"):
        raise Refused(
            OrderErrors.ALREADY_SHIPPED,
            f"order {_name(order)} has shipped ({order.status}): it cannot be cancelled; return what is not wanted",
        )
    if order.status != "submitted":
        raise Refused(errors.INVALID_STATE, f"{order.status} {_name(order)} cannot be cancelled")
    refund = sum((p.amount for p in order.payments if p.status == "authorized"), ZERO)
    lines = [ln.model_copy(update={"reserved_quantity": 0}) for ln in order.lines]
    cancelled = order.model_copy(
        update={"status": "cancelled", "lines": lines, "cancellation": ActionNote(reason=reason, by=agent, at=now)}
    )
    return cancelled, refund


@dataclass(frozen=True)
class Cancellation:
    """An order cancelled: its new version, what to refund, and the events in publishing order."""

    order: OrderView
    refund: Decimal
    events: list[Event]
    reason: str  # the version's reason, as the order's history shows it


def cancelled(order: OrderView, reason: str, agent: str, now: datetime, refund: Decimal | None = None) -> Cancellation:
    """The order's own transition to cancelled (SRV-09): refused unless it may be cancelled; else its
    next version, the refund, and OrderUpdatedV1 (with any held/released notice) and OrderCancelledV1.
    ``refund``: what the payment ledger gave back (MNY-04); without it, what payments authorized."""
    cancelled_order, authorized = cancel(order, reason, agent, now)
    refund = authorized if refund is None else refund
    why = f"cancelled: {reason}"
    saved, events = revised(cancelled_order, now, agent, "cancelled", why)
    return Cancellation(saved, refund, [*events, cancelled_event(saved, refund)], why)


def cancelled_event(order: OrderView, refund: Decimal) -> OrderCancelledV1:
    assert order.order_number is not None and order.cancellation is not None
    return OrderCancelledV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        version=order.version,
        reason=order.cancellation.reason,
        cancelled_at=order.cancellation.at,
        refund_amount=refund,
        currency=order.currency,
        email=order.email,
        language=order.language,
    )


# --- change after submit (SRV-10) ----------------------------------------------------------------------


def require_changeable(order: OrderView) -> None:
    if order.status in ("shipped", "complete"):
        raise Refused(
            OrderErrors.ALREADY_SHIPPED,
            f"order {_name(order)} is {order.status}: change it with a new order (CloneOrderV1) and a return"
            " (CreateReturnV1)",
        )
    if order.status not in ("submitted", "partially_shipped"):
        raise Refused(errors.INVALID_STATE, f"{order.status} {_name(order)} cannot be changed after submit")
    if order.suspension is not None:
        raise Refused(
            errors.INVALID_STATE,
            f"order {_name(order)} is suspended ({order.suspension.reason}): resume it before changing it",
        )


def apply(
    order: OrderView, cmd: ChangeOrderV1, products: Mapping[str, Product], settings: ShopPolicy
) -> tuple[OrderView, list[str]]:
    """``order`` with the change applied (not yet priced), and what to tell the customer."""
    require_changeable(order)
    for i, line_no in enumerate(cmd.remove_lines):
        line = _find(order, line_no, f"payload.remove_lines[{i}]")
        if line.shipped_quantity:
            raise _shipped(line, f"payload.remove_lines[{i}]")
        order = cart.remove_line(order, line_no)
    for i, change in enumerate(cmd.change_lines):
        line = _find(order, change.line_no, f"payload.change_lines[{i}].line_no")
        if line.shipped_quantity:
            raise _shipped(line, f"payload.change_lines[{i}].quantity")
        check_quantity(change.quantity, settings.max_line_quantity, f"payload.change_lines[{i}].quantity")
        order = order.model_copy(
            update={
                "lines": [
                    ln.model_copy(update={"quantity": change.quantity}) if ln.line_no == line.line_no else ln
                    for ln in order.lines
                ]
            }
        )
    warnings: list[str] = []
    for i, add in enumerate(cmd.add_lines):
        order, _, said = cart.add_line(
            order, add.sku, add.quantity, add.ship_to, products.get(add.sku), settings, f"payload.add_lines[{i}]"
        )
        warnings += said
    if cmd.ship_to is not None:
        gone = next((ln for ln in order.lines if ln.ship_to is None and ln.shipped_quantity), None)
        if gone is not None:
            raise _shipped(gone, "payload.ship_to")
        order = cart.set_shipping(order, cmd.ship_to, None, settings)
    if cmd.billing_address is not None:
        order = cart.set_billing(order, cmd.billing_address, None)
    if not order.lines:
        raise Refused(errors.INVALID, "a change cannot remove every line: cancel the order instead")
    return order, warnings


def _find(order: OrderView, line_no: int, field: str) -> OrderLineDetail:
    line = next((ln for ln in order.lines if ln.line_no == line_no), None)
    if line is None:
        raise Refused.field(errors.NOT_FOUND, field, "the order has no such line")
    return line


def still_to_ship(order: OrderView) -> OrderView:
    """The order as stock sees it: each line's quantity not shipped yet."""
    lines = [ln.model_copy(update={"quantity": ln.quantity - ln.shipped_quantity}) for ln in order.lines]
    return order.model_copy(update={"lines": [ln for ln in lines if ln.quantity > 0]})


def allocated(order: OrderView, allocation: Allocation) -> OrderView:
    lines = [
        ln.model_copy(
            update={
                "reserved_quantity": allocation.reserve.get(ln.line_no, 0),
                "backordered_quantity": allocation.backorder.get(ln.line_no, 0),
            }
        )
        for ln in order.lines
    ]
    return order.model_copy(update={"lines": lines})


def covered(order: OrderView) -> Decimal:
    """What the payment instructions cover: authorized, or awaiting authorization."""
    return sum((p.amount for p in order.payments if p.status != "declined"), ZERO)


def rebalance(payments: list[PaymentView], total: Decimal) -> list[PaymentView]:
    """Fixed instructions adjusted to cover ``total``: the difference goes to the last usable
    instruction (a refund takes from the last ones first, never below zero). An open instruction
    (no requested amount) takes the difference by itself when amounts are resolved."""
    usable = [p for p in payments if p.status != "declined"]
    if not usable or any(p.requested_amount is None for p in usable):
        return payments
    difference = total - sum((p.amount for p in usable), ZERO)
    adjusted: dict[uuid.UUID, Decimal] = {}
    for p in reversed(usable):
        if difference == 0:
            break
        amount = max(p.amount + difference, ZERO)
        difference -= amount - p.amount
        adjusted[p.payment_id] = amount
    return [
        p.model_copy(update={"amount": adjusted[p.payment_id], "requested_amount": adjusted[p.payment_id]})
        if p.payment_id in adjusted
        else p
        for p in payments
    ]


def summary(
    before: OrderView, after: OrderView, reason: str, agent: str, now: datetime, secured: Decimal | None = None
) -> ChangeSummary:
    """``secured``: what the payment ledger holds and was paid (MNY-04); without it, what the
    instructions cover."""
    return ChangeSummary(
        version=before.version + 1,
        previous_total=before.totals.total,
        total=after.totals.total,
        amount_due=after.totals.total - (covered(before) if secured is None else secured),
        reason=reason,
        changed_by=agent,
        changed_at=now,
    )


def changed_event(order: OrderView) -> OrderChangedV1:
    assert order.order_number is not None and order.last_change is not None
    change = order.last_change
    return OrderChangedV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        version=order.version,
        currency=order.currency,
        lines=line_views(order),
        total=order.totals.total,
        amount_due=change.amount_due,
        reason=change.reason,
        changed_at=change.changed_at,
        email=order.email,
        language=order.language,
        totals=order.totals,
        discounts=order.discounts,
    )
