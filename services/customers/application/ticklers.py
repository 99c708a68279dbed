"""Ticklers: follow-up reminders for an agent (CUS-12)."""

from __future__ import annotations

import uuid

from contracts import errors
from contracts.customers import (
    CloseTicklerV1,
    CreateTicklerV1,
    GetTicklerHistoryV1,
    ListTicklersV1,
    ReassignTicklerV1,
    TicklerClosedV1,
    TicklerCreatedV1,
    TicklerHistory,
    TicklerList,
    TicklerReassignedV1,
    TicklerResult,
)
from contracts.errors import Refused
from services.customers.application.records import known_customer
from services.customers.application.unit_of_work import UnitOfWork
from services.customers.domain import ticklers
from services.customers.domain.ticklers import Tickler


def _result(t: Tickler) -> TicklerResult:
    return TicklerResult(tickler_id=t.tickler_id, customer_id=t.customer_id, status=t.status, version=t.version)


async def create_tickler(uow: UnitOfWork, cmd: CreateTicklerV1) -> TicklerResult:
    await known_customer(uow, cmd.customer_id)
    tickler = Tickler(
        tickler_id=uuid.uuid4(),
        customer_id=cmd.customer_id,
        status="open",
        due_at=cmd.due_at,
        assigned_to=cmd.assigned_to,
        reason=cmd.reason,
        note=cmd.note,
        regarding=cmd.regarding,
        created_by=uow.actor.agent_id,
        created_at=uow.now,
    )
    await uow.activity.add_tickler(tickler)
    detail = {"assigned_to": tickler.assigned_to, "due_at": tickler.due_at.isoformat(), "reason": tickler.reason}
    await uow.activity.add_tickler_action(
        tickler.tickler_id, ticklers.Action("created", detail), uow.actor.agent_id, uow.now
    )
    uow.emit(
        TicklerCreatedV1(
            tickler_id=tickler.tickler_id,
            customer_id=tickler.customer_id,
            due_at=tickler.due_at,
            assigned_to=tickler.assigned_to,
            reason=tickler.reason,
            regarding=tickler.regarding,
            created_by=tickler.created_by,
            created_at=tickler.created_at,
        )
    )
    return _result(tickler)


async def _tickler(uow: UnitOfWork, customer_id: uuid.UUID, tickler_id: uuid.UUID) -> Tickler:
    found = await uow.activity.tickler_for_update(customer_id, tickler_id)
    if found is None:
        raise Refused.field(errors.NOT_FOUND, "payload.tickler_id", f"no tickler {tickler_id} for this customer")
    return found


async def reassign_tickler(uow: UnitOfWork, cmd: ReassignTicklerV1) -> TicklerResult:
    current = await _tickler(uow, cmd.customer_id, cmd.tickler_id)
    changed, action = ticklers.reassign(current, cmd.assigned_to, cmd.due_at, cmd.expected_version)
    await uow.activity.save_tickler(changed)
    await uow.activity.add_tickler_action(changed.tickler_id, action, uow.actor.agent_id, uow.now)
    uow.emit(
        TicklerReassignedV1(
            tickler_id=changed.tickler_id,
            customer_id=changed.customer_id,
            due_at=changed.due_at,
            assigned_to=changed.assigned_to,
            reassigned_by=uow.actor.agent_id,
            reassigned_at=uow.now,
            version=changed.version,
        )
    )
    return _result(changed)


async def close_tickler(uow: UnitOfWork, cmd: CloseTicklerV1) -> TicklerResult:
    current = await _tickler(uow, cmd.customer_id, cmd.tickler_id)
    closed, action = ticklers.close(current, cmd.resolution, cmd.expected_version, uow.now, uow.actor)
    await uow.activity.save_tickler(closed)
    await uow.activity.add_tickler_action(closed.tickler_id, action, uow.actor.agent_id, uow.now)
    uow.emit(
        TicklerClosedV1(
            tickler_id=closed.tickler_id,
            customer_id=closed.customer_id,
            resolution=cmd.resolution,
            closed_by=uow.actor.agent_id,
            closed_at=uow.now,
            version=closed.version,
        )
    )
    return _result(closed)


async def list_ticklers(uow: UnitOfWork, query: ListTicklersV1) -> TicklerList:
    return await uow.views.ticklers(query, uow.now)


async def get_tickler_history(uow: UnitOfWork, query: GetTicklerHistoryV1) -> TicklerHistory:
    await known_customer(uow, query.customer_id)
    return await uow.views.tickler_history(query.customer_id, query.page, uow.now)
