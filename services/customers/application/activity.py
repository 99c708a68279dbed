"""Activity notes, ticklers and accounts (CUS-09, CUS-12, CUS-13)."""

from __future__ import annotations

import uuid

import asyncpg

from contracts import errors
from contracts.customers import (
    AccountCreatedV1,
    AccountResult,
    ActivityNoteRecordedV1,
    CloseTicklerV1,
    CreateAccountV1,
    CreateTicklerV1,
    NoteResult,
    ReassignTicklerV1,
    RecordActivityNoteV1,
    TicklerClosedV1,
    TicklerCreatedV1,
    TicklerReassignedV1,
    TicklerResult,
)
from services.customers.adapters.deps import Ctx
from services.customers.adapters.postgres import accounts as store_accounts
from services.customers.adapters.postgres import activity as store_activity
from services.customers.adapters.postgres import customers as store
from services.customers.domain import customer as domain
from services.customers.domain import ticklers
from services.runtime.handling import Rejected


async def _known_customer(ctx: Ctx, customer_id: uuid.UUID) -> None:
    if await store.load(ctx.conn, customer_id) is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.customer_id", f"no customer {customer_id}")


async def record_note(ctx: Ctx, cmd: RecordActivityNoteV1) -> NoteResult:
    settings = ctx.deps.settings
    domain.check_codes(cmd.activity_code, cmd.result_code, settings.activity_codes, settings.result_codes)
    await _known_customer(ctx, cmd.customer_id)
    note = ActivityNoteRecordedV1(
        customer_id=cmd.customer_id,
        note_id=uuid.uuid4(),
        activity_code=cmd.activity_code,
        result_code=cmd.result_code,
        subject=cmd.subject,
        description=cmd.description,
        regarding=cmd.regarding,
        contact_at=cmd.contact_at or ctx.now,
        recorded_by=ctx.actor.agent_id,
        recorded_at=ctx.now,
    )
    await store_activity.insert_note(ctx.conn, note)
    ctx.emit(note)
    return NoteResult(customer_id=cmd.customer_id, note_id=note.note_id)


# --- ticklers ------------------------------------------------------------------------------------


def _result(t: ticklers.Tickler) -> TicklerResult:
    return TicklerResult(tickler_id=t.tickler_id, customer_id=t.customer_id, status=t.status, version=t.version)


async def create_tickler(ctx: Ctx, cmd: CreateTicklerV1) -> TicklerResult:
    await _known_customer(ctx, cmd.customer_id)
    tickler = ticklers.Tickler(
        tickler_id=uuid.uuid4(),
        customer_id=cmd.customer_id,
        status="open",
        due_at=cmd.due_at,
        assigned_to=cmd.assigned_to,
        reason=cmd.reason,
        note=cmd.note,
        regarding=cmd.regarding,
        created_by=ctx.actor.agent_id,
        created_at=ctx.now,
    )
    await store_activity.insert_tickler(ctx.conn, tickler)
    detail = {"assigned_to": tickler.assigned_to, "due_at": tickler.due_at.isoformat(), "reason": tickler.reason}
    await store_activity.add_action(
        ctx.conn, tickler.tickler_id, ticklers.Action("created", detail), ctx.actor.agent_id, ctx.now
    )
    ctx.emit(
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


async def _tickler(ctx: Ctx, customer_id: uuid.UUID, tickler_id: uuid.UUID) -> ticklers.Tickler:
    found = await store_activity.load_tickler(ctx.conn, customer_id, tickler_id)
    if found is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.tickler_id", f"no tickler {tickler_id} for this customer")
    return found


async def reassign_tickler(ctx: Ctx, cmd: ReassignTicklerV1) -> TicklerResult:
    current = await _tickler(ctx, cmd.customer_id, cmd.tickler_id)
    changed, action = ticklers.reassign(current, cmd.assigned_to, cmd.due_at, cmd.expected_version)
    await store_activity.save_tickler(ctx.conn, changed)
    await store_activity.add_action(ctx.conn, changed.tickler_id, action, ctx.actor.agent_id, ctx.now)
    ctx.emit(
        TicklerReassignedV1(
            tickler_id=changed.tickler_id,
            customer_id=changed.customer_id,
            due_at=changed.due_at,
            assigned_to=changed.assigned_to,
            reassigned_by=ctx.actor.agent_id,
            reassigned_at=ctx.now,
            version=changed.version,
        )
    )
    return _result(changed)


async def close_tickler(ctx: Ctx, cmd: CloseTicklerV1) -> TicklerResult:
    current = await _tickler(ctx, cmd.customer_id, cmd.tickler_id)
    closed, action = ticklers.close(current, cmd.resolution, cmd.expected_version, ctx.now, ctx.actor)
    await store_activity.save_tickler(ctx.conn, closed)
    await store_activity.add_action(ctx.conn, closed.tickler_id, action, ctx.actor.agent_id, ctx.now)
    ctx.emit(
        TicklerClosedV1(
            tickler_id=closed.tickler_id,
            customer_id=closed.customer_id,
            resolution=cmd.resolution,
            closed_by=ctx.actor.agent_id,
            closed_at=ctx.now,
            version=closed.version,
        )
    )
    return _result(closed)


# --- accounts ------------------------------------------------------------------------------------


async def create_account(ctx: Ctx, cmd: CreateAccountV1) -> AccountResult:
    number = cmd.account_number or await store_accounts.next_account_number(ctx.conn)
    account_id = uuid.uuid4()
    values = {
        "account_id": account_id,
        "account_number": number,
        "name": cmd.name,
        "email": str(cmd.email) if cmd.email else None,
        "phone": cmd.phone,
        "attributes": dict(cmd.attributes),
    }
    try:
        await store_accounts.insert_account(ctx.conn, values, ctx.now, ctx.actor.agent_id)
    except asyncpg.UniqueViolationError:
        raise Rejected.field(
            errors.CONFLICT, "payload.account_number", f"account number {number!r} is already taken"
        ) from None
    ctx.emit(
        AccountCreatedV1(
            account_id=account_id,
            account_number=number,
            name=cmd.name,
            created_by=ctx.actor.agent_id,
            created_at=ctx.now,
        )
    )
    return AccountResult(account_id=account_id, account_number=number)
