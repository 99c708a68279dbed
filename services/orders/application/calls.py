"""Call management (SRV-07, SRV-08): park, transfer and void the call's cart, void a pending order.
The rules are ``domain.calls``; each ends the agent's edit lock on the cart."""

from __future__ import annotations

from contracts.orders import OrderChangeResult, ParkCallV1, TransferCallV1, VoidCallV1, VoidOrderV1
from services.orders.application import edit_locks
from services.orders.application.editing import commit, load_for_edit
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import calls


async def park_call(uow: UnitOfWork, cmd: ParkCallV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = calls.park(order, uow.actor.agent_id, uow.now)
    result = await commit(uow, order, "parked", "call parked" + (f": {cmd.note}" if cmd.note else ""))
    await edit_locks.release(uow, order)
    return result


async def transfer_call(uow: UnitOfWork, cmd: TransferCallV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = calls.transfer(order, uow.actor.agent_id, cmd.to_agent_id, uow.now)
    reason = f"call transferred to {cmd.to_agent_id}" + (f": {cmd.note}" if cmd.note else "")
    result = await commit(uow, order, "transferred", reason)
    await edit_locks.release(uow, order, anyone=True, change="transferred")
    return result


async def void_call(uow: UnitOfWork, cmd: VoidCallV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = calls.void(order, cmd.reason, uow.actor.agent_id, uow.now)
    result = await commit(uow, order, "voided", "call voided" + (f": {cmd.reason}" if cmd.reason else ""))
    await edit_locks.release(uow, order, anyone=True)
    return result


async def void_order(uow: UnitOfWork, cmd: VoidOrderV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order = calls.void(order, cmd.reason, uow.actor.agent_id, uow.now, pending_only=True)
    reason = "pending order voided" + (f": {cmd.reason}" if cmd.reason else "")
    result = await commit(uow, order, "voided", reason)
    await edit_locks.release(uow, order, anyone=True)
    return result
