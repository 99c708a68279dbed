"""The outbox relay and the producer against the real Kafka and PostgreSQL of the test stack (PLT-04),
and the rows it cannot publish: parked with their reason, the others published once, in order per key."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaTimeoutError, UnknownTopicOrPartitionError
from prometheus_client import REGISTRY

from devstack import StackEndpoints
from services.runtime import outbox
from services.runtime.codec import OutgoingRecord
from services.runtime.kafka import Producer
from services.runtime.relay import OutboxRelay
from services.runtime.service import ServiceHost, outbox_flowing
from services.runtime.settings import ServiceSettings


def _records(
    topic: str, n: int, key: str | None = None, value: str = "v", no_key: bool = False
) -> list[OutgoingRecord]:
    records = []
    for i in range(n):
        message_id = str(uuid.uuid4())
        records.append(
            OutgoingRecord(
                topic=topic,
                key=None if no_key else key or f"k{i}",
                value=f"{value}{i}".encode(),
                headers={"message_id": message_id},
                message_id=message_id,
            )
        )
    return records


async def _read(stack: StackEndpoints, topic: str, n: int, rounds: int = 20) -> list[bytes]:
    consumer = AIOKafkaConsumer(topic, **stack.kafka_admin_options(), auto_offset_reset="earliest")
    await consumer.start()
    try:
        got: list[bytes] = []
        for _ in range(rounds):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                got += [r.value for r in records]
            if len(got) >= n:
                break
        return got
    finally:
        await consumer.stop()


def _probe_settings(stack: StackEndpoints, **kw: Any) -> ServiceSettings:
    """A service of its own per test: its own prefix, hence its own dead-letter topic and metric labels."""
    prefix = f"relay{uuid.uuid4().hex[:8]}."
    return ServiceSettings(**stack.kafka_admin_settings(), service_name="probe", topic_prefix=prefix, **kw)


async def _create(stack: StackEndpoints, *topics: str) -> None:
    # Created explicitly, as the services do: the broker may not create topics on first use.
    admin = AIOKafkaAdminClient(**stack.kafka_admin_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, 3, 1) for t in topics])
    finally:
        await admin.close()


def _parked_count(settings: ServiceSettings, reason: str) -> float:
    labels = {"service": settings.service_name, "reason": reason}
    return REGISTRY.get_sample_value("oms_outbox_parked_total", labels) or 0.0


async def test_acknowledged_records_come_back_as_none_and_a_batch_does_not_raise(stack: StackEndpoints) -> None:
    producer = Producer(ServiceSettings(**stack.kafka_admin_settings()))
    await producer.start()
    topic = f"relay.probe.{uuid.uuid4().hex[:8]}"
    await _create(stack, topic)  # the broker creates no topic by itself
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
    topic = f"relay.probe.{uuid.uuid4().hex[:8]}"
    await _create(stack, topic)  # the broker creates no topic by itself
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


async def _rows(pool: asyncpg.Pool) -> dict[bytes, asyncpg.Record]:
    rows = await pool.fetch("SELECT id, value, published_at, parked_at, park_reason, attempts FROM outbox")
    return {bytes(r["value"]): r for r in rows}


@pytest.mark.capability("PLT-04")
async def test_a_reply_kafka_refuses_is_parked_and_every_other_row_is_published_once(
    stack: StackEndpoints, pool: asyncpg.Pool
) -> None:
    settings = _probe_settings(stack)
    events, replies, dlq = (
        settings.topic("orders.events"),
        settings.topic("replies.csr"),
        settings.topic("probe.outbox.dlq"),
    )
    await _create(stack, events, replies, dlq)
    before = _parked_count(settings, "invalid_topic")
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _records(events, 2, key="order-1", value="before"))
        await outbox.add_many(conn, _records(".", 1, no_key=True, value="bad"))  # a reply_to Kafka refuses
        await outbox.add_many(conn, _records(replies, 2, no_key=True, value="reply"))
        await outbox.add_many(conn, _records(events, 2, key="order-1", value="after"))
    producer = Producer(settings)
    await producer.start()
    try:
        relay = OutboxRelay(settings, pool, producer)
        assert await relay.publish_once() == 7  # 6 published, 1 parked: nothing raised, nothing left
        assert await relay.publish_once() == 0  # and nothing is published a second time
    finally:
        await producer.stop()

    assert await _read(stack, events, 4) == [b"before0", b"before1", b"after0", b"after1"]
    assert sorted(await _read(stack, replies, 2)) == [b"reply0", b"reply1"]
    rows = await _rows(pool)
    assert rows[b"bad0"]["park_reason"] == "invalid_topic" and rows[b"bad0"]["published_at"] is None
    assert all(r["published_at"] is not None for v, r in rows.items() if v != b"bad0")
    assert _parked_count(settings, "invalid_topic") == before + 1
    [letter] = [json.loads(v) for v in await _read(stack, dlq, 1)]
    assert letter["type"] == "DeadLetter"
    assert letter["payload"]["reason"] == "invalid_topic"
    assert letter["payload"]["offset"] == rows[b"bad0"]["id"] and letter["payload"]["topic"] == "."
    async with pool.acquire() as conn:
        stats = await outbox.stats(conn)
    assert (stats.backlog, stats.parked) == (0, 1)
    # Republished 11 times before: each event is on its topic exactly once.
    assert len(await _read(stack, events, 5, rounds=4)) == 4


@pytest.mark.capability("PLT-04")
async def test_a_parked_event_parks_the_later_events_of_its_aggregate_and_no_other(
    stack: StackEndpoints, pool: asyncpg.Pool
) -> None:
    settings = _probe_settings(stack)
    events = settings.topic("orders.events")
    await _create(stack, events, settings.topic("probe.outbox.dlq"))
    too_large = OutgoingRecord(
        topic=events, key="order-1", value=b"x" * 2_000_000, headers={"message_id": "m"}, message_id=str(uuid.uuid4())
    )
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _records(events, 1, key="order-1", value="first"))
        await outbox.add_many(conn, [too_large])
        await outbox.add_many(conn, _records(events, 2, key="order-1", value="held"))
        await outbox.add_many(conn, _records(events, 2, key="order-2", value="other"))
    producer = Producer(settings)
    await producer.start()
    try:
        relay = OutboxRelay(settings, pool, producer)
        await relay.publish_once()
        async with pool.acquire() as conn:  # committed after the park: must not overtake it either
            await outbox.add_many(conn, _records(events, 1, key="order-1", value="later"))
            await outbox.add_many(conn, _records(events, 1, key="order-2", value="later-other"))
        await relay.publish_once()
    finally:
        await producer.stop()

    rows = await _rows(pool)
    reasons = {v: r["park_reason"] for v, r in rows.items() if r["parked_at"] is not None}
    assert reasons == {
        b"x" * 2_000_000: "record_too_large",
        b"held0": "behind_parked",
        b"held1": "behind_parked",
        b"later0": "behind_parked",
    }
    on_topic = await _read(stack, events, 4)
    assert sorted(on_topic) == [b"first0", b"later-other0", b"other0", b"other1"]

    async with pool.acquire() as conn:  # an operator re-queues: the whole key goes again, in order
        await conn.execute("UPDATE outbox SET value = 'fixed' WHERE park_reason = 'record_too_large'")
        assert await outbox.requeue_parked(conn) == 4
    producer = Producer(settings)
    await producer.start()
    try:
        assert await OutboxRelay(settings, pool, producer).publish_once() == 4
    finally:
        await producer.stop()
    order_1 = [v for v in await _read(stack, events, 8) if v in (b"first0", b"fixed", b"held0", b"held1", b"later0")]
    assert order_1 == [b"first0", b"fixed", b"held0", b"held1", b"later0"]


class UnknownTopic:
    """The real producer, except that one topic does not exist (a broker that creates no topics)."""

    def __init__(self, producer: Producer, missing: str) -> None:
        self.producer, self.missing, self.calls = producer, missing, 0

    async def send_each(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        self.calls += 1
        fine = [r for r in records if r.topic != self.missing]
        outcomes = iter(await self.producer.send_each(fine) if fine else [])
        return [UnknownTopicOrPartitionError() if r.topic == self.missing else next(outcomes) for r in records]

    async def send_batch(self, records: list[OutgoingRecord]) -> None:
        await self.producer.send_batch(records)


@pytest.mark.capability("PLT-04")
async def test_an_event_to_a_topic_that_never_appears_is_retried_then_parked_and_holds_only_its_key(
    stack: StackEndpoints, pool: asyncpg.Pool
) -> None:
    settings = _probe_settings(stack, relay_max_attempts=3, relay_retry_base_s=0.05, relay_retry_max_s=0.1)
    events, missing = settings.topic("orders.events"), settings.topic("gone.events")
    await _create(stack, events, settings.topic("probe.outbox.dlq"))
    before = _parked_count(settings, "unknown_topic")
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _records(missing, 1, key="order-1", value="lost"))
        await outbox.add_many(conn, _records(events, 1, key="order-1", value="other-topic"))
        await outbox.add_many(conn, _records(missing, 1, key="order-1", value="behind"))
        await outbox.add_many(conn, _records(missing, 1, key="order-2", value="own-key"))
    producer = Producer(settings)
    await producer.start()
    try:
        relay = OutboxRelay(settings, pool, UnknownTopic(producer, missing))  # type: ignore[arg-type]
        await relay.publish_once()
        rows = await _rows(pool)
        assert rows[b"lost0"]["attempts"] == 1 and rows[b"lost0"]["parked_at"] is None  # retried, not parked yet
        assert rows[b"other-topic0"]["published_at"] is not None
        for _ in range(50):
            await asyncio.sleep(0.05)
            await relay.publish_once()
    finally:
        await producer.stop()

    rows = await _rows(pool)
    assert (rows[b"lost0"]["park_reason"], rows[b"lost0"]["attempts"]) == ("unknown_topic", 3)
    assert rows[b"behind0"]["park_reason"] == "behind_parked"
    assert rows[b"own-key0"]["park_reason"] == "unknown_topic"  # its own attempts, its own park
    assert _parked_count(settings, "unknown_topic") == before + 2


class BrokerAway:
    async def send_each(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        return [KafkaTimeoutError() for _ in records]


async def test_a_broker_away_parks_nothing_and_counts_no_attempt(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _records("relay.probe", 3))
    relay = OutboxRelay(ServiceSettings(relay_max_attempts=1), pool, BrokerAway())  # type: ignore[arg-type]

    for _ in range(3):
        with pytest.raises(KafkaTimeoutError):
            await relay.publish_once()

    rows = await pool.fetch("SELECT attempts, parked_at FROM outbox")
    assert [(r["attempts"], r["parked_at"]) for r in rows] == [(0, None)] * 3


@pytest.mark.capability("PLT-08")
async def test_readiness_fails_while_the_oldest_waiting_row_is_too_old_and_parked_rows_do_not_fail_it(
    stack: StackEndpoints, pool: asyncpg.Pool
) -> None:
    settings = _probe_settings(stack, ready_outbox_max_age_s=60)
    host: ServiceHost[Any] = ServiceHost(None, settings)  # type: ignore[arg-type] # only its health is asked
    follower = type("Relay", (), {"lease": None})()  # another instance relays
    host.runtime = type("Runtime", (), {"pool": pool, "relay": follower})()  # what health reads
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _records(".", 1, no_key=True))
        await conn.execute("UPDATE outbox SET parked_at = now(), park_reason = 'invalid_topic'")
        checks = await host.health()
        assert outbox_flowing(checks, 60) and checks["outbox_parked"] == 1

        await outbox.add_many(conn, _records("relay.probe", 1))
        await conn.execute("UPDATE outbox SET created_at = now() - interval '2 minutes' WHERE parked_at IS NULL")
        checks = await host.health()
        assert not outbox_flowing(checks, 60) and checks["outbox_oldest_age_s"] >= 120
        assert checks["outbox_backlog"] == 1
        assert (REGISTRY.get_sample_value("oms_outbox_oldest_age_seconds", {"service": "probe"}) or 0) >= 120

        await conn.execute("UPDATE outbox SET published_at = now() WHERE parked_at IS NULL")
        checks = await host.health()
        assert outbox_flowing(checks, 60) and checks["outbox_oldest_age_s"] == 0


@pytest.mark.capability("PLT-04")
async def test_a_reply_to_a_topic_the_broker_will_not_have_is_retried_then_parked_while_the_rest_flows(
    stack: StackEndpoints, pool: asyncpg.Pool
) -> None:
    # "x_y" collides with an existing "x.y" (Kafka's metric names mix them up): the broker refuses
    # to create it, whether it creates topics on first use or not. A valid name, so only the
    # broker can tell: the row is retried, then parked as unknown_topic.
    settings = _probe_settings(stack, relay_max_attempts=2, relay_retry_base_s=0.05, relay_retry_max_s=0.1)
    replies, colliding = settings.topic("replies.csr"), settings.topic("replies_csr")
    await _create(stack, replies, settings.topic("probe.outbox.dlq"))
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _records(replies, 1, no_key=True, value="before"))
        await outbox.add_many(conn, _records(colliding, 1, no_key=True, value="nowhere"))
        await outbox.add_many(conn, _records(replies, 1, no_key=True, value="after"))
    producer = Producer(settings, metadata_wait_s=1)
    await producer.start()
    try:
        relay = OutboxRelay(settings, pool, producer)
        assert await relay.publish_once() == 2  # the two replies; the third waits for a retry
        rows = await _rows(pool)
        assert (rows[b"nowhere0"]["attempts"], rows[b"nowhere0"]["parked_at"]) == (1, None)
        await asyncio.sleep(0.2)
        assert await relay.publish_once() == 1  # parked at its second failure
    finally:
        await producer.stop()

    rows = await _rows(pool)
    assert (rows[b"nowhere0"]["park_reason"], rows[b"nowhere0"]["attempts"]) == ("unknown_topic", 2)
    assert sorted(await _read(stack, replies, 2)) == [b"after0", b"before0"]
    assert len(await _read(stack, replies, 3, rounds=4)) == 2  # each once
