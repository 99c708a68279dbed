"""The bare-pipeline ceiling, measured on the same Kafka and PostgreSQL in the same run.

What it does per message: consume it, insert one row (message id and body) in a transaction,
produce one message of the same size, commit the consumer offset. It gets the same batching
freedom the services take (services/runtime/dispatch.py and settings.py): Kafka records are fetched
in batches of up to ``consume_batch_size`` (60); all records of a fetch go into ONE transaction,
partition after partition, as the services handle them, the outgoing messages go out
through an idempotent ``acks=all`` producer with the services' linger (2 ms), and the offsets are
committed after the batch. No decoding, validation, authorization, inbox, outbox or domain work:
the cost of moving a message through Kafka and PostgreSQL and nothing else.

How it is measured: the input topic (as many partitions as orders.commands) is filled first with
``messages`` copies of a real PlaceOrderV2 envelope; then the pipeline drains it, and the ceiling
is messages / (time of the last commit - time of the first fetch). A drain measures the maximum
throughput, as the closed-loop order load does."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

DATABASE = "bench_ceiling"
# The services' batch (services.runtime.settings.ServiceSettings.consume_batch_size): the benchmark
# sees the system from outside, so it reads the same variable rather than importing the service.
BATCH = int(os.environ.get("OMS_CONSUME_BATCH_SIZE", "60"))
LINGER_MS = 2  # services.runtime.kafka.Producer


@dataclass(frozen=True)
class CeilingResult:
    messages: int
    seconds: float
    message_bytes: int
    partitions: int

    @property
    def per_s(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


async def _database(pg_dsn: str) -> str:
    conn = await asyncpg.connect(f"{pg_dsn.rstrip('/')}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await conn.close()
    dsn = f"{pg_dsn.rstrip('/')}/{DATABASE}"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS received (message_id uuid PRIMARY KEY, body bytea NOT NULL,"
            " received_at timestamptz NOT NULL DEFAULT now())"
        )
        await conn.execute("TRUNCATE received")
    finally:
        await conn.close()
    return dsn


async def _topics(options: dict[str, Any], names: list[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


async def _delete_topics(options: dict[str, Any], names: list[str]) -> None:
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        with contextlib.suppress(Exception):  # leftovers of a benchmark topic harm nobody
            await admin.delete_topics(names)
    finally:
        await admin.close()


async def _fill(options: dict[str, Any], topic: str, body: bytes, messages: int) -> None:
    producer = AIOKafkaProducer(**options, linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    try:
        pending = []
        for _ in range(messages):
            key = uuid.uuid4()
            pending.append(await producer.send(topic, value=body, key=str(key).encode()))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def measure_ceiling(
    options: dict[str, Any], pg_dsn: str, body: bytes, messages: int, partitions: int = 6
) -> CeilingResult:
    run = uuid.uuid4().hex[:8]
    source, sink = f"bench.ceiling.{run}.in", f"bench.ceiling.{run}.out"
    dsn = await _database(pg_dsn)
    await _topics(options, [source, sink], partitions)
    try:
        await _fill(options, source, body, messages)
        seconds = await _drain(options, dsn, source, sink, messages, partitions)
    finally:
        await _delete_topics(options, [source, sink])
    return CeilingResult(messages, seconds, len(body), partitions)


async def _drain(options: dict[str, Any], dsn: str, source: str, sink: str, messages: int, partitions: int) -> float:
    pool = await asyncpg.create_pool(dsn, min_size=partitions, max_size=partitions)
    producer = AIOKafkaProducer(
        **options, enable_idempotence=True, acks="all", linger_ms=LINGER_MS, max_batch_size=256 * 1024
    )
    consumer = AIOKafkaConsumer(
        source,
        **options,
        group_id=f"{source}.group",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await producer.start()
    await consumer.start()
    done = 0
    began: float | None = None
    try:
        while done < messages:
            batch = await consumer.getmany(timeout_ms=1000, max_records=BATCH)
            if not batch:
                continue
            began = began or time.monotonic()
            await _fetch(pool, producer, sink, [r for records in batch.values() for r in records])
            await consumer.commit()
            done += sum(len(r) for r in batch.values())
        assert began is not None
        return time.monotonic() - began
    finally:
        await consumer.stop()
        await producer.stop()
        await pool.close()


async def _fetch(pool: asyncpg.Pool, producer: AIOKafkaProducer, sink: str, records: list) -> None:  # type: ignore[type-arg]
    rows = [(uuid.uuid4(), r.value) for r in records]
    async with pool.acquire() as conn, conn.transaction():
        await conn.executemany("INSERT INTO received (message_id, body) VALUES ($1, $2)", rows)
    futures = [await producer.send(sink, value=r.value, key=r.key) for r in records]
    await asyncio.gather(*futures)
