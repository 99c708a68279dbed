"""Reading what the system did: the services' databases, the topics and the SMTP sink."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from reliability.cluster import SERVICES, Cluster

EVENT_TOPICS = ("customers.events", "orders.events", "notifications.events")
UNSETTLED_EMAILS = ("pending", "sending", "waiting_for_recipient")


@dataclass(frozen=True)
class TopicEvent:
    message_id: str
    type: str
    causation_id: str | None
    payload: dict[str, Any]


async def fetch(cluster: Cluster, service: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(cluster.dsn(service))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def read_topic(cluster: Cluster, topic: str) -> list[TopicEvent]:
    """Every record of ``topic`` from the beginning to the end it has now."""
    consumer = AIOKafkaConsumer(**cluster.stack.kafka_admin_options(), enable_auto_commit=False)
    await consumer.start()
    try:
        name = cluster.prefix + topic
        partitions = consumer.partitions_for_topic(name)
        for _ in range(50):
            if partitions:
                break
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.1)
            partitions = consumer.partitions_for_topic(name)
        tps = [TopicPartition(name, p) for p in sorted(partitions or [])]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: list[TopicEvent] = []
        pending = {tp for tp in tps if ends[tp] > 0}
        deadline = time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            batches = await consumer.getmany(*pending, timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    found.append(_event(record.value))
                    if record.offset + 1 >= ends[tp]:
                        pending.discard(tp)
        if pending:
            raise RuntimeError(f"could not read {name} to its end: {pending}")
        return found
    finally:
        await consumer.stop()


def _event(value: bytes) -> TopicEvent:
    raw = json.loads(value)
    return TopicEvent(str(raw["message_id"]), raw["type"], raw.get("causation_id"), raw.get("payload") or {})


class LagUnknown(RuntimeError):
    pass


async def consumer_lag(cluster: Cluster) -> dict[str, int]:
    """Records each service's consumer group has not committed yet, over every partition it reads."""
    admin = AIOKafkaAdminClient(**cluster.stack.kafka_admin_options())
    consumer = AIOKafkaConsumer(**cluster.stack.kafka_admin_options(), enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        lags: dict[str, int] = {}
        for service in SERVICES:
            group = cluster.prefix + service
            committed = await admin.list_consumer_group_offsets(group)
            topics = {tp.topic for tp in committed}
            # A consumer that subscribes to nothing knows no topic's partitions until told which
            # topics to load: without this every lag read 0, and a backlog passed for settled.
            await consumer._client.set_topics(sorted(topics))
            tps = set(committed)
            for topic in topics:
                partitions = consumer.partitions_for_topic(topic)
                if not partitions:
                    raise LagUnknown(f"no partitions known for {topic}: its lag cannot be read")
                tps |= {TopicPartition(topic, p) for p in partitions}
            ends = await consumer.end_offsets(list(tps)) if tps else {}
            lag = 0
            for tp in tps:
                meta = committed.get(tp)
                done = meta.offset if meta is not None and meta.offset >= 0 else 0
                lag += max(ends[tp] - done, 0)
            lags[service] = lag if topics else -1  # -1: the group has committed nothing at all
        return lags
    finally:
        await consumer.stop()
        await admin.close()


async def backlog(cluster: Cluster) -> dict[str, int]:
    """Outbox rows not published (nor parked) yet, per service, and e-mails not settled yet."""
    found = {}
    for service in SERVICES:
        # Parked rows (ones no broker takes) are not waiting: checks.py accounts for each of them.
        sql = "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL AND parked_at IS NULL"
        rows = await fetch(cluster, service, sql)
        found[f"outbox.{service}"] = int(rows[0]["n"])
    sql = "SELECT count(*) AS n FROM emails WHERE status = ANY($1::text[])"
    rows = await fetch(cluster, "notifications", sql, list(UNSETTLED_EMAILS))
    found["emails.unsettled"] = int(rows[0]["n"])
    found["payments.pending"] = await pending_movements(cluster)
    return found


async def pending_movements(cluster: Cluster) -> int:
    """Payment movements the provider has not answered yet (the payment worker asks again)."""
    rows = await fetch(cluster, "orders", "SELECT count(*) AS n FROM payment_movements WHERE status = 'pending'")
    return int(rows[0]["n"])


async def orders_waiting_for_payment(cluster: Cluster) -> int:
    """Orders on the payment_pending hold: their provider could not be reached."""
    rows = await fetch(cluster, "orders", "SELECT count(*) AS n FROM orders WHERE 'payment_pending' = ANY(holds)")
    return int(rows[0]["n"])


async def settle(cluster: Cluster, timeout: float) -> tuple[bool, dict[str, Any]]:
    """Wait until nothing is left to publish, send or consume (or the timeout)."""
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            last = {**await backlog(cluster), **{f"lag.{k}": v for k, v in (await consumer_lag(cluster)).items()}}
        except (OSError, asyncpg.PostgresError, KafkaError, LagUnknown) as exc:
            last = {"error": str(exc)}
        if last and "error" not in last and all(v == 0 for v in last.values()):
            return True, last
        await asyncio.sleep(0.5)
    return False, last


def sink_counts(cluster: Cluster) -> Counter[str]:
    """Messages the SMTP sink accepted, by Message-ID."""
    return Counter((m.message_id or "").strip().strip("<>") for m in cluster.mailbox().messages())
