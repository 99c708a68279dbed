"""The transactional outbox: messages written in the same transaction as the state change that
caused them, published later by the relay. Nothing is published for a transaction that rolls back,
and nothing committed is lost if the process dies before publishing.

A row the relay cannot publish is parked (``parked_at``, ``park_reason``) rather than retried for
ever; see services/runtime/parking.py for the rules and docs/security.md for re-queuing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.runtime.codec import OutgoingRecord
from services.runtime.db import Connection
from services.runtime.parking import Parking, Retry


async def add(conn: Connection, record: OutgoingRecord) -> None:
    await conn.execute(
        "INSERT INTO outbox (topic, key, headers, value, message_id) VALUES ($1, $2, $3::jsonb, $4, $5)",
        record.topic,
        record.key,
        json.dumps(record.headers),
        record.value,
        record.message_id,
    )


WAKE_CHANNEL = "oms_outbox"
"""The notification a transaction that wrote outbox rows sends as it commits: it wakes the relay
of whichever instance leads (services/runtime/relay_wakeups.py), not only of the one committing."""


async def add_many(conn: Connection, records: list[OutgoingRecord]) -> None:
    """One statement for the whole batch: a round trip per row would dominate the transaction.
    The same statement notifies ``WAKE_CHANNEL``; PostgreSQL delivers it only if the transaction
    commits, once per transaction however many rows it wrote."""
    if records:
        await conn.execute(
            "WITH written AS (INSERT INTO outbox (topic, key, headers, value, message_id)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bytea[], $5::uuid[]) RETURNING 1)"
            " SELECT pg_notify($6, '') FROM (SELECT 1 FROM written LIMIT 1) AS one",
            [r.topic for r in records],
            [r.key for r in records],
            [json.dumps(r.headers) for r in records],
            [r.value for r in records],
            [r.message_id for r in records],
            WAKE_CHANNEL,
        )


async def next_batch(conn: Connection, limit: int) -> list[asyncpg.Record]:
    # Ordered by id = commit order within one aggregate, because one aggregate's commands are
    # consumed from one partition, one at a time. Rows waiting for a retry come too: they hold
    # the later rows of their key (parking.plan). ``parked_before``: the first parked row of the
    # row's (topic, key), if any (an index probe on the few parked rows). ``age_s``: how long ago
    # the row's transaction wrote it, by the database's clock (the publish-latency metric).
    return await conn.fetch(
        "SELECT id, topic, key, headers, value, attempts, coalesce(retry_at > now(), false) AS waiting,"
        " extract(epoch FROM clock_timestamp() - created_at)::float8 AS age_s, headers->>'kind' AS kind,"
        " octet_length(value) + coalesce(octet_length(key), 0) + octet_length(headers::text) AS size,"
        " CASE WHEN key IS NOT NULL THEN (SELECT min(p.id) FROM outbox p WHERE p.parked_at IS NOT NULL"
        "   AND p.published_at IS NULL AND p.topic = o.topic AND p.key = o.key) END AS parked_before"
        " FROM outbox o WHERE published_at IS NULL AND parked_at IS NULL ORDER BY id LIMIT $1",
        limit,
    )


# One statement, so no transaction is left open should the relay freeze half way: the lease row is
# locked (FOR SHARE) and its token matched first, and every change applies only if it matched. A
# takeover committed meanwhile is seen (READ COMMITTED re-reads a locked row's latest version).
_SETTLE = """
WITH lease AS (SELECT 1 FROM relay_lease WHERE name = $1 AND token = $2 FOR SHARE),
published AS (
    UPDATE outbox SET published_at = now(), published_by = $2
    WHERE id = ANY($3::bigint[]) AND EXISTS (SELECT 1 FROM lease) RETURNING 1),
retried AS (
    UPDATE outbox o SET attempts = r.attempts, last_error = r.error, retry_at = now() + make_interval(secs => r.delay)
    FROM unnest($4::bigint[], $5::int[], $6::float8[], $7::text[]) AS r(id, attempts, delay, error)
    WHERE o.id = r.id AND EXISTS (SELECT 1 FROM lease) RETURNING 1),
parked AS (
    UPDATE outbox o SET parked_at = now(), park_reason = p.reason, last_error = p.detail,
        attempts = o.attempts + CASE WHEN p.reason = 'behind_parked' THEN 0 ELSE 1 END
    FROM unnest($8::bigint[], $9::text[], $10::text[]) AS p(id, reason, detail)
    WHERE o.id = p.id AND EXISTS (SELECT 1 FROM lease) RETURNING 1)
SELECT EXISTS (SELECT 1 FROM lease), (SELECT count(*) FROM published), (SELECT count(*) FROM retried),
    (SELECT count(*) FROM parked)
"""


async def settle(
    conn: Connection,
    lease: str,
    token: int,
    published: list[int],
    retries: Sequence[Retry],
    parked: Sequence[Parking],
) -> bool:
    """Record a batch's outcomes, fenced by the relay's lease (services/runtime/lease.py): nothing
    is changed unless ``token`` is still the lease's. False when it was not (taken over)."""
    row = await conn.fetchrow(
        _SETTLE,
        lease,
        token,
        published,
        [r.row_id for r in retries],
        [r.attempts for r in retries],
        [r.delay_s for r in retries],
        [r.error for r in retries],
        [p.row_id for p in parked],
        [p.reason for p in parked],
        [p.detail for p in parked],
    )
    assert row is not None
    return bool(row[0])


async def requeue_parked(conn: Connection, ids: Sequence[int] | None = None) -> int:
    """Give parked rows (all, or those ids) back to the relay once their cause is fixed (a topic
    created, an ACL granted). Rows parked behind another are re-queued with it, in id order."""
    status = await conn.execute(
        "UPDATE outbox SET parked_at = NULL, park_reason = NULL, attempts = 0, retry_at = NULL"
        " WHERE parked_at IS NOT NULL AND published_at IS NULL AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))",
        list(ids) if ids is not None else None,
    )
    return int(status.split()[-1])


async def purge_published(conn: Connection, older_than_hours: int) -> str:
    return await conn.execute(
        "DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)", older_than_hours
    )


async def backlog(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL AND parked_at IS NULL"))


@dataclass(frozen=True)
class OutboxStats:
    backlog: int  # rows waiting to be published (not parked)
    oldest_age_s: float  # age of the oldest of them, 0 when none
    parked: int  # rows parked, waiting for an operator


async def stats(conn: Connection) -> OutboxStats:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL AND parked_at IS NULL) AS backlog,"
        " (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox"
        "   WHERE id = (SELECT min(id) FROM outbox WHERE published_at IS NULL AND parked_at IS NULL)) AS oldest,"
        " (SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL AND published_at IS NULL) AS parked"
    )
    assert row is not None
    return OutboxStats(int(row["backlog"]), float(row["oldest"]), int(row["parked"]))
