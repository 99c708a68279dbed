"""The outbox relay's lease and fencing token (issue: one frozen instance stopped the whole
service) on real PostgreSQL: one instance relays at a time, another takes over once the holder's
lease runs out, and a holder that wakes after losing it hands Kafka nothing new and marks nothing.
The producer is a stand-in that keeps what it is given: what matters here is what each relay sends
and which tenure the database credits."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from services.runtime import outbox
from services.runtime.codec import OutgoingRecord
from services.runtime.lease import LeaseLost, holder
from services.runtime.relay import OutboxRelay
from services.runtime.settings import ServiceSettings
from tests.support.fakes import Sent
from tests.support.system import eventually

LEASE_S = 1.0


def _rows(n: int) -> list[OutgoingRecord]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    return [
        OutgoingRecord("probe.events", f"k{i % 3}", f"v{i}".encode(), {"message_id": m}, m) for i, m in enumerate(ids)
    ]


def _relay(pool: asyncpg.Pool, instance: str, producer: Any) -> OutboxRelay:
    return OutboxRelay(ServiceSettings(instance_id=instance, relay_lease_s=LEASE_S), pool, producer)


class Frozen(Sent):
    """A producer whose owner freezes once the batch is in its hands, until ``thaw`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()
        self.thaw = asyncio.Event()

    async def send_each(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        self.holding.set()
        await self.thaw.wait()
        return await super().send_each(records)


async def _published_by(pool: asyncpg.Pool) -> dict[int | None, int]:
    rows = await pool.fetch("SELECT published_by, count(*) AS n FROM outbox GROUP BY published_by")
    return {r["published_by"]: r["n"] for r in rows}


async def test_one_instance_relays_at_a_time_and_a_graceful_stop_hands_the_lease_over(pool: asyncpg.Pool) -> None:
    await pool.execute("SELECT 1")  # migrated
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _rows(4))
    a, b = _relay(pool, "orders-a", Sent()), _relay(pool, "orders-b", Sent())

    assert await a.publish_once() == 4
    assert await b.publish_once() == 0 and b.lease is None  # a follower publishes nothing
    async with pool.acquire() as conn:
        assert (await holder(conn))[:2] == ("orders-a", 1)

    await a.flush()  # a graceful stop: the lease is released, not left to run out
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _rows(2))
    assert await b.publish_once() == 2  # at once
    assert b.lease is not None and b.lease.token == 2
    assert await _published_by(pool) == {1: 4, 2: 2}


async def test_a_holder_frozen_with_a_batch_in_hand_marks_nothing_when_it_wakes(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _rows(5))
    frozen_producer, live_producer = Frozen(), Sent()
    frozen, live = _relay(pool, "orders-a", frozen_producer), _relay(pool, "orders-b", live_producer)

    in_hand = asyncio.create_task(frozen.publish_once())
    await asyncio.wait_for(frozen_producer.holding.wait(), 5)  # the batch is in its producer's hands
    assert await live.publish_once() == 0  # the lease is still the frozen one's
    await asyncio.sleep(LEASE_S + 0.2)  # it runs out
    assert await live.publish_once() == 5  # taken over: the same rows, the same order

    frozen_producer.thaw.set()
    with pytest.raises(LeaseLost):
        await in_hand  # what it had in hand went out, but it may not mark a thing
    assert frozen.lease is None
    assert await _published_by(pool) == {2: 5}  # every row credited to the new tenure
    # Exactly the batch it held is a copy (same message ids, same order per key), dropped by inboxes.
    assert [r.message_id for r in frozen_producer.records] == [r.message_id for r in live_producer.records]

    async with pool.acquire() as conn:
        await outbox.add_many(conn, _rows(1))
    assert await frozen.publish_once() == 0  # awake, it follows
    assert len(frozen_producer.records) == 5 and await live.publish_once() == 1


async def test_a_holder_frozen_before_handing_its_batch_over_hands_kafka_nothing(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _rows(3))
    frozen_producer, live_producer = Sent(), Sent()
    frozen, live = _relay(pool, "orders-a", frozen_producer), _relay(pool, "orders-b", live_producer)
    read = outbox.next_batch
    froze: list[bool] = []

    async def read_then_freeze(conn: Any, limit: int) -> list[asyncpg.Record]:
        rows = await read(conn, limit)
        if not froze:  # the relay under test freezes once, between reading and sending
            froze.append(True)
            await asyncio.sleep(LEASE_S + 0.2)
            assert await live.publish_once() == 3  # taken over while it was frozen
        return rows

    monkeypatch.setattr(outbox, "next_batch", read_then_freeze)
    with pytest.raises(LeaseLost):
        await frozen.publish_once()
    assert frozen_producer.records == []  # its own clock said the lease had run out
    assert len(live_producer.records) == 3 and await _published_by(pool) == {2: 3}


async def test_an_expired_lease_nobody_took_is_renewed_with_the_same_token(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _rows(1))
    slow = _relay(pool, "orders-a", Sent())
    assert await slow.publish_once() == 1
    await asyncio.sleep(LEASE_S + 0.2)  # a long pause, but no other instance wanted the lease
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _rows(1))
    assert await slow.publish_once() == 1
    assert slow.lease is not None and slow.lease.token == 1


async def test_the_relays_loops_take_over_from_a_vanished_leader_within_the_lease(pool: asyncpg.Pool) -> None:
    """The leader's process vanishes (its loop stops, nothing is released): a follower's loop takes
    the lease once it runs out and publishes what the leader left."""
    a, b = _relay(pool, "orders-a", Sent()), _relay(pool, "orders-b", Sent())
    leader = asyncio.create_task(a.run())
    await eventually(lambda: _true(a.lease is not None), 5)
    follower = asyncio.create_task(b.run())
    leader.cancel()  # vanished: no flush, no release
    await asyncio.gather(leader, return_exceptions=True)
    async with pool.acquire() as conn:
        await outbox.add_many(conn, _rows(3))
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await eventually(lambda: _backlog_empty(pool), LEASE_S + 3)
        assert loop.time() - started < LEASE_S + 2
        assert b.lease is not None and b.lease.token == 2
    finally:
        b.stop()
        await follower


async def _true(value: bool) -> bool:
    return value


async def _backlog_empty(pool: asyncpg.Pool) -> bool:
    async with pool.acquire() as conn:
        return await outbox.backlog(conn) == 0
