"""SQL of the e-mails: the history, which is also the delivery queue, and its retention.
Functions take a connection; the caller owns the transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.notifications.application.unit_of_work import NewEmail, Release, Row
from services.notifications.domain import rules
from services.runtime import telemetry
from services.runtime.db import Connection


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


# The outcome of a conversation is recorded only over the claim it belongs to: the row still
# 'sending', claimed by this instance (``claimed_by``) at this attempt (``attempts``, which every
# claim increments: a fencing token). Recording is retried when the connection to PostgreSQL
# breaks, and a COMMIT whose answer was lost may have happened: recorded twice, the e-mail would be
# announced (EmailSentV1, EmailFailedV1) twice; the small faults run caught one EmailSent published
# twice across a PostgreSQL restart. And an instance frozen past OMS_SENDING_LEASE_S wakes to
# record a conversation whose row another instance has since taken over (sent again, or marked
# uncertain): its late word must change nothing, or it would mark another's claim sent (its
# EmailSentV1 for a send still under way) or queue an e-mail already sent once more.


@dataclass(frozen=True)
class Claim:
    """One claim of an e-mail for sending: who took it, at which attempt."""

    email_id: uuid.UUID
    instance: str
    attempt: int

    @classmethod
    def of(cls, row: Row) -> Claim:
        """The claim of a row as :func:`claim_due` returned it."""
        return cls(row["email_id"], row["claimed_by"], row["attempts"])


async def mark_sent_many(conn: Connection, claims: list[Claim], now: datetime) -> set[uuid.UUID]:
    """The ids this changed (those missing were already recorded, by an attempt whose COMMIT
    answer was lost, or were taken over by another instance)."""
    rows = await conn.fetch(
        "UPDATE emails e SET status = 'sent', sent_at = $2, last_error = NULL, sealed = NULL"
        " FROM unnest($1::uuid[], $3::text[], $4::int[]) AS c(email_id, instance, attempt)"
        " WHERE e.email_id = c.email_id AND e.status = 'sending' AND e.claimed_by = c.instance"
        " AND e.attempts = c.attempt RETURNING e.email_id",
        [c.email_id for c in claims],
        now,
        [c.instance for c in claims],
        [c.attempt for c in claims],
    )
    return {r["email_id"] for r in rows}


async def mark_retry(conn: Connection, claim: Claim, next_at: datetime, error: str) -> bool:
    """Queued again after an attempt that did not deliver it. True when this changed the row."""
    done = await conn.execute(
        "UPDATE emails SET status = 'pending', next_attempt_at = $4, last_error = $5"
        " WHERE email_id = $1 AND status = 'sending' AND claimed_by = $2 AND attempts = $3",
        claim.email_id,
        claim.instance,
        claim.attempt,
        next_at,
        error[:500],
    )
    return done != "UPDATE 0"


async def mark_resend(conn: Connection, claim: Claim, next_at: datetime, note: str) -> bool:
    """At least once: an e-mail whose last attempt may have delivered it is queued again, with the
    same Message-ID, so that a lost e-mail is impossible and a copy is one mail systems fold.
    True when this changed the row."""
    done = await conn.execute(
        "UPDATE emails SET status = 'pending', next_attempt_at = $4, last_error = $5, resends = resends + 1,"
        " flags = array_append(array_remove(flags, $6), $6)"
        " WHERE email_id = $1 AND status = 'sending' AND claimed_by = $2 AND attempts = $3",
        claim.email_id,
        claim.instance,
        claim.attempt,
        next_at,
        note[:500],
        rules.RESENT_AFTER_UNCERTAIN,
    )
    return done != "UPDATE 0"


async def mark_settled_unsent(conn: Connection, claim: Claim, status: str, error: str) -> bool:
    """'failed' (refused for good) or 'uncertain' (the server may have it, and the rule is at most
    once, or the attempts ran out): not sent again unless a CSR says so.
    True when this changed the row (False: already recorded, or taken over)."""
    done = await conn.execute(
        "UPDATE emails SET status = $4, last_error = $5, sealed = NULL"
        " WHERE email_id = $1 AND status = 'sending' AND claimed_by = $2 AND attempts = $3",
        claim.email_id,
        claim.instance,
        claim.attempt,
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
        rules.RESENT_AFTER_UNCERTAIN,
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


class PostgresEmails:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, email: NewEmail) -> bool:
        return await insert_email(self._conn, email)

    async def waiting_for(self, customer_id: uuid.UUID) -> list[Row]:
        return list(await waiting_for(self._conn, customer_id))

    async def release(self, email_id: uuid.UUID, release_: Release, now: datetime) -> None:
        await release(self._conn, email_id, release_, now)

    async def get(self, email_id: uuid.UUID, *, for_update: bool = False) -> Row | None:
        return await email(self._conn, email_id, for_update=for_update)

    async def latest_confirmation(self, order_id: uuid.UUID) -> Row | None:
        return await latest_confirmation(self._conn, order_id)

    async def resend_by_csr(
        self, email_id: uuid.UUID, flags: list[str], note: str, by: str, now: datetime
    ) -> Row | None:
        return await resend_by_csr(self._conn, email_id, flags, note, by, now)

    async def purge_bodies(self, cutoff: datetime, now: datetime) -> int:
        return await purge_bodies(self._conn, cutoff, now)
