"""Claims (MNY-06), pure: units of a shipped line that were lost or arrived damaged are reshipped at
no charge or refunded, without a return.

At most what shipped and is neither returned (or being returned) nor claimed already can be claimed.
A refund is what the units cost the customer, computed like a return's (``returns.refund_of``) on
the units already given back by returns and refund claims, so refunds of one line never exceed its
total. A reship asks fulfilment for a zero-priced replacement shipment (ReshipmentRequestedV1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.errors import Refused
from contracts.orders import (
    ClaimFiledV1,
    ClaimReason,
    ClaimResolution,
    ClaimView,
    OrderErrors,
    OrderView,
    ReshipLine,
    ReshipmentRequestedV1,
)
from services.orders.domain.pricing import money
from services.orders.domain.returns import RETURNABLE, refund_of


@dataclass(frozen=True)
class ClaimRequest:
    claim_id: uuid.UUID
    line_no: int
    quantity: int
    reason: ClaimReason
    resolution: ClaimResolution
    note: str | None


def claimed(order: OrderView, line_no: int, resolution: str | None = None) -> int:
    return sum(
        c.quantity for c in order.claims if c.line_no == line_no and (resolution is None or c.resolution == resolution)
    )


def file(order: OrderView, wanted: ClaimRequest, agent: str, now: datetime) -> tuple[OrderView, ClaimView]:
    """The order with the claim recorded, and the claim (its refund computed for a refund claim)."""
    name = order.order_number or str(order.order_id)
    if order.status not in RETURNABLE or order.order_number is None:
        raise Refused(errors.INVALID_STATE, f"order {name} is {order.status}: only shipped items can be claimed")
    if any(c.claim_id == wanted.claim_id for c in order.claims):
        raise Refused.field(errors.CONFLICT, "payload.claim_id", f"claim {wanted.claim_id} is filed already")
    line = next((ln for ln in order.lines if ln.line_no == wanted.line_no), None)
    if line is None:
        raise Refused.field(errors.NOT_FOUND, "payload.line_no", f"order {name} has no such line")
    taken = line.returned_quantity + claimed(order, line.line_no)
    left = line.shipped_quantity - taken
    if wanted.quantity > left:
        raise Refused.field(
            OrderErrors.CLAIM_EXCEEDS_SHIPPED,
            "payload.quantity",
            f"line {line.line_no} ({line.sku}): {line.shipped_quantity} shipped, {taken} returned or claimed;"
            f" at most {max(left, 0)} more can be claimed",
        )
    refund = money(Decimal(0), order.currency)  # a reship refunds nothing
    if wanted.resolution == "refund":
        before = line.returned_quantity + claimed(order, line.line_no, "refund")
        refund = refund_of(line, before, before + wanted.quantity, order.currency)
    claim = ClaimView(
        claim_id=wanted.claim_id,
        line_no=line.line_no,
        sku=line.sku,
        quantity=wanted.quantity,
        reason=wanted.reason,
        resolution=wanted.resolution,
        refund_amount=refund,
        note=wanted.note,
        by=agent,
        at=now,
    )
    return order.model_copy(update={"claims": [*order.claims, claim]}), claim


def described(claim: ClaimView) -> str:
    return (
        f"claim {claim.claim_id}: {claim.quantity} x line {claim.line_no} ({claim.sku}) {claim.reason},"
        f" {claim.resolution}"
    )


def filed_event(order: OrderView, claim: ClaimView, refunded: Decimal) -> ClaimFiledV1:
    return ClaimFiledV1(
        order_id=order.order_id,
        order_number=order.order_number or str(order.order_id),
        customer_id=order.customer_id,
        version=order.version,
        currency=order.currency,
        claim=claim,
        refunded=refunded,
    )


def reshipment_event(order: OrderView, claim: ClaimView) -> ReshipmentRequestedV1:
    line = next(ln for ln in order.lines if ln.line_no == claim.line_no)
    return ReshipmentRequestedV1(
        order_id=order.order_id,
        order_number=order.order_number or str(order.order_id),
        customer_id=order.customer_id,
        claim_id=claim.claim_id,
        currency=order.currency,
        lines=[
            ReshipLine(
                line_no=line.line_no,
                sku=line.sku,
                name=line.name,
                quantity=claim.quantity,
                unit_price=money(Decimal(0), order.currency),
            )
        ],
        ship_to=line.ship_to or order.ship_to,
        requested_at=claim.at,
    )
