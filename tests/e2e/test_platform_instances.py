"""Two instances of one service (issue: more instances per service): a frozen (SIGSTOP) relay
leader loses its lease and, when it wakes, publishes and marks nothing more; a killed instance's
relay lease and a vanished sender's e-mails are taken over after their timeouts; a graceful stop
(SIGTERM) hands the partitions over within seconds.

What is guaranteed, precisely: no outbox row is lost; every row is marked once, by the tenure that
published it; a woken former leader may only have put on Kafka the batch it held in its producer
when it froze (copies with the same message ids, which every consumer's inbox drops). The test
counts those copies and reports them."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from contracts.envelope import Role
from csr.client import OmsClient
from devstack.endpoints import StackEndpoints
from devstack.service_process import ServiceProcess
from tests.support.notifications import customer_registered, publish, wait_mail
from tests.support.orders import new_cart
from tests.support.system import System, eventually, own_system

LEASE_S = 2.0
SENDING_LEASE_S = 4.0
SESSION_S = 6.0  # tests.support.timing.QUICK_REBALANCE


@pytest.fixture(scope="module")
def two(stack: StackEndpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system of its own with two orders and two notifications instances."""
    settings = {
        "OMS_RELAY_LEASE_S": str(LEASE_S),
        "OMS_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS": "5000",
        "OMS_SENDING_LEASE_S": str(SENDING_LEASE_S),
    }
    for system in own_system(stack, tmp_path_factory, **settings):
        system.add_instance("orders")
        system.add_instance("notifications")
        yield system


@pytest.fixture(scope="module")
async def agent(two: System) -> AsyncIterator[OmsClient]:
    async with two.client("csr-alice", Role.CSR, timeout=60) as client:
        yield client


async def _lease(system: System, service: str) -> tuple[str | None, int, bool]:
    row = (await system.fetch(service, "SELECT holder, token, expires_at > now() AS live FROM relay_lease"))[0]
    return row["holder"], int(row["token"]), bool(row["live"])


def _instance(system: System, service: str, instance_id: str | None) -> ServiceProcess:
    found = [p for p in system.instances(service) if p.env["OMS_INSTANCE_ID"] == instance_id]
    assert found, f"no {service} instance {instance_id!r}"
    return found[0]


async def _leader(system: System, service: str) -> tuple[ServiceProcess, int]:
    async def live() -> tuple[str | None, int, bool] | None:
        found = await _lease(system, service)
        return found if found[2] else None

    holder, token, _ = await eventually(live, 30)
    return _instance(system, service, holder), token


