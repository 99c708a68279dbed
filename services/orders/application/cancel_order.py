"""Cancel an order (SRV-09): the order refuses what it cannot cancel, its stock goes back, its lock
goes, and the reply tells what to refund."""

from __future__ import annotations

from contracts.orders import CancelOrderV1, CancelResult
from services.orders.application import edit_locks
from services.orders.application.editing import load_for_edit, store
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import changes


async def cancel_order(uow: UnitOfWork, cmd: CancelOrderV1) -> CancelResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    changes.cancel(order, cmd.reason, uow.actor.agent_id, uow.now)  # refused before any money moves
    refund = await uow.payments.release_all(order, f"cancelled: {cmd.reason}", "cancel")  # MNY-04: given back
    done = changes.cancelled(order, cmd.reason, uow.actor.agent_id, uow.now, refund)
    released = await uow.orders.release_stock(order.order_id)
    await store(uow, done.order, done.events, "cancelled", done.reason)
    await edit_locks.release(uow, done.order, anyone=True)
    assert done.order.order_number is not None
    return CancelResult(
        order_id=done.order.order_id,
        order_number=done.order.order_number,
        version=done.order.version,
        status=done.order.status,
        currency=done.order.currency,
        refund_amount=done.refund,
        released_units=released,
    )
