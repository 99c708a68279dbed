"""Returns and return orders (SRV-12), pure.

A return is for shipped units: at most what was shipped and not returned yet, line by line, with a
reason from the configured list. It is a **return order**: a document with its own number, the lines
coming back, where from, the refund, and its statuses ``requested`` -> ``received`` -> ``refunded``.

The refund of a line is what the customer paid for those units: the line's total (net of its own
discount, less its share of the order's discounts, plus its tax) in proportion to the quantity. It
is computed on the cumulative quantity returned (refund of units 1..after minus refund of units
1..before, each rounded half-even), so returning a whole line in several returns refunds exactly
its total. Shipping and handling are not refunded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.errors import Refused
from contracts.orders import (
    OrderErrors,
    OrderLineDetail,
    OrderView,
    ReturnCreatedV1,
    ReturnLine,
    ReturnLineInput,
    ReturnLineView,
    ReturnOrderView,
    ReturnResult,
    ReturnStatusChange,
    ReturnSummaryView,
    ReturnUpdatedV1,
)
from services.orders.domain.pricing import ZERO, money

RETURNABLE = ("partially_shipped", "shipped", "complete")


def refund_of(line: OrderLineDetail, before: int, after: int, currency: str) -> Decimal:
    """What units ``before+1 .. after`` of ``line`` cost the customer."""
    if line.quantity == 0:
        return ZERO
    paid = line.total
    return money(paid * after / line.quantity, currency) - money(paid * before / line.quantity, currency)


def create(
    order: OrderView,
    wanted: Sequence[ReturnLineInput],
    reasons: Sequence[str],
    return_id: uuid.UUID,
    number: str,
    note: str | None,
    agent: str,
    now: datetime,
) -> tuple[ReturnOrderView, OrderView]:
    """The return order, and the order with the returned quantities counted on its lines."""
    name = order.order_number or str(order.order_id)
    if order.status not in RETURNABLE or order.order_number is None:
        raise Refused(errors.INVALID_STATE, f"order {name} is {order.status}: only shipped items can be returned")
    by_no = {ln.line_no: ln for ln in order.lines}
    returning: dict[int, int] = {}
    lines = []
    for i, item in enumerate(wanted):
        if item.reason not in reasons:
            raise Refused.field(
                OrderErrors.UNKNOWN_RETURN_REASON,
                f"payload.lines[{i}].reason",
                f"not a return reason; the reasons are {', '.join(reasons)}",
            )
        line = by_no.get(item.line_no)
        if line is None:
            raise Refused.field(errors.NOT_FOUND, f"payload.lines[{i}].line_no", f"order {name} has no such line")
        before = line.returned_quantity + returning.get(line.line_no, 0)
        left = line.shipped_quantity - before
        if item.quantity > left:
            raise Refused.field(
                OrderErrors.RETURN_EXCEEDS_SHIPPED,
                f"payload.lines[{i}].quantity",
                f"line {line.line_no} ({line.sku}): {line.shipped_quantity} shipped, {before} returned or being"
                f" returned; at most {left} more can be returned",
            )
        returning[line.line_no] = returning.get(line.line_no, 0) + item.quantity
        lines.append(
            ReturnLineView(
                line_no=line.line_no,
                sku=line.sku,
                name=line.name,
                quantity=item.quantity,
                reason=item.reason,
                unit_price=line.unit_price,
                refund_amount=refund_of(line, before, before + item.quantity, order.currency),
            )
        )
    document = ReturnOrderView(
        return_id=return_id,
        return_number=number,
        status="requested",
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        customer_name=" ".join(n for n in (order.first_name, order.last_name) if n) or None,
        email=order.email,
        currency=order.currency,
        lines=lines,
        refund_amount=sum((ln.refund_amount for ln in lines), ZERO),
        ship_from=order.ship_to,
        note=note,
        history=[ReturnStatusChange(status="requested", by=agent, at=now, note=note)],
        created_by=agent,
        created_at=now,
        updated_by=agent,
        updated_at=now,
    )
    counted = [
        ln.model_copy(update={"returned_quantity": ln.returned_quantity + returning[ln.line_no]})
        if ln.line_no in returning
        else ln
        for ln in order.lines
    ]
    return document, order.model_copy(update={"lines": counted})


_NEXT = {"received": "requested", "refunded": "received"}


def advance(
    document: ReturnOrderView, status: str, agent: str, now: datetime, note: str | None, reference: str | None = None
) -> ReturnOrderView:
    """``requested`` -> ``received`` -> ``refunded``, nothing else."""
    if document.status != _NEXT[status]:
        raise Refused(
            errors.INVALID_STATE,
            f"return {document.return_number} is {document.status}: it can be {status} only when {_NEXT[status]}",
        )
    return document.model_copy(
        update={
            "status": status,
            "refund_reference": reference if status == "refunded" else document.refund_reference,
            "history": [*document.history, ReturnStatusChange(status=status, by=agent, at=now, note=note)],
            "updated_by": agent,
            "updated_at": now,
        }
    )


def created_event(document: ReturnOrderView) -> ReturnCreatedV1:
    return ReturnCreatedV1(
        return_id=document.return_id,
        return_number=document.return_number,
        order_id=document.order_id,
        order_number=document.order_number,
        customer_id=document.customer_id,
        currency=document.currency,
        lines=[
            ReturnLine(
                line_no=ln.line_no, sku=ln.sku, quantity=ln.quantity, reason=ln.reason, refund_amount=ln.refund_amount
            )
            for ln in document.lines
        ],
        refund_amount=document.refund_amount,
        status=document.status,
        created_at=document.created_at,
    )


def updated_event(document: ReturnOrderView) -> ReturnUpdatedV1:
    return ReturnUpdatedV1(
        return_id=document.return_id,
        return_number=document.return_number,
        order_id=document.order_id,
        order_number=document.order_number,
        customer_id=document.customer_id,
        status=document.status,
        currency=document.currency,
        refund_amount=document.refund_amount,
        reference=document.refund_reference,
        changed_by=document.updated_by,
        changed_at=document.updated_at,
    )


def result(document: ReturnOrderView) -> ReturnResult:
    return ReturnResult(
        return_id=document.return_id,
        return_number=document.return_number,
        order_id=document.order_id,
        order_number=document.order_number,
        status=document.status,
        currency=document.currency,
        refund_amount=document.refund_amount,
        lines=document.lines,
        exchange=document.exchange,
    )


def summary(document: ReturnOrderView) -> ReturnSummaryView:
    return ReturnSummaryView(
        return_id=document.return_id,
        return_number=document.return_number,
        status=document.status,
        order_id=document.order_id,
        order_number=document.order_number,
        customer_id=document.customer_id,
        customer_name=document.customer_name,
        currency=document.currency,
        refund_amount=document.refund_amount,
        line_count=len(document.lines),
        created_at=document.created_at,
        updated_at=document.updated_at,
    )
