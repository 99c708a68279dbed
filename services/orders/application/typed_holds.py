"""Typed holds from rules (MNY-09): the rules applied to an order as it is submitted or changed, a
supervisor releasing one hold type, and the block list kept by supervisors (an entry removed
releases the holds it caused). The rules are ``domain.risk``."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import errors
from contracts.errors import Refused
from contracts.orders import (
    AddBlockListEntryV1,
    BlockListChangedV1,
    BlockListEntryResult,
    OrderChangeResult,
    OrderView,
    ReleaseHoldV1,
    RemoveBlockListEntryV1,
    TypedHoldView,
)
from services.orders.application.editing import load_for_edit, result, save
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import risk


async def screened(uow: UnitOfWork, order: OrderView) -> tuple[OrderView, list[TypedHoldView]]:
    """The order with the typed holds the rules find now (placed) and the ones no longer true
    (released); what changed. The block-list entries that hold it are recorded, to release it
    when they are removed."""
    rules = risk.RiskRules(uow.policy.hold_amount_over, uow.policy.hold_country_mismatch)
    blocked = await uow.block_list.matching(risk.screened_values(order))
    order, changed = risk.screen(order, risk.findings(order, rules, blocked), uow.now)
    for entry in blocked:
        if any(h.key == risk.entry_key(entry.entry_id) and not h.released for h in changed):
            await uow.block_list.holds(entry.entry_id, order.order_id)
    return order, changed


def reason_with(reason: str, changed: Sequence[TypedHoldView]) -> str:
    """The version's reason, saying which typed holds were placed or released and why."""
    return f"{reason}; {risk.described(changed)}" if changed else reason


def emit_changes(uow: UnitOfWork, saved: OrderView, changed: Sequence[TypedHoldView]) -> None:
    for event in risk.changed_events(saved, changed):
        uow.emit(event)


async def release_hold(uow: UnitOfWork, cmd: ReleaseHoldV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    order, released = risk.release(order, cmd.hold_type, cmd.note, uow.actor.agent_id, uow.now)
    saved = await save(uow, order, "hold_released", reason_with("hold released", released))
    emit_changes(uow, saved, released)
    return result(saved)


async def add_block_list_entry(uow: UnitOfWork, cmd: AddBlockListEntryV1) -> BlockListEntryResult:
    entry = risk.BlockListEntry(cmd.entry_id, cmd.kind, risk.normalized(cmd.kind, cmd.value))
    if not entry.value.strip("+|"):
        raise Refused.field(errors.INVALID, "payload.value", f"nothing to compare: {cmd.kind} has no letters or digits")
    if not await uow.block_list.add(entry, cmd.note):
        already = f"this {cmd.kind} (or entry {cmd.entry_id}) is on the block list already"
        raise Refused.field(errors.CONFLICT, "payload.value", already)
    uow.emit(
        BlockListChangedV1(
            entry_id=entry.entry_id, kind=cmd.kind, change="added", note=cmd.note, by=uow.actor.agent_id, at=uow.now
        )
    )
    return BlockListEntryResult(entry_id=entry.entry_id, kind=cmd.kind, value=entry.value)


async def remove_block_list_entry(uow: UnitOfWork, cmd: RemoveBlockListEntryV1) -> BlockListEntryResult:
    entry = await uow.block_list.get(cmd.entry_id)
    if entry is None:
        raise Refused.field(errors.NOT_FOUND, "payload.entry_id", f"no block-list entry {cmd.entry_id}")
    released_orders = []
    for order_id in await uow.block_list.remove(entry.entry_id):
        order = await uow.orders.get(order_id, for_update=True)
        key = risk.entry_key(entry.entry_id)
        if order is None or not any(h.key == key for h in risk.active(order)):
            continue  # released by a supervisor meanwhile, or finished
        note = f"block-list entry removed: {cmd.note}"
        order, released = risk.release(order, "block_list", note, uow.actor.agent_id, uow.now, key=key)
        saved = await save(uow, order, "hold_released", reason_with("hold released", released))
        emit_changes(uow, saved, released)
        released_orders.append(order_id)
    uow.emit(
        BlockListChangedV1(
            entry_id=entry.entry_id,
            kind=entry.kind,
            change="removed",
            note=cmd.note,
            by=uow.actor.agent_id,
            at=uow.now,
            released_orders=released_orders,
        )
    )
    return BlockListEntryResult(
        entry_id=entry.entry_id,
        kind=entry.kind,
        value=entry.value,
        released_orders=released_orders,
    )
