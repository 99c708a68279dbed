"""Two instances of one service (issue: more instances per service): a frozen (SIGSTOP) relay
leader loses its lease and, when it wakes, publishes and marks nothing more; a killed instance's
relay lease and a vanished sender's e-mails are taken over after their timeouts; a graceful stop
(SIGTERM) hands the partitions over within seconds; a notifications instance frozen in the middle
of an SMTP conversation changes nothing over the claim of the instance that sent the e-mail again.

What is guaranteed, precisely: no outbox row is lost; every row is marked once, by the tenure that
published it; a woken former leader may only have put on Kafka the batch it held in its producer
when it froze (copies with the same message ids, which every consumer's inbox drops). The test
counts those copies and reports them. An e-mail is delivered at least once, with one Message-ID on
every copy, and recorded once: the outcome of the latest claim counts, a late word from an earlier
claim changes nothing.

The module's notifications instances send to an SMTP sink of their own (tests/support/
holding_sink.py), which can hold a conversation until the test says how it ends."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from contracts.envelope import Role
from contracts.notifications import EmailFailedV1, EmailSentV1
from csr.client import OmsClient
from devstack.endpoints import StackEndpoints
from devstack.service_process import ServiceProcess
from tests.support.groups import wait_settled
from tests.support.holding_sink import HoldingSmtpSink, Verdict
from tests.support.notifications import customer_registered, email_rows, history, mails_to, publish, wait_mail
from tests.support.orders import new_cart
from tests.support.system import System, eventually, own_system

LEASE_S = 2.0
# Longer than the frozen instance takes to lose its partitions (SESSION_S) and its lease (LEASE_S),
# so the survivor's attempt at the e-mail starts with both moved; and it must outlast that attempt.
SENDING_LEASE_S = 8.0
SESSION_S = 6.0  # tests.support.timing.QUICK_REBALANCE


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HoldingSmtpSink]:
    with HoldingSmtpSink(tmp_path_factory.mktemp("mail")) as holding:
        yield holding


@pytest.fixture(scope="module")
def two(stack: StackEndpoints, tmp_path_factory: pytest.TempPathFactory, sink: HoldingSmtpSink) -> Iterator[System]:
    """A system of its own with two orders and two notifications instances."""
    settings = {
        "OMS_RELAY_LEASE_S": str(LEASE_S),
        "OMS_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS": "5000",
        "OMS_SENDING_LEASE_S": str(SENDING_LEASE_S),
        # A held conversation ends when the test says so (each shorter than the sending lease),
        # never by the sender's own timeout first, however slow the machine.
        "OMS_SMTP_TIMEOUT_S": "60",
    }
    own_stack = dataclasses.replace(stack, smtp_host="127.0.0.1", smtp_port=sink.port, mail_dir=sink.directory)
    for system in own_system(own_stack, tmp_path_factory, **settings):
        extra = [system.add_instance("orders", wait=False), system.add_instance("notifications", wait=False)]
        for instance in extra:
            instance.wait_healthy()
        yield system


@pytest.fixture(autouse=True)
async def settled(two: System) -> None:
    """Every test starts with each instance in its group holding its share of the partitions, and a
    relay leading: a healthy instance may still be joining its group (tests/support/groups.py), and
    a command sent then waits out the rebalances (a CI run's first CreateCart timed out so)."""
    for service in ("orders", "notifications"):
        took = await wait_settled(two, service, [p for p in two.instances(service) if p.running()])
        await _leader(two, service)
        if took > 1:
            print(f"{service}: groups settled after {took:.1f}s")


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


async def _credited(system: System, token: int, service: str = "orders") -> int:
    rows = await system.fetch(service, "SELECT count(*) AS n FROM outbox WHERE published_by = $1", token)
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


@pytest.mark.capability("PLT-12", "NTF-05")
async def test_a_sender_frozen_mid_conversation_changes_nothing_over_the_claim_that_sent_it_again(
    two: System, agent: OmsClient, sink: HoldingSmtpSink
) -> None:
    """The sink takes the e-mail but the frozen sender never hears so (its connection is closed
    while it sleeps); the survivor sends it again after the sending lease. When the frozen one wakes
    it reads the lost answer as an uncertain outcome, which at least once would queue the e-mail
    again: over the survivor's claim it must change nothing, and as the relay's former leader it
    must publish and mark nothing. Guarantee: at least once, one Message-ID on every copy (here two:
    one per conversation in which the server took it), recorded once as sent, never as failed."""
    customer = customer_registered()
    address = customer.email or ""
    sink.hold(address)
    try:
        await publish(agent, customer)
        first = await sink.wait_held(address, 1, 60)
        (row,) = await email_rows(two, "customer_id = $1", customer.customer_id)
        frozen = _instance(two, "notifications", row["claimed_by"])
        (survivor,) = [p for p in two.instances("notifications") if p is not frozen]
        token = await _hand_the_relay_to(two, "notifications", frozen)  # the sender leads the relay too
        frozen.pause()
        paused_at = time.monotonic()
        try:
            await eventually(lambda: asyncio.to_thread(_stopped, frozen), 10)
            first.answer(Verdict.LOSE_ANSWER)
            await wait_settled(two, "notifications", [survivor], SESSION_S + 60)  # its partitions moved
            new_token = await _taken_over(two, "notifications", token)
            second = await sink.wait_held(address, 2, SENDING_LEASE_S + 60)  # the survivor sends it again
            resent_s = time.monotonic() - paused_at
            credited = await _credited(two, token, "notifications")
        finally:
            frozen.resume()
        await eventually(lambda: _late_word_heard(two, frozen, row["email_id"]), 60)
        # Checked while the survivor's conversation is still open: without the claim check, the
        # woken sender's word would have queued the e-mail again under it.
        assert await _claim(two, row["email_id"]) == ("sending", survivor.env["OMS_INSTANCE_ID"], 2)
        second.answer(Verdict.ACCEPT)
        sent = await eventually(lambda: _email_if(two, row["email_id"], "sent"), 60)
    finally:
        sink.stop_holding(address)
    print(f"frozen sender: its e-mail sent again by the survivor {resent_s:.1f}s after SIGSTOP")
    assert (sent["claimed_by"], sent["attempts"], sent["resends"]) == (survivor.env["OMS_INSTANCE_ID"], 2, 1)
    assert "resent_after_uncertain" in sent["flags"] and sent["last_error"] is None
    assert [m.message_id for m in mails_to(sink.mailbox(), address)] == [sent["message_id"]] * 2
    announced = await eventually(lambda: _announcements(two, row["email_id"]), 60)
    assert [kind for kind, _ in announced] == [EmailSentV1.TYPE]  # once, and no EmailFailed
    assert announced[0][1] >= new_token  # published by a tenure that began after the freeze
    assert await _credited(two, token, "notifications") == credited  # the woken leader marked nothing
    page = await history(agent, customer_id=customer.customer_id)
    assert [(e.status, e.attempts, e.resends) for e in page.items] == [("sent", 2, 1)]
    assert await frozen.still_healthy()


async def _hand_the_relay_to(system: System, service: str, instance: ServiceProcess) -> int:
    """Make ``instance`` the relay's leader; its token. The leader is paused until ``instance``
    has taken the lease over, then woken (it finds its lease gone and follows)."""
    leader, token = await _leader(system, service)
    if leader is instance:
        return token
    leader.pause()
    try:
        return await _taken_over(system, service, token)
    finally:
        leader.resume()


async def _taken_over(system: System, service: str, token: int) -> int:
    """The token of the next tenure once another instance holds the lease."""

    async def newer() -> int | None:
        _, found, live = await _lease(system, service)
        return found if live and found > token else None

    return int(await eventually(newer, LEASE_S + 30))


def _stopped(instance: ServiceProcess) -> bool:
    """Whether the kernel has stopped the process (SIGSTOP is delivered asynchronously)."""
    assert instance.proc is not None
    stat = Path(f"/proc/{instance.proc.pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


async def _claim(system: System, email_id: uuid.UUID) -> tuple[str, str, int]:
    (row,) = await email_rows(system, "email_id = $1", email_id)
    return row["status"], row["claimed_by"], row["attempts"]


async def _email_if(system: System, email_id: uuid.UUID, status: str) -> Any:
    rows = await email_rows(system, "email_id = $1 AND status = $2", email_id, status)
    return rows[0] if rows else None


async def _late_word_heard(system: System, woken: ServiceProcess, email_id: uuid.UUID) -> bool:
    """The woken sender has dealt with the end of its conversation: it logs that its outcome was
    not recorded, or (were the claim not checked) the row has changed under the survivor."""
    log = await asyncio.to_thread(woken.log_path.read_text, errors="replace")
    said = any(f"e-mail {email_id}: outcome" in line and "not recorded" in line for line in log.splitlines())
    return said or (await _claim(system, email_id))[0] != "sending"


async def _announcements(system: System, email_id: uuid.UUID) -> list[tuple[str, int]]:
    """The e-mail's EmailSent and EmailFailed events in the outbox, with the tenure that published
    them; empty until every one of them is published."""
    rows = await system.fetch(
        "notifications",
        "SELECT headers ->> 'type' AS type, published_by FROM outbox WHERE headers ->> 'type' = ANY($1::text[])"
        " AND convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'email_id' = $2 ORDER BY id",
        [EmailSentV1.TYPE, EmailFailedV1.TYPE],
        str(email_id),
    )
    found = [(r["type"], r["published_by"]) for r in rows]
    return [] if any(by is None for _, by in found) else found
