"""Activity notes and the contact history (CUS-09, CUS-10)."""

from __future__ import annotations

import uuid

from contracts.customers import (
    ActivityCodes,
    ActivityNoteRecordedV1,
    ContactHistory,
    GetActivityCodesV1,
    GetContactHistoryV1,
    NoteResult,
    RecordActivityNoteV1,
)
from services.customers.application.records import known_customer
from services.customers.application.unit_of_work import UnitOfWork
from services.customers.domain import customer as rules


async def record_activity_note(uow: UnitOfWork, cmd: RecordActivityNoteV1) -> NoteResult:
    policy = uow.policy
    rules.check_codes(cmd.activity_code, cmd.result_code, policy.activity_codes, policy.result_codes)
    await known_customer(uow, cmd.customer_id)
    note = ActivityNoteRecordedV1(
        customer_id=cmd.customer_id,
        note_id=uuid.uuid4(),
        activity_code=cmd.activity_code,
        result_code=cmd.result_code,
        subject=cmd.subject,
        description=cmd.description,
        regarding=cmd.regarding,
        contact_at=cmd.contact_at or uow.now,
        recorded_by=uow.actor.agent_id,
        recorded_at=uow.now,
    )
    await uow.activity.add_note(note)
    uow.emit(note)
    return NoteResult(customer_id=cmd.customer_id, note_id=note.note_id)


async def get_activity_codes(uow: UnitOfWork, query: GetActivityCodesV1) -> ActivityCodes:
    return ActivityCodes(activity_codes=uow.policy.activity_codes, result_codes=uow.policy.result_codes)


async def get_contact_history(uow: UnitOfWork, query: GetContactHistoryV1) -> ContactHistory:
    await known_customer(uow, query.customer_id)
    return await uow.views.contact_history(query)
