"""SQL of the notifications service. Functions take a connection; the caller owns the transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import asyncpg

from services.notifications import domain
from services.runtime import telemetry
from services.runtime.db import Connection

# --- what the service knows about customers and orders, from their events ---------------------


_CUSTOMER_LOCK_CLASS = 6_170  # two-key advisory locks: a key space of their own


async def lock_customer(conn: Connection, customer_id: uuid.UUID) -> None:
    """Serialize, per customer, the handlers that read or change what the service knows about them.

    The customers' and the orders' events are consumed concurrently: without this, an order e-mail
    could read "customer unknown" while the customer's event commits, and the customer's handler
    could look for waiting e-mails before the order's was committed, leaving it waiting forever.
    Held until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _CUSTOMER_LOCK_CLASS, str(customer_id))


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
    return (await recipient_and_format(conn, customer_id))[0]


async def recipient_and_format(conn: Connection, customer_id: uuid.UUID) -> tuple[Recipient | None, str | None]:
    """What an e-mail to this customer is decided with, in one round trip: their details (None
    until CustomerRegistered arrives) and the format a CSR set for them, if any."""
    row = await conn.fetchrow(
        "SELECT r.customer_id, r.email, r.first_name, r.last_name, r.language, r.email_format,"
        " (SELECT format FROM format_overrides WHERE customer_id = $1) AS csr_format"
        " FROM (SELECT $1::uuid AS id) AS wanted LEFT JOIN recipients r ON r.customer_id = wanted.id",
        customer_id,
    )
    assert row is not None  # one row, always: the LEFT JOIN keeps the wanted id
    details = {f.name: row[f.name] for f in fields(Recipient)}
    return (Recipient(**details) if row["customer_id"] else None), row["csr_format"]


async def format_override(conn: Connection, customer_id: uuid.UUID) -> str | None:
    value: str | None = await conn.fetchval("SELECT format FROM format_overrides WHERE customer_id = $1", customer_id)
    return value


async def set_format_override(
    conn: Connection, customer_id: uuid.UUID, fmt: str | None, by: str, now: datetime
) -> None:
    if fmt is None:
        await conn.execute("DELETE FROM format_overrides WHERE customer_id = $1", customer_id)
        return
    await conn.execute(
        """INSERT INTO format_overrides (customer_id, format, set_by, set_at) VALUES ($1,$2,$3,$4)
           ON CONFLICT (customer_id) DO UPDATE SET format = EXCLUDED.format, set_by = EXCLUDED.set_by,
               set_at = EXCLUDED.set_at""",
        customer_id,
        fmt,
        by,
        now,
    )


@dataclass(frozen=True)
class KnownOrder:
    order_id: uuid.UUID
    order_number: str | None
    customer_id: uuid.UUID


async def remember_order(
    conn: Connection, order_id: uuid.UUID, order_number: str | None, customer_id: uuid.UUID, now: datetime
) -> None:
    await conn.execute(
        """INSERT INTO known_orders (order_id, order_number, customer_id, updated_at) VALUES ($1,$2,$3,$4)
           ON CONFLICT (order_id) DO UPDATE SET order_number = COALESCE(EXCLUDED.order_number,
               known_orders.order_number), customer_id = EXCLUDED.customer_id, updated_at = EXCLUDED.updated_at""",
        order_id,
        order_number,
        customer_id,
        now,
    )


async def known_order(conn: Connection, order_id: uuid.UUID) -> KnownOrder | None:
    row = await conn.fetchrow(
        "SELECT order_id, order_number, customer_id FROM known_orders WHERE order_id = $1", order_id
    )
    return KnownOrder(**dict(row)) if row else None


async def known_order_by_number(conn: Connection, order_number: str) -> KnownOrder | None:
    row = await conn.fetchrow(
        "SELECT order_id, order_number, customer_id FROM known_orders WHERE order_number = $1", order_number
    )
    return KnownOrder(**dict(row)) if row else None


# --- e-mails ----------------------------------------------------------------------------------


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
    flags: list[str] = field(default_factory=list)
    sealed: dict[str, str] | None = None
    format_explicit: bool = False
    language_explicit: bool = False
    last_error: str | None = None


