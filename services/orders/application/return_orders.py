"""Returns (SRV-12): a return order created against what shipped, received, refunded. The rules are
``domain.returns`` (what may come back, for which reasons, the steps in order)."""

from __future__ import annotations

from contracts import errors
from contracts.errors import Refused
from contracts.orders import CreateReturnV1, ReceiveReturnV1, RefundReturnV1, ReturnResult
from services.orders.application.editing import load_for_edit, save
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import returns
from services.orders.domain.order import order_number


async def create_return(uow: UnitOfWork, cmd: CreateReturnV1) -> ReturnResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    if await uow.returns.get(cmd.return_id) is not None:
        raise Refused.field(errors.CONFLICT, "payload.return_id", f"return {cmd.return_id} already exists")
    number = order_number(await uow.returns.next_number())
    reasons = list(uow.policy.return_reasons)
    agent = uow.actor.agent_id
    document, counted = returns.create(order, cmd.lines, reasons, cmd.return_id, number, cmd.note, agent, uow.now)
    units = sum(ln.quantity for ln in document.lines)
    await save(uow, counted, "return_created", f"return {number}: {units} unit(s) coming back")
    await uow.returns.add(document)
    uow.emit(returns.created_event(document))
    return returns.result(document)


async def receive_return(uow: UnitOfWork, cmd: ReceiveReturnV1) -> ReturnResult:
    received = await _advance(uow, cmd, "received")
    order = await uow.orders.get(received.order_id, for_update=True)
    # MNY-04: the units are back, what paid for them goes back; an exchange's return (MNY-05) was
    # netted against its new items when it was made
    if order is not None and not received.exchange:
        await uow.payments.refund_return(
            order, received.refund_amount, f"return {received.return_number} received", "return"
        )
    return received


async def refund_return(uow: UnitOfWork, cmd: RefundReturnV1) -> ReturnResult:
    return await _advance(uow, cmd, "refunded", cmd.reference)


async def _advance(
    uow: UnitOfWork, cmd: ReceiveReturnV1 | RefundReturnV1, status: str, reference: str | None = None
) -> ReturnResult:
    document = await uow.returns.get(cmd.return_id, for_update=True)
    if document is None:
        raise Refused.field(errors.NOT_FOUND, "payload.return_id", f"no return {cmd.return_id}")
    document = returns.advance(document, status, uow.actor.agent_id, uow.now, cmd.note, reference)
    await uow.returns.update(document)
    uow.emit(returns.updated_event(document))
    return returns.result(document)
