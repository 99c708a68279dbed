"""Activity notes (CUS-09), contact history (CUS-10) and ticklers (CUS-12)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from contracts import errors
from contracts.customers import (
    ActivityCodes,
    CloseTicklerV1,
    ContactHistory,
    CreateTicklerV1,
    GetActivityCodesV1,
    GetContactHistoryV1,
    GetTicklerHistoryV1,
    ListTicklersV1,
    NoteResult,
    ReassignTicklerV1,
    RecordActivityNoteV1,
    TicklerHistory,
    TicklerList,
    TicklerResult,
)
from contracts.notifications import EmailSentV1
from csr.client import OmsClient
from tests.support.customers import NOTIFICATIONS, event_for, now, ok, publish_event, register, tag
from tests.support.system import System, eventually


@pytest.mark.capability("CUS-09")
async def test_a_note_takes_its_codes_from_the_configured_lists(system: System, csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    codes = await ok(csr, GetActivityCodesV1(), ActivityCodes)
    assert "call_in" in codes.activity_codes and "follow_up" in codes.result_codes

    note = await ok(
        csr,
        RecordActivityNoteV1(
            customer_id=customer_id,
            activity_code="call_in",
            result_code="follow_up",
            subject="Asked about delivery dates",
            description="Wants the tent before the 12th; promised a call back.",
            regarding="1000042",
        ),
        NoteResult,
    )
    unknown_activity = await csr.send(
        RecordActivityNoteV1(customer_id=customer_id, activity_code="telepathy", result_code="resolved", subject="x")
    )
    unknown_result = await csr.send(
        RecordActivityNoteV1(customer_id=customer_id, activity_code="call_in", result_code="maybe", subject="x")
    )

    assert unknown_activity.code == "unknown_activity_code"
    assert unknown_activity.field_errors[0].field == "payload.activity_code"
    assert "call_in" in (unknown_activity.message or "")
    assert unknown_result.code == "unknown_result_code"
    rows = await system.fetch("customers", "SELECT * FROM notes WHERE customer_id = $1", customer_id)
    assert [(r["note_id"], r["recorded_by"], r["regarding"]) for r in rows] == [(note.note_id, "csr-alice", "1000042")]
    event = await event_for(system, "ActivityNoteRecorded", lambda p: p["note_id"] == str(note.note_id))
    assert event.payload["activity_code"] == "call_in" and event.payload["subject"] == "Asked about delivery dates"


@pytest.mark.capability("CUS-10", "CUS-09")
async def test_contact_history_shows_notes_and_e_mails_in_time_order(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    customer_id, command = await register(csr)
    start = now()

    async def welcome_recorded() -> ContactHistory | None:
        history = await ok(csr, GetContactHistoryV1(customer_id=customer_id, kinds=["email"]), ContactHistory)
        return history if history.entries else None

    welcome = (await eventually(welcome_recorded, timeout=60)).entries[0]
    assert welcome.to == str(command.email) and welcome.subject.startswith("Welcome")
    call = await ok(
        csr,
        RecordActivityNoteV1(
            customer_id=customer_id,
            activity_code="call_out",
            result_code="left_message",
            subject="Called about the return",
            contact_at=start + timedelta(minutes=1),
        ),
        NoteResult,
    )
    chat = await ok(
        csr,
        RecordActivityNoteV1(
            customer_id=customer_id,
            activity_code="chat",
            result_code="resolved",
            subject="Return label explained",
            contact_at=start + timedelta(minutes=3),
        ),
        NoteResult,
    )
    sent = EmailSentV1(
        email_id=uuid.uuid4(),
        customer_id=customer_id,
        template="csr_email",
        subject="Your return label",
        to=str(command.email),
        message_id="<label@csr-oms.example.com>",
        sent_at=start + timedelta(minutes=2),
    )
    await publish_event(csr, sent, NOTIFICATIONS)

    async def everything() -> ContactHistory | None:
        history = await ok(csr, GetContactHistoryV1(customer_id=customer_id), ContactHistory)
        return history if len(history.entries) == 4 else None

    newest_first = await eventually(everything, timeout=30)
    oldest_first = await ok(csr, GetContactHistoryV1(customer_id=customer_id, oldest_first=True), ContactHistory)
    notes_only = await ok(csr, GetContactHistoryV1(customer_id=customer_id, kinds=["note"]), ContactHistory)

    assert [e.reference_id for e in newest_first.entries] == [
        chat.note_id,
        sent.email_id,
        call.note_id,
        welcome.reference_id,
    ]
    assert [e.reference_id for e in oldest_first.entries] == list(
        reversed([e.reference_id for e in newest_first.entries])
    )
    assert [e.kind for e in notes_only.entries] == ["note", "note"]
    first_note = newest_first.entries[2]
    assert (first_note.activity_code, first_note.result_code, first_note.by) == (
        "call_out",
        "left_message",
        "csr-alice",
    )
    assert newest_first.entries[1].subject == "Your return label"


@pytest.mark.capability("CUS-12")
async def test_ticklers_are_listed_open_and_due_by_agent_closed_and_kept_in_history(
    system: System, csr: OmsClient
) -> None:
    customer_id, _ = await register(csr)
    agent, other_agent = f"agent-{tag()}", f"agent-{tag()}"
    t0 = now()

    async def tickler(due_in: timedelta, reason: str) -> TicklerResult:
        command = CreateTicklerV1(customer_id=customer_id, due_at=t0 + due_in, assigned_to=agent, reason=reason)
        return await ok(csr, command, TicklerResult)

    overdue = await tickler(timedelta(hours=-1), "Confirm the refund arrived")
    tomorrow = await tickler(timedelta(days=1), "Call back about the tent")
    next_week = await tickler(timedelta(days=7), "Ask about satisfaction")

    due_now = await ok(csr, ListTicklersV1(assigned_to=agent, due_now=True), TicklerList)
    due_by_tomorrow = await ok(csr, ListTicklersV1(assigned_to=agent, due_by=t0 + timedelta(days=2)), TicklerList)
    all_open = await ok(csr, ListTicklersV1(assigned_to=agent), TicklerList)
    assert [t.tickler_id for t in due_now.ticklers] == [overdue.tickler_id]
    assert due_now.ticklers[0].overdue and due_now.ticklers[0].customer_name.startswith("Jane ")
    assert [t.tickler_id for t in due_by_tomorrow.ticklers] == [overdue.tickler_id, tomorrow.tickler_id]
    assert [t.tickler_id for t in all_open.ticklers] == [overdue.tickler_id, tomorrow.tickler_id, next_week.tickler_id]

    closed = await ok(
        csr,
        CloseTicklerV1(
            customer_id=customer_id, tickler_id=overdue.tickler_id, resolution="Refund confirmed", expected_version=1
        ),
        TicklerResult,
    )
    moved = await ok(
        csr,
        ReassignTicklerV1(customer_id=customer_id, tickler_id=next_week.tickler_id, assigned_to=other_agent),
        TicklerResult,
    )
    close_again = await csr.send(CloseTicklerV1(customer_id=customer_id, tickler_id=overdue.tickler_id, resolution="x"))
    stale = await csr.send(
        CloseTicklerV1(customer_id=customer_id, tickler_id=tomorrow.tickler_id, resolution="x", expected_version=9)
    )

    assert (closed.status, closed.version, moved.version) == ("closed", 2, 2)
    assert close_again.code == errors.INVALID_STATE and stale.code == errors.STALE_VERSION
    mine = await ok(csr, ListTicklersV1(assigned_to=agent), TicklerList)
    theirs = await ok(csr, ListTicklersV1(assigned_to=other_agent), TicklerList)
    mine_closed = await ok(csr, ListTicklersV1(assigned_to=agent, status="closed"), TicklerList)
    assert [t.tickler_id for t in mine.ticklers] == [tomorrow.tickler_id]
    assert [t.tickler_id for t in theirs.ticklers] == [next_week.tickler_id]
    assert [(t.tickler_id, t.closed_by, t.resolution) for t in mine_closed.ticklers] == [
        (overdue.tickler_id, "csr-alice", "Refund confirmed")
    ]

    history = await ok(csr, GetTicklerHistoryV1(customer_id=customer_id), TicklerHistory)
    actions = {h.tickler.tickler_id: [a.action for a in h.actions] for h in history.ticklers}
    assert actions == {
        overdue.tickler_id: ["created", "closed"],
        tomorrow.tickler_id: ["created"],
        next_week.tickler_id: ["created", "reassigned"],
    }
    reassigned = next(h for h in history.ticklers if h.tickler.tickler_id == next_week.tickler_id).actions[1]
    assert reassigned.detail == {"assigned_to": f"{agent} -> {other_agent}"} and reassigned.by == "csr-alice"
    await event_for(system, "TicklerClosed", lambda p: p["tickler_id"] == str(overdue.tickler_id))
    created = await event_for(system, "TicklerCreated", lambda p: p["tickler_id"] == str(tomorrow.tickler_id))
    assert created.payload["assigned_to"] == agent and created.payload["reason"] == "Call back about the tent"


@pytest.mark.capability("CUS-12")
async def test_a_tickler_of_another_customer_is_not_found(system: System, csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    other_id, _ = await register(csr)
    created = await ok(
        csr,
        CreateTicklerV1(customer_id=other_id, due_at=now(), assigned_to="csr-alice", reason="Check stock"),
        TicklerResult,
    )

    reply = await csr.send(CloseTicklerV1(customer_id=customer_id, tickler_id=created.tickler_id, resolution="done"))
    unknown = await csr.send(
        CreateTicklerV1(customer_id=uuid.uuid4(), due_at=now(), assigned_to="csr-alice", reason="Check stock")
    )

    assert reply.code == errors.NOT_FOUND and reply.field_errors[0].field == "payload.tickler_id"
    assert unknown.code == errors.NOT_FOUND
    rows = await system.fetch("customers", "SELECT status FROM ticklers WHERE tickler_id = $1", created.tickler_id)
    assert rows[0]["status"] == "open"
