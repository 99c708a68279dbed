"""SQL of the notifications service. Functions take a connection; the caller owns the transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.runtime.db import Connection


@dataclass(frozen=True)
class Recipient:
    customer_id: uuid.UUID
    email: str | None
    first_name: str
    last_name: str
    language: str
    email_format: str | None


async def upsert_recipient(conn: Connection, r: Recipient, now: datetime) -> None:
    await conn.execute(
        """INSERT INTO recipients (customer_id, email, first_name, last_name, language, email_format, updated_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7)
           ON CONFLICT (customer_id) DO UPDATE SET email = EXCLUDED.email, first_name = EXCLUDED.first_name,
               last_name = EXCLUDED.last_name, language = EXCLUDED.language,
               email_format = EXCLUDED.email_format, updated_at = EXCLUDED.updated_at""",
        r.customer_id,
        r.email,
        r.first_name,
        r.last_name,
        r.language,
        r.email_format,
        now,
    )


async def recipient(conn: Connection, customer_id: uuid.UUID) -> Recipient | None:
    row = await conn.fetchrow(
        "SELECT customer_id, email, first_name, last_name, language, email_format"
        " FROM recipients WHERE customer_id = $1",
        customer_id,
    )
    return Recipient(**dict(row)) if row else None


@dataclass(frozen=True)
class NewEmail:
    email_id: uuid.UUID
    dedupe_key: str
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None
    regarding: str | None
    template: str | None
    language: str
    format: str
    to_addr: str | None
    subject: str
    body_text: str | None
    body_html: str | None
    context: dict[str, Any]
    status: str
    message_id: str
    created_at: datetime
    created_by: str
    correlation_id: uuid.UUID


async def insert_email(conn: Connection, e: NewEmail) -> bool:
    """False when an e-mail for the same source message exists already (a redelivery)."""
    status = await conn.execute(
        """INSERT INTO emails (email_id, dedupe_key, customer_id, order_id, regarding, template, language, format,
               to_addr, subject, body_text, body_html, context, status, next_attempt_at, message_id, created_at,
               created_by, correlation_id)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13::jsonb,$14,$15,$16,$15,$17,$18)
           ON CONFLICT (dedupe_key) DO NOTHING""",
        e.email_id,
        e.dedupe_key,
        e.customer_id,
        e.order_id,
        e.regarding,
        e.template,
        e.language,
        e.format,
        e.to_addr,
        e.subject,
        e.body_text,
        e.body_html,
        json.dumps(e.context),
        e.status,
        e.created_at,
        e.message_id,
        e.created_by,
        e.correlation_id,
    )
    return status.endswith(" 1")


async def waiting_for(conn: Connection, customer_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM emails WHERE customer_id = $1 AND status = 'waiting_for_recipient' FOR UPDATE", customer_id
    )


async def release(
    conn: Connection,
    email_id: uuid.UUID,
    *,
    to_addr: str,
    language: str,
    fmt: str,
    subject: str,
    text: str,
    html: str,
    now: datetime,
) -> None:
    await conn.execute(
        """UPDATE emails SET status = 'pending', to_addr = $2, language = $3, format = $4, subject = $5,
               body_text = $6, body_html = $7, next_attempt_at = $8 WHERE email_id = $1""",
        email_id,
        to_addr,
        language,
        fmt,
        subject,
        text,
        html,
        now,
    )


async def claim_due(conn: Connection, limit: int, instance: str) -> list[asyncpg.Record]:
    """Take due e-mails for sending. Committed before the SMTP conversation starts, so a crash
    mid-send leaves them visibly 'sending' rather than silently pending again."""
    return await conn.fetch(
        """UPDATE emails SET status = 'sending', attempts = attempts + 1, claimed_by = $2
           WHERE email_id IN (SELECT email_id FROM emails WHERE status = 'pending' AND next_attempt_at <= now()
                              ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING *""",
        limit,
        instance,
    )


async def mark_sent(conn: Connection, email_id: uuid.UUID, now: datetime) -> None:
    await conn.execute(
        "UPDATE emails SET status = 'sent', sent_at = $2, last_error = NULL WHERE email_id = $1", email_id, now
    )


async def mark_retry(conn: Connection, email_id: uuid.UUID, next_at: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE emails SET status = 'pending', next_attempt_at = $2, last_error = $3 WHERE email_id = $1",
        email_id,
        next_at,
        error[:500],
    )


async def mark_failed(conn: Connection, email_id: uuid.UUID, error: str) -> None:
    await conn.execute(
        "UPDATE emails SET status = 'failed', last_error = $2 WHERE email_id = $1", email_id, error[:500]
    )


async def mark_uncertain(conn: Connection, instance: str) -> int:
    """After a crash: e-mails this instance was sending may or may not have left. They are never
    re-sent automatically (that could send twice); they are marked for a person to decide."""
    status = await conn.execute(
        "UPDATE emails SET status = 'uncertain', last_error = 'process stopped during the SMTP conversation'"
        " WHERE status = 'sending' AND claimed_by = $1",
        instance,
    )
    return int(status.split()[-1])
