"""The outbox relay: publishes committed outbox rows to Kafka, in id order, then marks them.

Only one instance of a service relays its outbox at a time, under a lease with a fencing token
(services/runtime/lease.py), so rows of one aggregate leave in the order they were committed,
whatever the number of instances, and an instance that froze and lost the lease cannot mark or park
rows when it wakes. The leader wakes when this process commits (an in-process signal) and otherwise
polls briefly, which also picks up rows written by other instances; the others try to take the
lease at the same pace. Publishing is at-least-once: a crash between Kafka's acknowledgement and the
marking re-publishes those rows, and every consumer deduplicates by message id.

Each row has its own outcome (services/runtime/parking.py): what Kafka acknowledged is marked
published, a row that failed for a reason of its own is retried later or parked, with its reason, in
the table and on ``<service>.outbox.dlq``, and the other rows flow. Only a failure of the
infrastructure (the broker away) stops the relay, which then retries everything with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import asyncpg

from contracts.envelope import DeadLetterV1, Envelope, Kind
from services.runtime import metrics, outbox, parking
from services.runtime.codec import OutgoingRecord, encode, redact
from services.runtime.kafka import Producer
from services.runtime.lease import Lease, LeaseLost, RelayLease
from services.runtime.logs import log
from services.runtime.replies import Letters
from services.runtime.retry import OUTAGE
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)
_PURGE_EVERY_S = 600


class OutboxRelay:
    def __init__(self, settings: ServiceSettings, pool: asyncpg.Pool, producer: Producer) -> None:
        self._settings = settings
        self._pool = pool
        self._producer = producer
        self._policy = settings.relay_retry_policy()  # for rows that fail on their own account
        # For the relay as a whole while the infrastructure is away: back soon after it returns.
        self._outage = OUTAGE
        self._failures = 0  # consecutive failed batches, reset by a batch that went through
        self._letters = Letters(settings.service_name, settings.topic_prefix)
        self._wake = asyncio.Event()
        self._stopping = False
        self._keeper = RelayLease(settings.instance_id, settings.relay_lease_s)
        self._lease: Lease | None = None  # this instance's tenure, while it leads
        self.last_published_at = 0.0

    @property
    def lease(self) -> Lease | None:
        """This instance's tenure as the relay, or None while another instance leads."""
        return self._lease

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    @property
    def dead_letter_topic(self) -> str:
        return self._settings.topic(f"{self._settings.service_name}.outbox.dlq")

    async def run(self) -> None:
        last_purge = time.monotonic()
        while not self._stopping:
            try:
                if not await self._hold():
                    # Not woken by this process's commits: the leader polls for them.
                    await self._pause(self._settings.relay_poll_interval_s)
                    continue
                published = await self.publish_once()
                self._failures = 0
                if time.monotonic() - last_purge > _PURGE_EVERY_S:
                    async with self._pool.acquire() as conn:
                        await outbox.purge_published(conn, self._settings.outbox_retention_hours)
                    last_purge = time.monotonic()
                if published < self._settings.relay_batch_size:
                    await self._sleep(self._settings.relay_poll_interval_s)
            except asyncio.CancelledError:
                raise
            except LeaseLost as lost:
                self._lease = None
                log(logger, logging.WARNING, "outbox relay lease lost; following", reason=str(lost))
            except Exception:
                self._failures += 1
                backoff = self._outage.delay(self._failures)
                logger.exception("outbox relay failed; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)

    async def _hold(self) -> bool:
        """Whether this instance leads now: the lease taken when free, renewed once a third of it
        has passed (raises LeaseLost when another instance took it over meanwhile)."""
        if self._lease is not None and self._lease.remaining() > self._keeper.ttl_s * 2 / 3:
            return True
        async with self._pool.acquire() as conn:
            if self._lease is None:
                self._lease = await self._keeper.acquire(conn)
                if self._lease is not None:
                    log(logger, logging.INFO, "outbox relay lease taken", token=self._lease.token)
            else:
                lease, self._lease = self._lease, None
                self._lease = await self._keeper.renew(conn, lease)
        return self._lease is not None

    async def flush(self) -> None:
        """At a graceful stop, if this instance leads: publish what is committed, then give the lease
        up so another instance takes over at its next try instead of after the lease runs out."""
        if self._lease is None:
            return
        try:
            await self.publish_once()
        finally:
            lease, self._lease = self._lease, None
            if lease is not None:
                async with self._pool.acquire() as conn:
                    await self._keeper.release(conn, lease)

    async def publish_once(self) -> int:
        """Publish one batch if this instance leads; how many rows it settled (published or parked)."""
        if not await self._hold():
            return 0
        async with self._pool.acquire() as conn:
            rows = {r["id"]: r for r in await outbox.next_batch(conn, self._settings.relay_batch_size)}
            if not rows:
                return 0
            read_at = time.monotonic()
            pending = [_pending(r) for r in rows.values()]
            decided = parking.plan(pending, _parked_before(pending, rows.values()))
            lease = self._tenure()  # checked right before the batch is handed to the producer
            outcomes = (
                await self._producer.send_each([_record(rows[p.id]) for p in decided.send]) if decided.send else []
            )
            acked_after_s = time.monotonic() - read_at
            settled = parking.settle(decided.send, outcomes, self._policy)
            parked = decided.park + settled.park
            if not await outbox.settle(conn, self._keeper.name, lease.token, settled.published, settled.retry, parked):
                self._lease = None
                raise LeaseLost(f"taken over while publishing; {len(rows)} rows are left to the new leader")
        metrics.OUTBOX_PUBLISHED.labels(self._settings.service_name).inc(len(settled.published))
        for kind, seconds in publish_latencies(rows, settled.published, acked_after_s):
            metrics.OUTBOX_PUBLISH_LATENCY.labels(self._settings.service_name, kind).observe(seconds)
        if settled.published:
            self.last_published_at = time.time()
        for retry in settled.retry:
            log(
                logger,
                logging.WARNING,
                "outbox row failed; will retry",
                outbox_id=retry.row_id,
                attempts=retry.attempts,
                retry_in_s=retry.delay_s,
                error=retry.error,
            )
        if parked:
            await self._report_parked(parked, rows)
        if settled.infrastructure is not None:
            raise settled.infrastructure  # the rest is published at the next attempt, after the relay's backoff
        return len(settled.published) + len(parked)

    def _tenure(self) -> Lease:
        """The lease, if this instance may still use it by its own clock. Past it (the process was
        frozen, or the database slow), another instance may lead already: hand Kafka nothing."""
        lease = self._lease
        if lease is None or lease.remaining() <= 0:
            self._lease = None
            raise LeaseLost("the lease ran out before the batch was handed to Kafka")
        return lease

    async def _report_parked(self, parked: list[parking.Parking], rows: dict[int, asyncpg.Record]) -> None:
        """Make a parked row seen: an error log, the metric, and a dead letter with its reason and its
        content (outbox rows are replies and events: no tokens, secrets sealed or masked)."""
        letters = []
        for park in parked:
            row = rows[park.row_id]
            message_id = json.loads(row["headers"]).get("message_id", "")
            log(
                logger,
                logging.ERROR,
                "outbox row parked: it cannot be published",
                outbox_id=park.row_id,
                reason=park.reason,
                detail=park.detail,
                topic=row["topic"][:300],
                message_id=message_id,
            )
            metrics.OUTBOX_PARKED.labels(self._settings.service_name, park.reason).inc()
            letters.append(self._dead_letter(park, row))
        try:
            await self._producer.send_batch(letters)
        except Exception:  # the row stays parked in the table, which is what counts
            logger.warning("dead letters of parked outbox rows not published", exc_info=True)

    def _dead_letter(self, park: parking.Parking, row: asyncpg.Record) -> OutgoingRecord:
        letter = DeadLetterV1(
            reason=park.reason,
            message=park.detail,
            topic=row["topic"][:300],
            partition=-1,  # not consumed from a partition: offset is the outbox row's id
            offset=park.row_id,
            key=row["key"],
            original=redact(bytes(row["value"])),
            service=self._settings.service_name,
        )
        return encode(Envelope.wrap(letter, actor=self._letters.actor), self.dead_letter_topic, row["key"])

    async def _sleep(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def _pause(self, timeout: float) -> None:
        """Wait, woken only by stop()."""
        deadline = time.monotonic() + timeout
        while not self._stopping and time.monotonic() < deadline:
            await self._sleep(deadline - time.monotonic())


_KINDS = frozenset(k.value for k in Kind)


class _Read(Protocol):
    """An outbox row as next_batch reads it (an asyncpg record; a dict in tests)."""

    def __getitem__(self, column: str, /) -> Any: ...


def publish_latencies(
    rows: Mapping[int, _Read], published: Iterable[int], acked_after_s: float
) -> list[tuple[str, float]]:
    """(message kind, seconds from the row's transaction to Kafka's acknowledgement) of each row
    published: its age when the batch was read, by the database's clock (which wrote its
    created_at), plus the time Kafka took to acknowledge the batch, by this process's monotonic
    clock. No two clocks are compared, so a service clock off from the database's skews nothing.
    Counted once the publication is recorded: rows a taken-over relay re-publishes count once."""
    return [
        (rows[i]["kind"] if rows[i]["kind"] in _KINDS else "other", max(0.0, rows[i]["age_s"]) + acked_after_s)
        for i in published
    ]


def _pending(row: asyncpg.Record) -> parking.PendingRow:
    return parking.PendingRow(row["id"], row["topic"], row["key"], row["size"], row["attempts"], row["waiting"])


def _parked_before(pending: list[parking.PendingRow], rows: Iterable[asyncpg.Record]) -> dict[parking.Key, int]:
    """The first parked row of each key in the batch that has one (read with the batch)."""
    found: dict[parking.Key, int] = {}
    for row, record in zip(pending, rows, strict=True):
        if row.ordered_key is not None and record["parked_before"] is not None:
            found[row.ordered_key] = record["parked_before"]
    return found


def _record(row: asyncpg.Record) -> OutgoingRecord:
    headers = json.loads(row["headers"])
    return OutgoingRecord(
        topic=row["topic"],
        key=row["key"],
        value=bytes(row["value"]),
        headers=headers,
        message_id=headers.get("message_id", ""),
    )
