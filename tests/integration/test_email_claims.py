"""An e-mail's outcome is recorded only over the claim it belongs to (issue 20), against a real
PostgreSQL with the notifications service's tables.

Instance ``a`` claims an e-mail and freezes mid-conversation past the sending lease; instance ``b``
takes the row over (sent again under at-least-once) and claims it itself. When ``a`` wakes, its
word about its own, older claim (sent, retry, uncertain, failed) must change nothing: else it
would mark ``b``'s claim sent while ``b`` is still sending (and announce it), or queue an e-mail
that ``b`` already sent once more.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from devstack import StackEndpoints
from services.notifications.adapters.postgres import emails
from services.runtime.db import create_pool, ensure_database, migrate
from services.runtime.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "services/notifications/migrations"


@pytest.fixture
async def notifications_pool(stack: StackEndpoints) -> AsyncIterator[asyncpg.Pool]:
    settings = ServiceSettings(
        service_name="claims_probe", db_name=f"claims_{uuid.uuid4().hex[:10]}", pg_dsn=stack.pg_dsn
    )
    await ensure_database(settings)
    pool = await create_pool(settings)
    await migrate(pool, MIGRATIONS)
    yield pool
    await pool.close()


async def _pending_email(pool: asyncpg.Pool) -> uuid.UUID:
    email_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO emails (email_id, dedupe_key, language, format, to_addr, subject, body_text, status,"
        " next_attempt_at, message_id, created_at, created_by)"
        " VALUES ($1, $2, 'en', 'text', 'ann@example.com', 'Your order', 'Thanks', 'pending', now(), $3, now(), 'test')",
        email_id,
        str(email_id),
        f"<{email_id}@test>",
    )
    return email_id


async def _claim(pool: asyncpg.Pool, instance: str) -> asyncpg.Record:
    async with pool.acquire() as conn, conn.transaction():
        (row,) = await emails.claim_due(conn, 1, instance)
    return row


async def _status(pool: asyncpg.Pool, email_id: uuid.UUID) -> tuple[str, str, int]:
    row = await pool.fetchrow("SELECT status, claimed_by, attempts FROM emails WHERE email_id = $1", email_id)
    assert row is not None
    return row["status"], row["claimed_by"], row["attempts"]


@pytest.mark.capability("PLT-12", "NTF-05")
async def test_a_woken_instance_cannot_record_anything_over_another_instances_claim(
    notifications_pool: asyncpg.Pool,
) -> None:
    pool = notifications_pool
    email_id = await _pending_email(pool)
    frozen = await _claim(pool, "notifications-a")
    async with pool.acquire() as conn:  # a's lease ran out: b's sweep queues it again, b claims it
        assert [r["email_id"] for r in await emails.requeue_abandoned(conn, None, 0)] == [email_id]
    taken_over = await _claim(pool, "notifications-b")
    assert await _status(pool, email_id) == ("sending", "notifications-b", 2)

    now = datetime.now(UTC)
    async with pool.acquire() as conn:  # a wakes and records its own attempt, every way it could
        old = emails.Claim.of(frozen)
        assert await emails.mark_sent_many(conn, [old], now) == set()
        assert not await emails.mark_retry(conn, old, now, "timed out")
        assert not await emails.mark_resend(conn, old, now, "no answer after DATA")
        assert not await emails.mark_settled_unsent(conn, old, "failed", "550 refused")
    assert await _status(pool, email_id) == ("sending", "notifications-b", 2)  # b's claim, untouched

    async with pool.acquire() as conn:  # b's own word is recorded, once
        assert await emails.mark_sent_many(conn, [emails.Claim.of(taken_over)], now) == {email_id}
        assert await emails.mark_sent_many(conn, [emails.Claim.of(taken_over)], now) == set()
    assert await _status(pool, email_id) == ("sent", "notifications-b", 2)


async def test_the_same_instance_cannot_record_an_older_claim_of_its_own(notifications_pool: asyncpg.Pool) -> None:
    """The claim is the instance AND the attempt: a restarted instance (same id) that took its
    row back and claimed it again is not confused by a record of its previous attempt."""
    pool = notifications_pool
    email_id = await _pending_email(pool)
    first = await _claim(pool, "notifications-a")
    async with pool.acquire() as conn:
        await emails.requeue_abandoned(conn, "notifications-a", 3600)  # taken back at its start
    await _claim(pool, "notifications-a")
    async with pool.acquire() as conn:
        assert not await emails.mark_retry(conn, emails.Claim.of(first), datetime.now(UTC), "old attempt")
    assert await _status(pool, email_id) == ("sending", "notifications-a", 2)