async def _carts(agent: OmsClient, n: int, concurrency: int = 4) -> list[uuid.UUID]:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> uuid.UUID:
        async with gate:
            return await new_cart(agent)

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def _unpublished(system: System) -> int:
    rows = await system.fetch("orders", "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
    return int(rows[0]["n"])


async def _copies_on(system: System, topic: str) -> Counter[str]:
    """How many times each message id is on ``topic`` (read from the beginning to the end)."""
    consumer = AIOKafkaConsumer(
        system.prefix + topic, auto_offset_reset="earliest", **system.stack.kafka_admin_options()
    )
    await consumer.start()
    seen: Counter[str] = Counter()
    try:
        while batch := await consumer.getmany(timeout_ms=3000):
            for records in batch.values():
                for r in records:
                    seen.update(v.decode() for k, v in r.headers or () if k == "message_id")
    finally:
        await consumer.stop()
    return seen


@pytest.mark.capability("PLT-12", "PLT-04")
async def test_a_frozen_relay_leader_loses_its_lease_and_marks_nothing_when_it_wakes(
    two: System, agent: OmsClient
) -> None:
    await new_cart(agent)  # both instances up, the relay flowing
    frozen, token = await _leader(two, "orders")
    load = asyncio.create_task(_carts(agent, 30))
    await asyncio.sleep(0.5)  # mid-burst
    frozen.pause()
    paused_at = time.monotonic()
    try:

        async def taken_over() -> tuple[str | None, int, bool] | None:
            found = await _lease(two, "orders")
            return found if found[1] > token and found[2] else None

        holder, new_token, _ = await eventually(taken_over, LEASE_S + 20)
        takeover_s = time.monotonic() - paused_at
        assert holder != frozen.env["OMS_INSTANCE_ID"]
        carts = await asyncio.wait_for(load, 120)  # answered: the new leader relays the replies
        assert len(set(carts)) == 30
        await eventually(lambda: _true_if(_unpublished(two), 0), 30)
        credited_before = await _credited(two, token)
    finally:
        frozen.resume()
    await asyncio.sleep(LEASE_S * 2)  # the woken one finds its lease gone
    assert await _credited(two, token) == credited_before  # it marked nothing after it woke
    assert (await _lease(two, "orders"))[1] == new_token  # and did not take the lease back
    assert await frozen.still_healthy()
    assert len(await _carts(agent, 5)) == 5  # the service goes on, both instances in it
    copies = await _copies_on(two, "orders.events")
    duplicated = {m: n for m, n in copies.items() if n > 1}
    print(f"takeover after SIGSTOP: {takeover_s:.1f}s; event copies from the woken leader: {len(duplicated)}")
    assert takeover_s < LEASE_S + 15  # the lease, a poll, and a loaded machine's slack
    assert len(duplicated) <= 500  # at most the batch it held (relay_batch_size)


async def _true_if(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


async def _credited(system: System, token: int) -> int:
    rows = await system.fetch("orders", "SELECT count(*) AS n FROM outbox WHERE published_by = $1", token)
    return int(rows[0]["n"])


@pytest.mark.capability("PLT-12")
async def test_a_killed_leaders_lease_is_taken_over_and_nothing_it_committed_is_lost(
    two: System, agent: OmsClient
) -> None:
    await new_cart(agent)
    leader, token = await _leader(two, "orders")
    leader.kill()
    killed_at = time.monotonic()
    try:
        carts = await _carts(agent, 10)  # answered once the survivor relays (and owns the partitions)
        assert len(set(carts)) == 10
        holder, new_token, _ = await _lease(two, "orders")
        assert new_token > token and holder != leader.env["OMS_INSTANCE_ID"]
        print(f"commands answered again {time.monotonic() - killed_at:.1f}s after kill -9 of the leader")
        await eventually(lambda: _true_if(_unpublished(two), 0), 30)
    finally:
        leader.start()
        leader.wait_healthy(180)


@pytest.mark.capability("PLT-12", "NTF-05")
async def test_an_email_a_vanished_instance_was_sending_is_sent_by_a_survivor_after_the_lease(
    two: System, agent: OmsClient
) -> None:
    """The row as an instance that died mid-conversation leaves it: 'sending', claimed by an
    instance id that never comes back. A survivor sends it again (same Message-ID) after the lease."""
    customer = customer_registered()
    await publish(agent, customer)
    welcome = await wait_mail(two.mailbox(), customer.email or "")

    async def recorded_sent() -> list[Any]:  # the sink has the mail a moment before the row says so
        return await two.fetch(
            "notifications", "SELECT 1 FROM emails WHERE customer_id = $1 AND status = 'sent'", customer.customer_id
        )

    await eventually(recorded_sent, 30)
    conn = await two.db("notifications")
    try:
        changed = await conn.execute(
            "UPDATE emails SET status = 'sending', claimed_by = 'notifications-gone', claimed_at = now()"
            " WHERE customer_id = $1 AND status = 'sent'",
            customer.customer_id,
        )
        assert changed == "UPDATE 1"
    finally:
        await conn.close()
    left_at = time.monotonic()

    async def sent_again() -> list[Any]:
        return await two.fetch(
            "notifications",
            "SELECT status, claimed_by, resends FROM emails WHERE customer_id = $1 AND status = 'sent'",
            customer.customer_id,
        )

    rows = await eventually(sent_again, SENDING_LEASE_S + 60)
    assert rows[0]["resends"] == 1 and rows[0]["claimed_by"] != "notifications-gone"
    assert time.monotonic() - left_at >= SENDING_LEASE_S - 1  # not before the lease ran out
    copies = [m for m in two.mailbox().messages() if customer.email in m.rcpt_tos]
    assert [m.message_id for m in copies] == [welcome.message_id] * 2  # the same e-mail, folded by mail systems


@pytest.mark.capability("PLT-12")
async def test_a_graceful_stop_hands_the_partitions_over_within_seconds(two: System, agent: OmsClient) -> None:
    await new_cart(agent)
    stopping = two.extra["orders"][0]
    stopping.terminate()
    stopped_at = time.monotonic()
    try:
        # uvicorn ends a graceful stop by raising the signal it caught again: -SIGTERM, not a crash.
        assert await asyncio.to_thread(stopping.wait_exit, 30) in (0, -signal.SIGTERM)
        exit_s = time.monotonic() - stopped_at
        await _carts(agent, 12, concurrency=12)  # on every partition: the other instance has them all
        answered_s = time.monotonic() - stopped_at
        print(f"graceful stop: exited after {exit_s:.1f}s, next command answered after {answered_s:.1f}s")
        assert exit_s < 15
        assert answered_s < SESSION_S + 10  # sooner than the broker would notice a dead member
    finally:
        stopping.start()
        stopping.wait_healthy(180)
