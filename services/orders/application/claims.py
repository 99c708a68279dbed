"""Claims (MNY-06): reship or refund a lost or damaged line without a return. The rules are
``domain.claims``; a refund goes through the payment port (the provider is asked with an
idempotency key derived from this message's id, and the ledger records it)."""

from __future__ import annotations

from contracts.orders import ClaimResult, FileClaimV1
from services.orders.application.editing import load_for_edit, save
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import claims
from services.orders.domain.pricing import ZERO


async def file_claim(uow: UnitOfWork, cmd: FileClaimV1) -> ClaimResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    wanted = claims.ClaimRequest(cmd.claim_id, cmd.line_no, cmd.quantity, cmd.reason, cmd.resolution, cmd.note)
    order, claim = claims.file(order, wanted, uow.actor.agent_id, uow.now)
    why = claims.described(claim)
    refunded = ZERO
    if claim.refund_amount > 0:
        refunded = await uow.payments.refund_return(order, claim.refund_amount, why, "claim")
    saved = await save(uow, order, "claim_filed", why)
    uow.emit(claims.filed_event(saved, claim, refunded))
    if claim.resolution == "reship":
        uow.emit(claims.reshipment_event(saved, claim))
    assert saved.order_number is not None
    return ClaimResult(
        order_id=saved.order_id,
        order_number=saved.order_number,
        claim_id=claim.claim_id,
        version=saved.version,
        line_no=claim.line_no,
        quantity=claim.quantity,
        resolution=claim.resolution,
        currency=saved.currency,
        refund_amount=claim.refund_amount,
        refunded=refunded,
    )
