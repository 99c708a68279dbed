"""CSR controls on an order (SRV-03..SRV-05): block and unblock, suspend and resume, flag for review,
clear alerts. Each is one rule of ``domain.holds`` (which refuses what the order's state does not
allow) and a commit; the holds that follow, and what fulfilment is told, are derived on save."""

from __future__ import annotations

from contracts.orders import (
    BlockOrderV1,
    ClearAlertsV1,
    FlagOrderV1,
    OrderChangeResult,
    ResumeOrderV1,
    SuspendOrderV1,
    UnblockOrderV1,
)
from services.orders.application.editing import commit, load_for_edit
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import holds


async def block_order(uow: UnitOfWork, cmd: BlockOrderV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = holds.block(order, cmd.reason, cmd.note, uow.actor.agent_id, uow.now)
    reason = f"blocked ({cmd.reason})" + (f": {cmd.note}" if cmd.note else "")
    return await commit(uow, order, "blocked", reason)


async def unblock_order(uow: UnitOfWork, cmd: UnblockOrderV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = holds.unblock(order)
    return await commit(uow, order, "unblocked", f"unblocked: {cmd.note}")


async def suspend_order(uow: UnitOfWork, cmd: SuspendOrderV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = holds.suspend(order, cmd.reason, uow.actor.agent_id, uow.now)
    return await commit(uow, order, "suspended", f"suspended: {cmd.reason}")


async def resume_order(uow: UnitOfWork, cmd: ResumeOrderV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = holds.resume(order)
    return await commit(uow, order, "resumed", "resumed" + (f": {cmd.note}" if cmd.note else ""))


async def flag_order(uow: UnitOfWork, cmd: FlagOrderV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = holds.flag(order, cmd.note, uow.actor.agent_id, uow.now)
    return await commit(uow, order, "flagged", f"flagged for review: {cmd.note}")


async def clear_alerts(uow: UnitOfWork, cmd: ClearAlertsV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order, cleared = holds.clear(order, cmd.alert_ids, cmd.note, uow.actor.agent_id, uow.now)
    return await commit(uow, order, "alerts_cleared", f"{len(cleared)} alert(s) cleared: {cmd.note}")
