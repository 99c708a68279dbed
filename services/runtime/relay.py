"""The outbox relay: publishes committed outbox rows to Kafka, in id order, then marks them.

Only one relay per service database publishes at a time (a PostgreSQL advisory lock), so rows of
one aggregate leave in the order they were committed, whatever the number of instances. The relay
wakes when this process commits (an in-process signal) and otherwise polls briefly, which also picks
up rows written by other instances. Publishing is at-least-once: a crash between Kafka's
acknowledgement and the marking re-publishes those rows, and every consumer deduplicates by message
id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

import asyncpg

from services.runtime import metrics, outbox
from services.runtime.codec import OutgoingRecord
from services.runtime.kafka import Producer
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)
_RELAY_LOCK_BASE = 7_420_100


class OutboxRelay:
    def __init__(self, settings: ServiceSettings, pool: asyncpg.Pool, producer: Producer) -> None:
        self._settings = settings
        self._pool = pool
        self._producer = producer
        self._wake = asyncio.Event()
        self._stopping = False
        self.last_published_at = 0.0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        backoff = 0.2
        while not self._stopping:
            try:
                await self._lead()
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox relay failed; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _lead(self) -> None:
        async with self._pool.acquire() as lock_conn:
            if not await lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK_BASE):
                await self._sleep(self._settings.relay_poll_interval_s * 4)
                return
            try:
                await self._publish_until_stopped()
            finally:
                if not lock_conn.is_closed():
                    await lock_conn.execute("SELECT pg_advisory_unlock($1)", _RELAY_LOCK_BASE)

    async def _publish_until_stopped(self) -> None:
        last_purge = 0.0
        while not self._stopping:
            published = await self.publish_once()
            if time.monotonic() - last_purge > 600:
                async with self._pool.acquire() as conn:
                    await outbox.purge_published(conn, self._settings.outbox_retention_hours)
                last_purge = time.monotonic()
            if published < self._settings.relay_batch_size:
                await self._sleep(self._settings.relay_poll_interval_s)

    async def publish_once(self) -> int:
        async with self._pool.acquire() as conn:
            rows = await outbox.next_batch(conn, self._settings.relay_batch_size)
            if not rows:
                return 0
            records = [
                OutgoingRecord(
                    topic=r["topic"],
                    key=r["key"],
                    value=bytes(r["value"]),
                    headers=json.loads(r["headers"]),
                    message_id=json.loads(r["headers"]).get("message_id", ""),
                )
                for r in rows
            ]
            outcomes = await self._producer.send_each(records)
            # What Kafka acknowledged is marked even when the rest failed (a broker restart): a
            # row re-published is harmless to consumers, who drop the copy by message id, but
            # re-publishing a whole batch after every failure flooded the topics with copies.
            acknowledged = [r["id"] for r, outcome in zip(rows, outcomes, strict=True) if outcome is None]
            await outbox.mark_published(conn, acknowledged)
        metrics.OUTBOX_PUBLISHED.labels(self._settings.service_name).inc(len(acknowledged))
        self.last_published_at = time.time()
        failed = next((outcome for outcome in outcomes if outcome is not None), None)
        if failed is not None:
            raise failed  # the rest is published at the next attempt, after the relay's backoff
        return len(rows)

    async def _sleep(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()
