"""Lock, unlock and take over an order's edit lock (SRV-06) on request; edits take it themselves
(``edit_locks.claim``)."""

from __future__ import annotations

from contracts import errors
from contracts.errors import Refused
from contracts.orders import LockOrderV1, LockResult, TakeOverLockV1, UnlockOrderV1
from services.orders.application import edit_locks
from services.orders.application.editing import load
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import locks


async def lock_order(uow: UnitOfWork, cmd: LockOrderV1) -> LockResult:
    order = await load(uow, cmd.order_id)
    return edit_locks.result(order.order_id, await edit_locks.claim(uow, order))


async def unlock_order(uow: UnitOfWork, cmd: UnlockOrderV1) -> LockResult:
    order = await load(uow, cmd.order_id)
    holder = await uow.locks.live(order.order_id)
    if holder is not None and holder.agent_id != uow.actor.agent_id:
        raise locks.locked(order, holder)
    if holder is None:
        raise Refused(errors.INVALID_STATE, f"you do not hold the lock on {cmd.order_id}: there is nothing to release")
    await edit_locks.release(uow, order)
    return edit_locks.result(order.order_id, None, holder.agent_id)


async def take_over_lock(uow: UnitOfWork, cmd: TakeOverLockV1) -> LockResult:
    order = await load(uow, cmd.order_id)
    return await edit_locks.take_over(uow, order)