async def insert_email(conn: Connection, e: NewEmail) -> bool:
    """False when an e-mail for the same source message exists already (a redelivery)."""
    status = await conn.execute(
        """INSERT INTO emails (email_id, dedupe_key, customer_id, order_id, regarding, template, language, format,
               to_addr, subject, body_text, body_html, context, status, next_attempt_at, message_id, created_at,
               created_by, correlation_id, flags, sealed, format_explicit, language_explicit, last_error,
               traceparent)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13::jsonb,$14,$15,$16,$15,$17,$18,$19,$20::jsonb,
                   $21,$22,$23,$24)
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
        e.flags,
        json.dumps(e.sealed) if e.sealed else None,
        e.format_explicit,
        e.language_explicit,
        e.last_error,
        telemetry.current_traceparent(),  # of the message being handled
    )
    return status.endswith(" 1")


async def waiting_for(conn: Connection, customer_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM emails WHERE customer_id = $1 AND status = 'waiting_for_recipient'"
        " ORDER BY created_at FOR UPDATE",
        customer_id,
    )


@dataclass(frozen=True)
class Release:
    """What an e-mail that waited for its customer's details becomes."""

    status: str
    to_addr: str | None
    language: str
    format: str
    subject: str
    body_text: str | None
    body_html: str | None
    context: dict[str, Any]
    last_error: str | None


async def release(conn: Connection, email_id: uuid.UUID, r: Release, now: datetime) -> None:
    await conn.execute(
        """UPDATE emails SET status = $2, to_addr = $3, language = $4, format = $5, subject = $6,
               body_text = $7, body_html = $8, context = $9::jsonb, last_error = $10, next_attempt_at = $11,
               sealed = CASE WHEN $2 = 'pending' THEN sealed END
           WHERE email_id = $1""",
        email_id,
        r.status,
        r.to_addr,
        r.language,
        r.format,
        r.subject,
        r.body_text,
        r.body_html,
        json.dumps(r.context),
        r.last_error,
        now,
    )


async def claim_due(conn: Connection, limit: int, instance: str) -> list[asyncpg.Record]:
    """Take due e-mails for sending. Committed before the SMTP conversation starts, so a crash
    mid-send leaves them visibly 'sending' rather than silently pending again."""
    return await conn.fetch(
        """UPDATE emails SET status = 'sending', attempts = attempts + 1, claimed_by = $2, claimed_at = now()
           WHERE email_id IN (SELECT email_id FROM emails WHERE status = 'pending' AND next_attempt_at <= now()
                              ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING *""",
        limit,
        instance,
    )


# The outcome of a conversation is recorded only over 'sending': recording is retried when the
# connection to PostgreSQL breaks, and a COMMIT whose answer was lost may have happened. Recorded
# twice, the e-mail would be announced (EmailSentV1, EmailFailedV1) twice; the small faults run
# caught one EmailSent published twice across a PostgreSQL restart.


async def mark_sent_many(conn: Connection, email_ids: list[uuid.UUID], now: datetime) -> set[uuid.UUID]:
    """The ids this changed (those missing were already recorded, by an attempt whose COMMIT
    answer was lost)."""
    rows = await conn.fetch(
        "UPDATE emails SET status = 'sent', sent_at = $2, last_error = NULL, sealed = NULL"
        " WHERE email_id = ANY($1::uuid[]) AND status = 'sending' RETURNING email_id",
        email_ids,
        now,
    )
    return {r["email_id"] for r in rows}


async def mark_retry(conn: Connection, email_id: uuid.UUID, next_at: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE emails SET status = 'pending', next_attempt_at = $2, last_error = $3 WHERE email_id = $1",
        email_id,
        next_at,
        error[:500],
    )


async def mark_resend(conn: Connection, email_id: uuid.UUID, next_at: datetime, note: str) -> bool:
    """At least once: an e-mail whose last attempt may have delivered it is queued again, with the
    same Message-ID, so that a lost e-mail is impossible and a copy is one mail systems fold.
    Only over 'sending' (see above). True when this changed the row."""
    done = await conn.execute(
        "UPDATE emails SET status = 'pending', next_attempt_at = $2, last_error = $3, resends = resends + 1,"
        " flags = array_append(array_remove(flags, $4), $4) WHERE email_id = $1 AND status = 'sending'",
        email_id,
        next_at,
        note[:500],
        domain.RESENT_AFTER_UNCERTAIN,
    )
    return done != "UPDATE 0"


async def mark_settled_unsent(conn: Connection, email_id: uuid.UUID, status: str, error: str) -> bool:
    """'failed' (refused for good) or 'uncertain' (the server may have it, and the rule is at most
    once, or the attempts ran out): not sent again unless a CSR says so.
    True when this changed the row (False: already recorded)."""
    done = await conn.execute(
        "UPDATE emails SET status = $2, last_error = $3, sealed = NULL WHERE email_id = $1 AND status = 'sending'",
        email_id,
        status,
        error[:500],
    )
    return done != "UPDATE 0"


# Rows 'sending' whose sender is gone: this instance's at its start (it crashed mid-send), and any
# instance's whose attempt began longer than the lease ago (an instance that died and has not come
# back, or this one when recording failed). The next issue makes the lease instance-aware.
ABANDONED_NOTE = "the service stopped during the SMTP conversation; it may or may not have been delivered"


async def mark_uncertain(conn: Connection, instance: str | None, lease_s: float) -> list[asyncpg.Record]:
    """At most once: e-mails whose sender is gone may or may not have left. They are never re-sent
    automatically (that could send twice); they are marked for a person to decide.
    ``instance`` None: only rows past the lease."""
    return await conn.fetch(
        "UPDATE emails SET status = 'uncertain', sealed = NULL, last_error = $3"
        " WHERE status = 'sending' AND (claimed_by = $1 OR claimed_at < now() - make_interval(secs => $2))"
        " RETURNING *",
        instance,
        lease_s,
        ABANDONED_NOTE,
    )


async def requeue_abandoned(conn: Connection, instance: str | None, lease_s: float) -> list[asyncpg.Record]:
    """At least once: e-mails whose sender is gone are sent again (same Message-ID), at once; the
    attempt is counted as a retry and the history flags it (resent_after_uncertain)."""
    return await conn.fetch(
        "UPDATE emails SET status = 'pending', next_attempt_at = now(), resends = resends + 1, last_error = $3,"
        " flags = array_append(array_remove(flags, $4), $4)"
        " WHERE status = 'sending' AND (claimed_by = $1 OR claimed_at < now() - make_interval(secs => $2))"
        " RETURNING *",
        instance,
        lease_s,
        f"re-sent after an uncertain outcome: {ABANDONED_NOTE}",
        domain.RESENT_AFTER_UNCERTAIN,
    )


async def resend_by_csr(
    conn: Connection, email_id: uuid.UUID, flags: list[str], note: str, by: str, now: datetime
) -> asyncpg.Record | None:
    """A CSR sends an uncertain or failed e-mail again: the same row, the same Message-ID. None when
    the e-mail is no longer in such a state (another resend won the race)."""
    return await conn.fetchrow(
        "UPDATE emails SET status = 'pending', next_attempt_at = $5, resends = resends + 1, flags = $2,"
        " last_error = $3, resent_by = $4, resent_at = $5"
        " WHERE email_id = $1 AND status IN ('uncertain', 'failed') RETURNING *",
        email_id,
        flags,
        note[:500],
        by,
        now,
    )


async def retries_waiting(conn: Connection) -> int:
    """E-mails queued again after an attempt that did not deliver them (or may have), not yet due."""
    count: int = await conn.fetchval("SELECT count(*) FROM emails WHERE status = 'pending' AND attempts > 0")
    return count


# --- history and retention --------------------------------------------------------------------


async def history(
    conn: Connection,
    *,
    customer_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    """E-mails of a customer or of an order, or of every customer in one status (e.g. 'uncertain'),
    newest first. Only the given filters apply."""
    # Only the given filters make the WHERE clause (not "$1 IS NULL OR ..."), so each combination
    # gets a plan that uses its index. Column names come from this function, values are parameters.
    wanted = {"customer_id": customer_id, "order_id": order_id, "status": status}
    given = {column: value for column, value in wanted.items() if value is not None}
    where = " AND ".join(f"{column} = ${n}" for n, column in enumerate(given, start=1)) or "true"
    values = list(given.values())
    total: int = await conn.fetchval(f"SELECT count(*) FROM emails WHERE {where}", *values)  # noqa: S608
    n = len(values)
    page_sql = f"SELECT * FROM emails WHERE {where} ORDER BY created_at DESC, email_id LIMIT ${n + 1} OFFSET ${n + 2}"  # noqa: S608
    return await conn.fetch(page_sql, *values, limit, offset), total


async def email(conn: Connection, email_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
    if for_update:
        return await conn.fetchrow("SELECT * FROM emails WHERE email_id = $1 FOR UPDATE", email_id)
    return await conn.fetchrow("SELECT * FROM emails WHERE email_id = $1", email_id)


CONFIRMATIONS = ("order_confirmation", "order_changed")


async def latest_confirmation(conn: Connection, order_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM emails WHERE order_id = $1 AND template = ANY($2::text[]) ORDER BY created_at DESC LIMIT 1",
        order_id,
        list(CONFIRMATIONS),
    )


async def purge_bodies(conn: Connection, cutoff: datetime, now: datetime) -> int:
    """Delete the content of settled e-mails created before ``cutoff``; metadata stays. E-mails still
    to be sent keep theirs (a body is needed to send)."""
    status = await conn.execute(
        """UPDATE emails SET body_text = NULL, body_html = NULL, context = '{}'::jsonb, sealed = NULL,
               body_deleted_at = $2
           WHERE created_at < $1 AND body_deleted_at IS NULL AND status IN ('sent', 'failed', 'uncertain')""",
        cutoff,
        now,
    )
    return int(status.split()[-1])
