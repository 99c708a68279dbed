"""The claim e-mail (MNY-06): a lost or damaged line was resolved without a return, and the customer
is told what was decided: the items sent again at no charge, or how much is refunded.

One e-mail per claim. The orders service tells a claim with ClaimFiledV1 and, for a reship, also
with ReshipmentRequestedV1; each claim is e-mailed from exactly one of them: a reship from the
request (it names the items as the order listed them), a refund from the filed claim (it carries
what the payment provider gave back). A redelivered event finds its e-mail made already (queue's
dedupe key is the message and the template).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from contracts.orders import ClaimFiledV1, ReshipmentRequestedV1
from services.notifications.application.queueing import queue
from services.notifications.application.unit_of_work import UnitOfWork
from services.notifications.domain.requests import EmailRequest

TEMPLATE = "claim"


async def on_claim_filed(uow: UnitOfWork, event: ClaimFiledV1) -> None:
    if event.claim.resolution != "refund":
        return  # a reship is e-mailed from its ReshipmentRequestedV1, which names the items
    await _email(uow, event.order_id, event.order_number, event.customer_id, refund_context(event))


async def on_reshipment_requested(uow: UnitOfWork, event: ReshipmentRequestedV1) -> None:
    await _email(uow, event.order_id, event.order_number, event.customer_id, reship_context(event))


def refund_context(event: ClaimFiledV1) -> dict[str, Any]:
    """``refund_pending`` > 0 when the provider gave back less than the claim is worth now (a
    provider away, an unpaid invoice): the e-mail then says how much went back so far, nothing more."""
    claim = event.claim
    line = {"line_no": claim.line_no, "sku": claim.sku, "name": None, "quantity": claim.quantity}
    return {
        **_common("refund", event.order_number, event.currency, [line], claim.at.isoformat()),
        "reason": claim.reason,
        "refund_amount": str(claim.refund_amount),
        "refunded": str(event.refunded),
        "refund_pending": str(max(Decimal(claim.refund_amount) - Decimal(event.refunded), Decimal(0))),
    }


def reship_context(event: ReshipmentRequestedV1) -> dict[str, Any]:
    lines = [{"line_no": ln.line_no, "sku": ln.sku, "name": ln.name, "quantity": ln.quantity} for ln in event.lines]
    return _common("reship", event.order_number, event.currency, lines, event.requested_at.isoformat())


def _common(resolution: str, number: str, currency: str, lines: list[dict[str, Any]], at: str) -> dict[str, Any]:
    return {"resolution": resolution, "order_number": number, "currency": currency, "lines": lines, "at": at}


async def _email(
    uow: UnitOfWork, order_id: uuid.UUID, number: str, customer_id: uuid.UUID, context: dict[str, Any]
) -> None:
    request = EmailRequest(TEMPLATE, context, customer_id=customer_id, order_id=order_id, regarding=f"order {number}")
    await queue(uow, request)
