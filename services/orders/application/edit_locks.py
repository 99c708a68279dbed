"""Edit locks (SRV-06) as every staff edit takes them.

An order being worked is locked to one agent: an explicit LockOrderV1 or the agent's first edit
takes the lock, every edit extends it, and it expires ``lock_timeout_s`` after the last one. Another
agent's edit is refused with ``locked`` and the holder's agent id; a supervisor can take the lock
over. Locks are between people: channels and systems (a web shop, payment and fulfilment systems)
neither take nor are stopped by them; ``expected_version`` guards their edits. The rules are in
``domain.locks``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Literal

from contracts.orders import LockResult, LockView, OrderLockChangedV1, OrderView
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import locks

Change = Literal["locked", "unlocked", "taken_over", "transferred"]


def _until(uow: UnitOfWork) -> timedelta:
    return timedelta(seconds=uow.lock_timeout_s)


async def claim(uow: UnitOfWork, order: OrderView) -> LockView | None:
    """A staff edit takes or extends the lock; another agent's live lock refuses it."""
    if not locks.takes_locks(uow.actor):
        return None
    locks.require_pending_owner(uow.actor, order)
    taken = await uow.locks.take(order.order_id, uow.now + _until(uow))
    if taken is None:
        holder = await uow.locks.live(order.order_id)
        assert holder is not None  # the row that refused us is live, and we hold the order's row lock
        raise locks.locked(order, holder)
    if taken.new:
        _announce(uow, order, "locked", taken.lock, None)
    return taken.lock


async def take_over(uow: UnitOfWork, order: OrderView) -> LockResult:
    taken = await uow.locks.take(order.order_id, uow.now + _until(uow), force=True)
    assert taken is not None
    change: Change = "taken_over" if taken.previous_agent_id else "locked"
    _announce(uow, order, change, taken.lock, taken.previous_agent_id)
    return result(order.order_id, taken.lock, taken.previous_agent_id)


async def release(uow: UnitOfWork, order: OrderView, *, anyone: bool = False, change: Change = "unlocked") -> bool:
    """Drop the actor's live lock (anyone's with ``anyone``); announced when there was one."""
    agent = None if anyone else uow.actor.agent_id
    holder = await uow.locks.live(order.order_id)
    if not await uow.locks.release(order.order_id, agent):
        return False
    uow.emit(
        OrderLockChangedV1(
            order_id=order.order_id,
            change=change,
            agent_id=None,
            previous_agent_id=holder.agent_id if holder else None,
            changed_by=uow.actor.agent_id,
            changed_at=uow.now,
        )
    )
    return True


def _announce(uow: UnitOfWork, order: OrderView, change: Change, lock: LockView, previous: str | None) -> None:
    uow.emit(
        OrderLockChangedV1(
            order_id=order.order_id,
            change=change,
            agent_id=lock.agent_id,
            previous_agent_id=previous,
            expires_at=lock.expires_at,
            changed_by=uow.actor.agent_id,
            changed_at=uow.now,
        )
    )


def result(order_id: uuid.UUID, lock: LockView | None, previous: str | None = None) -> LockResult:
    if lock is None:
        return LockResult(order_id=order_id, locked=False, previous_agent_id=previous)
    return LockResult(
        order_id=lock.order_id,
        locked=True,
        agent_id=lock.agent_id,
        acquired_at=lock.acquired_at,
        expires_at=lock.expires_at,
        previous_agent_id=previous,
    )
