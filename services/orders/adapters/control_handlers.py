"""CSR controls (SRV-03..SRV-08): block, suspend, alerts, edit locks, call management and the pending
orders grid. Thin: each one rule from ``holds``, ``calls`` or ``locks`` and a commit."""

from __future__ import annotations

from contracts import errors
from contracts.envelope import Role
from contracts.orders import (
    BlockOrderV1,
    ClearAlertsV1,
    FlagOrderV1,
    ListPendingOrdersV1,
    LockOrderV1,
    LockResult,
    OrderChangeResult,
    ParkCallV1,
    PendingOrdersPage,
    ResumeOrderV1,
    SuspendOrderV1,
    TakeOverLockV1,
    TransferCallV1,
    UnblockOrderV1,
    UnlockOrderV1,
    VoidCallV1,
    VoidOrderV1,
)
from services.orders.adapters import locks, servicing_store
from services.orders.adapters.deps import Ctx
from services.orders.adapters.editing import commit, load, load_for_edit
from services.orders.domain import calls, holds
from services.runtime.handling import Rejected

# --- block, suspend, alerts (SRV-03..SRV-05) ------------------------------------------------------------


async def block_order(ctx: Ctx, cmd: BlockOrderV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = holds.block(order, cmd.reason, cmd.note, ctx.actor.agent_id, ctx.now)
    reason = f"blocked ({cmd.reason})" + (f": {cmd.note}" if cmd.note else "")
    return await commit(ctx, order, "blocked", reason)


async def unblock_order(ctx: Ctx, cmd: UnblockOrderV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = holds.unblock(order)
    return await commit(ctx, order, "unblocked", f"unblocked: {cmd.note}")


async def suspend_order(ctx: Ctx, cmd: SuspendOrderV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = holds.suspend(order, cmd.reason, ctx.actor.agent_id, ctx.now)
    return await commit(ctx, order, "suspended", f"suspended: {cmd.reason}")


async def resume_order(ctx: Ctx, cmd: ResumeOrderV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = holds.resume(order)
    return await commit(ctx, order, "resumed", "resumed" + (f": {cmd.note}" if cmd.note else ""))


async def flag_order(ctx: Ctx, cmd: FlagOrderV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = holds.flag(order, cmd.note, ctx.actor.agent_id, ctx.now)
    return await commit(ctx, order, "flagged", f"flagged for review: {cmd.note}")


async def clear_alerts(ctx: Ctx, cmd: ClearAlertsV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order, cleared = holds.clear(order, cmd.alert_ids, cmd.note, ctx.actor.agent_id, ctx.now)
    return await commit(ctx, order, "alerts_cleared", f"{len(cleared)} alert(s) cleared: {cmd.note}")


# --- edit locks (SRV-06) ------------------------------------------------------------------------------


async def lock_order(ctx: Ctx, cmd: LockOrderV1) -> LockResult:
    order = await load(ctx, cmd.order_id)
    return locks.result(order.order_id, await locks.claim(ctx, order))


async def unlock_order(ctx: Ctx, cmd: UnlockOrderV1) -> LockResult:
    order = await load(ctx, cmd.order_id)
    holder = await servicing_store.live_lock(ctx.conn, order.order_id, ctx.now)
    if holder is not None and holder.agent_id != ctx.actor.agent_id:
        raise locks.locked(order, holder)
    if holder is None:
        raise Rejected(errors.INVALID_STATE, f"you do not hold the lock on {cmd.order_id}: there is nothing to release")
    await locks.release(ctx, order)
    return locks.result(order.order_id, None, holder.agent_id)


async def take_over_lock(ctx: Ctx, cmd: TakeOverLockV1) -> LockResult:
    order = await load(ctx, cmd.order_id)
    return await locks.take_over(ctx, order)


# --- call management and the pending grid (SRV-07, SRV-08) -------------------------------------------------


async def park_call(ctx: Ctx, cmd: ParkCallV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = calls.park(order, ctx.actor.agent_id, ctx.now)
    result = await commit(ctx, order, "parked", "call parked" + (f": {cmd.note}" if cmd.note else ""))
    await locks.release(ctx, order)
    return result


async def transfer_call(ctx: Ctx, cmd: TransferCallV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = calls.transfer(order, ctx.actor.agent_id, cmd.to_agent_id, ctx.now)
    reason = f"call transferred to {cmd.to_agent_id}" + (f": {cmd.note}" if cmd.note else "")
    result = await commit(ctx, order, "transferred", reason)
    await locks.release(ctx, order, anyone=True, change="transferred")
    return result


async def void_call(ctx: Ctx, cmd: VoidCallV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = calls.void(order, cmd.reason, ctx.actor.agent_id, ctx.now)
    result = await commit(ctx, order, "voided", "call voided" + (f": {cmd.reason}" if cmd.reason else ""))
    await locks.release(ctx, order, anyone=True)
    return result


async def void_order(ctx: Ctx, cmd: VoidOrderV1) -> OrderChangeResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    order = calls.void(order, cmd.reason, ctx.actor.agent_id, ctx.now, pending_only=True)
    reason = "pending order voided" + (f": {cmd.reason}" if cmd.reason else "")
    result = await commit(ctx, order, "voided", reason)
    await locks.release(ctx, order, anyone=True)
    return result


async def list_pending_orders(ctx: Ctx, query: ListPendingOrdersV1) -> PendingOrdersPage:
    """A CSR's own pending list; a supervisor's choice of agent, or everyone's."""
    agent = query.agent_id
    if ctx.actor.role != Role.SUPERVISOR:
        if agent not in (None, ctx.actor.agent_id):
            raise Rejected.field(errors.FORBIDDEN, "payload.agent_id", "a CSR sees only their own pending orders")
        agent = ctx.actor.agent_id
    items, total = await servicing_store.pending_orders(ctx.conn, agent, ctx.now, query.page, query.page_size)
    return PendingOrdersPage(items=items, total=total, page=query.page, page_size=query.page_size)
