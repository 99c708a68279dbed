"""The transactional outbox: messages written in the same transaction as the state change that
caused them, published later by the relay. Nothing is published for a transaction that rolls back,
and nothing committed is lost if the process dies before publishing."""

from __future__ import annotations

import json

import asyncpg

from services.runtime.codec import OutgoingRecord
from services.runtime.db import Connection


async def add(conn: Connection, record: OutgoingRecord) -> None:
    await conn.execute(
        "INSERT INTO outbox (topic, key, headers, value, message_id) VALUES ($1, $2, $3::jsonb, $4, $5)",
        record.topic,
        record.key,
        json.dumps(record.headers),
        record.value,
        record.message_id,
    )


async def add_many(conn: Connection, records: list[OutgoingRecord]) -> None:
    """One statement for the whole batch: a round trip per row would dominate the transaction."""
    if records:
        await conn.execute(
            "INSERT INTO outbox (topic, key, headers, value, message_id)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bytea[], $5::uuid[])",
            [r.topic for r in records],
            [r.key for r in records],
            [json.dumps(r.headers) for r in records],
            [r.value for r in records],
            [r.message_id for r in records],
        )


async def next_batch(conn: Connection, limit: int) -> list[asyncpg.Record]:
    # Ordered by id = commit order within one aggregate, because one aggregate's commands are
    # consumed from one partition, one at a time.
    return await conn.fetch(
        "SELECT id, topic, key, headers, value FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1",
        limit,
    )


async def mark_published(conn: Connection, ids: list[int]) -> None:
    await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", ids)


async def purge_published(conn: Connection, older_than_hours: int) -> str:
    return await conn.execute(
        "DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)", older_than_hours
    )


async def backlog(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
