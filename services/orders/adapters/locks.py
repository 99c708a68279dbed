"""Edit locks (SRV-06) and pending ownership (SRV-07) as every staff edit checks them.

An order being worked is locked to one agent: an explicit LockOrderV1 or the agent's first edit
takes the lock, every edit extends it, and it expires ``lock_timeout_s`` after the last one. Another
agent's edit is refused with ``locked`` and the holder's agent id; a supervisor can take the lock
over. Locks are between people: channels and systems (a web shop, payment and fulfilment systems)
neither take nor are stopped by them; ``expected_version`` guards their edits.

A pending cart (parked or transferred) is worked only by the agent whose pending list it is on, or
a supervisor.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Literal

from contracts import errors
from contracts.envelope import STAFF, FieldError, Role
from contracts.orders import LockResult, LockView, OrderLockChangedV1, OrderView
from services.orders.adapters import servicing_store
from services.orders.adapters.deps import Ctx
from services.runtime.handling import Rejected


def _name(order: OrderView) -> str:
    return order.order_number or order.quote_number or str(order.order_id)


def is_staff(ctx: Ctx) -> bool:
    return ctx.actor.role in STAFF


def locked(order: OrderView, holder: LockView) -> Rejected:
    message = (
        f"order {_name(order)} is being worked by {holder.agent_id} until {holder.expires_at:%H:%M:%S} UTC;"
        " wait for them to finish or for the lock to expire, or ask a supervisor to take it over"
    )
    return Rejected(
        errors.LOCKED,
        message,
        [
            FieldError(field="payload.order_id", code=errors.LOCKED, message=message),
            FieldError(field="lock.agent_id", code=errors.LOCKED, message=holder.agent_id),
        ],
    )


def require_pending_owner(ctx: Ctx, order: OrderView) -> None:
    owner = order.assigned_to
    if order.status != "cart" or owner is None or owner == ctx.actor.agent_id or ctx.actor.role == Role.SUPERVISOR:
        return
    message = f"order {_name(order)} is on {owner}'s pending list: only {owner} or a supervisor may work it"
    raise Rejected(
        errors.LOCKED,
        message,
        [
            FieldError(field="payload.order_id", code=errors.LOCKED, message=message),
            FieldError(field="lock.agent_id", code=errors.LOCKED, message=owner),
        ],
    )


def _expiry(ctx: Ctx) -> timedelta:
    return timedelta(seconds=ctx.deps.settings.lock_timeout_s)


async def claim(ctx: Ctx, order: OrderView) -> LockView | None:
    """A staff edit takes or extends the lock; another agent's live lock refuses it."""
    if not is_staff(ctx):
        return None
    require_pending_owner(ctx, order)
    agent, now = ctx.actor.agent_id, ctx.now
    taken = await servicing_store.take_lock(
        ctx.conn, order.order_id, agent, ctx.actor.role.value, now, now + _expiry(ctx)
    )
    if taken is None:
        holder = await servicing_store.live_lock(ctx.conn, order.order_id, now)
        assert holder is not None  # the row that refused us is live, and we hold the order's row lock
        raise locked(order, holder)
    if taken.new:
        _announce(ctx, order, "locked", taken.lock, None)
    return taken.lock


async def take_over(ctx: Ctx, order: OrderView) -> LockResult:
    now = ctx.now
    taken = await servicing_store.take_lock(
        ctx.conn, order.order_id, ctx.actor.agent_id, ctx.actor.role.value, now, now + _expiry(ctx), force=True
    )
    assert taken is not None
    change: Change = "taken_over" if taken.previous_agent_id else "locked"
    _announce(ctx, order, change, taken.lock, taken.previous_agent_id)
    return result(order.order_id, taken.lock, taken.previous_agent_id)


Change = Literal["locked", "unlocked", "taken_over", "transferred"]


async def release(ctx: Ctx, order: OrderView, *, anyone: bool = False, change: Change = "unlocked") -> bool:
    """Drop the actor's live lock (anyone's with ``anyone``); announced when there was one."""
    agent = None if anyone else ctx.actor.agent_id
    holder = await servicing_store.live_lock(ctx.conn, order.order_id, ctx.now)
    if not await servicing_store.release_lock(ctx.conn, order.order_id, agent, ctx.now):
        return False
    ctx.emit(
        OrderLockChangedV1(
            order_id=order.order_id,
            change=change,
            agent_id=None,
            previous_agent_id=holder.agent_id if holder else None,
            changed_by=ctx.actor.agent_id,
            changed_at=ctx.now,
        )
    )
    return True


def _announce(ctx: Ctx, order: OrderView, change: Change, lock: LockView, previous: str | None) -> None:
    ctx.emit(
        OrderLockChangedV1(
            order_id=order.order_id,
            change=change,
            agent_id=lock.agent_id,
            previous_agent_id=previous,
            expires_at=lock.expires_at,
            changed_by=ctx.actor.agent_id,
            changed_at=ctx.now,
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
