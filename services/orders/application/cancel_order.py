"""Cancel an order (SRV-09): the order refuses what it cannot cancel, its stock goes back, its lock
goes, and the reply tells what to refund."""

from __future__ import annotations

from contracts.orders import CancelOrderV1, CancelResult
from services.orders.application import edit_locks
from services.orders.application.editing import load_for_edit, save
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import changes


async def cancel_order(uow: UnitOfWork, cmd: CancelOrderV1) -> CancelResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    cancelled, refund = changes.cancel(order, cmd.reason, uow.actor.agent_id, uow.now)
    released = await uow.orders.release_stock(order.order_id)
    saved = await save(uow, cancelled, "cancelled", f"cancelled: {cmd.reason}")
    uow.emit(changes.cancelled_event(saved, refund))
    await edit_locks.release(uow, saved, anyone=True)
    assert saved.order_number is not None
    return CancelResult(
        order_id=saved.order_id,
        order_number=saved.order_number,
        version=saved.version,
        status=saved.status,
        currency=saved.currency,
        refund_amount=refund,
        released_units=released,
    )
