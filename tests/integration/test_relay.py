"""The outbox relay and the producer against the real Kafka and PostgreSQL of the test stack (PLT-04)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaTimeoutError

from devstack import StackEndpoints
from services.runtime import outbox
from services.runtime.codec import OutgoingRecord
from services.runtime.kafka import Producer
from services.runtime.relay import OutboxRelay
from services.runtime.settings import ServiceSettings


def _records(topic: str, n: int, key: str | None = None) -> list[OutgoingRecord]:
    return [
        OutgoingRecord(
            topic=topic,
            key=key or f"k{i}",
            value=f"v{i}".encode(),
            headers={"message_id": str(uuid.uuid4())},
            message_id=str(uuid.uuid4()),
        )
        for i in range(n)
    ]


async def _new_topic(stack: StackEndpoints) -> str:
    """A probe topic of its own (the broker creates none by itself)."""
    topic = f"relay.probe.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(**stack.kafka_admin_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 3, 1)])
    finally:
        await admin.close()
    return topic


async def _read(stack: StackEndpoints, topic: str, n: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(topic, **stack.kafka_admin_options(), auto_offset_reset="earliest")
    await consumer.start()
    try:
        got: list[bytes] = []
        for _ in range(20):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                got += [r.value for r in records]
            if len(got) >= n:
                break
        return got
    finally:
        await consumer.stop()


async def test_acknowledged_records_come_back_as_none_and_a_batch_does_not_raise(stack: StackEndpoints) -> None:
    producer = Producer(ServiceSettings(**stack.kafka_admin_settings()))
    await producer.start()
    topic = await _new_topic(stack)
    try:
        assert await producer.send_each(_records(topic, 3)) == [None, None, None]
        await producer.send_batch(_records(topic, 2))
    finally:
        await producer.stop()
    assert len(await _read(stack, topic, 5)) == 5


async def test_the_relay_publishes_in_order_and_marks_what_it_published(
    stack: StackEndpoints, pool: asyncpg.Pool
) -> None:
    settings = ServiceSettings(**stack.kafka_admin_settings())
    producer = Producer(settings)
    await producer.start()
    topic = await _new_topic(stack)
    try:
        async with pool.acquire() as conn:
            await outbox.add_many(conn, _records(topic, 4, key="one-aggregate"))  # one partition: ordered
        assert await OutboxRelay(settings, pool, producer).publish_once() == 4
    finally:
        await producer.stop()
    async with pool.acquire() as conn:
        assert await outbox.backlog(conn) == 0
    assert await _read(stack, topic, 4) == [b"v0", b"v1", b"v2", b"v3"]


class HalfBroken:
    """A producer whose third record is never acknowledged."""

    async def send_each(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        return [KafkaTimeoutError() if i == 2 else None for i, _ in enumerate(records)]


async def test_after_a_partial_failure_only_the_unacknowledged_rows_stay_to_publish(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _records("relay.probe", 4))
    relay = OutboxRelay(ServiceSettings(), pool, HalfBroken())  # type: ignore[arg-type]

    with pytest.raises(KafkaTimeoutError):
        await relay.publish_once()

    left = await pool.fetch("SELECT value FROM outbox WHERE published_at IS NULL")
    assert [bytes(r["value"]) for r in left] == [b"v2"]
