"""SQL of what happens around a customer: activity notes, e-mails sent (from the notifications
service's events), and ticklers with their actions."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import asyncpg

from contracts.customers import ActivityNoteRecordedV1
from contracts.notifications import EmailSentV1
from services.customers.domain.ticklers import Action, Tickler
from services.runtime.db import Connection

# --- notes and contact history --------------------------------------------------------------------


async def insert_note(conn: Connection, note: ActivityNoteRecordedV1) -> None:
    await conn.execute(
        """INSERT INTO notes (note_id, customer_id, activity_code, result_code, subject, description, regarding,
               contact_at, recorded_by, recorded_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)""",
        note.note_id,
        note.customer_id,
        note.activity_code,
        note.result_code,
        note.subject,
        note.description,
        note.regarding,
        note.contact_at,
        note.recorded_by,
        note.recorded_at,
    )


async def insert_email(conn: Connection, event: EmailSentV1) -> None:
    await conn.execute(
        """INSERT INTO emails_sent (email_id, customer_id, order_id, template, subject, to_addr, sent_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (email_id) DO NOTHING""",
        event.email_id,
        event.customer_id,
        event.order_id,
        event.template,
        event.subject,
        event.to,
        event.sent_at,
    )


async def contact_history(
    conn: Connection, customer_id: uuid.UUID, kinds: set[str], oldest_first: bool, limit: int, offset: int
) -> list[asyncpg.Record]:
    direction = "ASC" if oldest_first else "DESC"
    return await conn.fetch(
        f"""SELECT * FROM (
                SELECT 'note' AS kind, contact_at AS occurred_at, subject, description, activity_code, result_code,
                       regarding, recorded_by AS by, NULL AS to_addr, note_id AS reference_id
                  FROM notes WHERE customer_id = $1 AND 'note' = ANY($2::text[])
                UNION ALL
                SELECT 'email', sent_at, subject, NULL, NULL, NULL, template, NULL, to_addr, email_id
                  FROM emails_sent WHERE customer_id = $1 AND 'email' = ANY($2::text[])
            ) entries
            ORDER BY occurred_at {direction}, reference_id {direction} LIMIT $3 OFFSET $4""",  # noqa: S608 - direction is one of two literals
        customer_id,
        sorted(kinds),
        limit,
        offset,
    )


# --- ticklers ------------------------------------------------------------------------------------

_TICKLER_FIELDS = (
    "tickler_id",
    "customer_id",
    "status",
    "due_at",
    "assigned_to",
    "reason",
    "note",
    "regarding",
    "created_by",
    "created_at",
    "closed_by",
    "closed_at",
    "resolution",
    "version",
)


def tickler_of(row: asyncpg.Record) -> Tickler:
    return Tickler(**{f: row[f] for f in _TICKLER_FIELDS})


async def insert_tickler(conn: Connection, t: Tickler) -> None:
    await conn.execute(
        """INSERT INTO ticklers (tickler_id, customer_id, status, due_at, assigned_to, reason, note, regarding,
               created_by, created_at, version)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)""",
        t.tickler_id,
        t.customer_id,
        t.status,
        t.due_at,
        t.assigned_to,
        t.reason,
        t.note,
        t.regarding,
        t.created_by,
        t.created_at,
        t.version,
    )


async def load_tickler(conn: Connection, customer_id: uuid.UUID, tickler_id: uuid.UUID) -> Tickler | None:
    row = await conn.fetchrow(
        "SELECT * FROM ticklers WHERE tickler_id = $1 AND customer_id = $2 FOR UPDATE", tickler_id, customer_id
    )
    return tickler_of(row) if row else None


async def save_tickler(conn: Connection, t: Tickler) -> None:
    await conn.execute(
        """UPDATE ticklers SET status = $2, due_at = $3, assigned_to = $4, closed_by = $5, closed_at = $6,
               resolution = $7, version = $8
           WHERE tickler_id = $1""",
        t.tickler_id,
        t.status,
        t.due_at,
        t.assigned_to,
        t.closed_by,
        t.closed_at,
        t.resolution,
        t.version,
    )


async def add_action(conn: Connection, tickler_id: uuid.UUID, action: Action, actor: str, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO tickler_actions (tickler_id, action, detail, actor, at) VALUES ($1, $2, $3::jsonb, $4, $5)",
        tickler_id,
        action.action,
        json.dumps(action.detail),
        actor,
        at,
    )


_TICKLER_SELECT = """SELECT t.*, c.first_name || ' ' || c.last_name AS customer_name
    FROM ticklers t JOIN customers c USING (customer_id)"""


async def list_ticklers(
    conn: Connection,
    *,
    assigned_to: str | None,
    customer_id: uuid.UUID | None,
    status: str,
    due_by: datetime | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""{_TICKLER_SELECT}
            WHERE ($1::text IS NULL OR t.assigned_to = $1)
              AND ($2::uuid IS NULL OR t.customer_id = $2)
              AND ($3 = 'all' OR t.status = $3)
              AND ($4::timestamptz IS NULL OR t.due_at <= $4)
            ORDER BY t.due_at, t.tickler_id LIMIT $5 OFFSET $6""",
        assigned_to,
        customer_id,
        status,
        due_by,
        limit,
        offset,
    )


async def customer_ticklers(conn: Connection, customer_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""{_TICKLER_SELECT} WHERE t.customer_id = $1
            ORDER BY t.created_at DESC, t.tickler_id LIMIT $2 OFFSET $3""",
        customer_id,
        limit,
        offset,
    )


async def tickler_actions(conn: Connection, tickler_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT tickler_id, action, detail, actor, at FROM tickler_actions WHERE tickler_id = ANY($1::uuid[])"
        " ORDER BY action_id",
        tickler_ids,
    )


class PostgresActivity:
    """application.unit_of_work.Activity in this service's database."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_note(self, note: ActivityNoteRecordedV1) -> None:
        await insert_note(self._conn, note)

    async def add_email(self, event: EmailSentV1) -> None:
        await insert_email(self._conn, event)

    async def add_tickler(self, tickler: Tickler) -> None:
        await insert_tickler(self._conn, tickler)

    async def tickler_for_update(self, customer_id: uuid.UUID, tickler_id: uuid.UUID) -> Tickler | None:
        return await load_tickler(self._conn, customer_id, tickler_id)

    async def save_tickler(self, tickler: Tickler) -> None:
        await save_tickler(self._conn, tickler)

    async def add_tickler_action(self, tickler_id: uuid.UUID, action: Action, actor: str, at: datetime) -> None:
        await add_action(self._conn, tickler_id, action, actor, at)
