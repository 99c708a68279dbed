"""The faults, one kind at a time and then several at once, and the time the system takes to
answer again after each."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from contracts.customers import GetActivityCodesV1
from contracts.envelope import Query, Role
from contracts.notifications import ListEmailTemplatesV1
from contracts.orders import ListShippingModesV1
from csr.client.errors import ClientError
from reliability import audit
from reliability.cluster import SERVICES, AgentClient, Cluster
from reliability.instance_faults import Harness, instance_faults
from reliability.recovery import FaultRecord, armed_until_crash, supervised_start

PROBES: dict[str, Query] = {
    "customers": GetActivityCodesV1(),
    "orders": ListShippingModesV1(),
    "notifications": ListEmailTemplatesV1(),
}

# The crash points (reliability/fault_points.py; a service exits with CRASH_EXIT_CODE there,
# anything else is a failure): between the commit of a
# handled message and the publishing of what it caused, between the SMTP server's acceptance
# of an e-mail and the recording of it, and between the payment provider's answer and our commit
# (appended last: the sizes pick points by their index).
CRASH_POINTS = [
    ("orders", "crash_after_commit:PlaceOrder"),
    ("orders", "crash_after_commit:AddCartLine"),
    ("customers", "crash_after_commit:RegisterCustomer"),
    ("notifications", "crash_after_commit:SendEmail"),
    ("notifications", "crash_after_commit:OrderPlaced"),
    ("notifications", "crash_after_smtp:order_confirmation"),
    ("notifications", "crash_after_smtp:welcome"),
    ("orders", "crash_after_provider:authorize"),
    ("orders", "crash_after_provider:refund"),
    ("orders", "crash_after_provider:capture"),
]


@dataclass
class Injector:
    cluster: Cluster
    probe: AgentClient
    pause_s: float  # how long a killed service stays down
    outage_s: float  # how long SMTP stays down or answers 4xx
    faults: list[FaultRecord] = field(default_factory=list)
    unpublishable: set[str] = field(default_factory=set)  # message ids of the outbox rows put there to park
    payment_pending_max: int = 0  # the most orders seen waiting on payment_pending during a provider outage

    @classmethod
    async def create(cls, cluster: Cluster, pause_s: float, outage_s: float) -> Injector:
        probe = cluster.client("probe", Role.SUPERVISOR, timeout=5)
        await probe.start()
        return cls(cluster, probe, pause_s, outage_s)

    async def close(self) -> None:
        await self.probe.stop()

    # --- recovery -------------------------------------------------------------------------------

    async def _recovered(self, record: FaultRecord, services: tuple[str, ...] = SERVICES) -> None:
        record.restored_at = time.monotonic()
        for name in services:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    reply = await self.probe.send(PROBES[name], timeout=5, attempts=1)
                    if reply.accepted:
                        break
                except (ClientError, OSError):
                    pass
                await asyncio.sleep(0.2)
        record.recovered_at = time.monotonic()

    def _start(self, kind: str, detail: str) -> FaultRecord:
        print(f"[{time.strftime('%H:%M:%S')}] fault: {kind} {detail}", file=sys.stderr, flush=True)
        record = FaultRecord(kind, detail, time.monotonic())
        self.faults.append(record)
        return record

    # --- the faults -----------------------------------------------------------------------------

    async def kill9(self, service: str | None = None) -> None:
        name = service or random.choice(SERVICES)
        process = self.cluster.services[name]
        record = self._start("kill9", name)
        await asyncio.to_thread(process.kill)
        await asyncio.sleep(self.pause_s)
        await supervised_start(process)
        await self._recovered(record, (name,))

    async def crash_point(self, service: str, point: str, wait_s: float = 60) -> None:
        """Restart ``service`` armed with a crash point; the load makes it die there; restart it unarmed."""
        process = self.cluster.services[service]
        kind = point.split(":", 1)[0]  # crash_after_commit, crash_after_smtp, crash_after_provider
        record = self._start(kind, f"{service}:{point}")
        await asyncio.to_thread(process.kill)  # quicker than a graceful stop, and one more crash
        if not await armed_until_crash(process, point, wait_s + process.health_timeout):
            record.triggered = False  # the load never reached the point: not a crash, just a restart
            record.note = "the point was not reached in time"
            await asyncio.to_thread(process.stop)
        record.started_at = time.monotonic()
        await asyncio.sleep(self.pause_s)
        await supervised_start(process)
        await self._recovered(record, (service,))

    async def restart_kafka(self) -> None:
        record = self._start("kafka_restart", "broker stopped and started on the same port")
        await asyncio.to_thread(self.cluster.devstack, "restart-kafka")
        await self._recovered(record)

    async def restart_postgres(self) -> None:
        record = self._start("postgres_restart", "server stopped and started on the same port")
        await asyncio.to_thread(self.cluster.devstack, "restart-postgres")
        await self._recovered(record)

    async def smtp_down(self) -> None:
        record = self._start("smtp_down", f"sink stopped for {self.outage_s:.0f}s")
        await asyncio.to_thread(self.cluster.devstack, "stop-smtp")
        try:
            await asyncio.sleep(self.outage_s)
        finally:
            await asyncio.to_thread(self.cluster.devstack, "start-smtp")
        await self._recovered(record, ("notifications",))

    async def stripe_down(self) -> None:
        """The card provider unreachable under load: stripe-mock's process stopped for the outage,
        then started again on its port. Card movements asked meanwhile are kept pending with their
        keys and the orders wait on the payment_pending hold (counted while it lasts); recovered
        once the payment worker got every pending movement answered."""
        log = self.cluster.stripe_log
        assert log is not None, "the stack runs no stripe-mock"
        record = self._start("stripe_down", f"stripe-mock stopped for {self.outage_s:.0f}s")
        asked_before = len(log.requests)
        waiting = 0
        await asyncio.to_thread(self.cluster.devstack, "stop-stripe-mock")
        try:
            deadline = time.monotonic() + self.outage_s
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError, asyncpg.PostgresError):  # another fault may have the database
                    waiting = max(waiting, await audit.orders_waiting_for_payment(self.cluster))
                await asyncio.sleep(0.5)
        finally:
            await asyncio.to_thread(self.cluster.devstack, "start-stripe-mock")
        unreached = log.unreached_since(asked_before)
        self.payment_pending_max = max(self.payment_pending_max, waiting)
        record.note = f"{unreached} requests found it down; at most {waiting} orders on payment_pending"
        record.triggered = unreached > 0
        await self._recovered(record, ("orders",))
        await _payments_answered(self.cluster, record)

    async def smtp_4xx(self) -> None:
        record = self._start("smtp_4xx", f"451 to every DATA for {self.outage_s:.0f}s")
        mailbox = self.cluster.mailbox()
        with mailbox.fault("tempfail", stage="data"):
            await asyncio.sleep(self.outage_s)
        await self._recovered(record, ("notifications",))

    async def unpublishable_rows(self) -> None:
        """Outbox rows no broker takes, put into every service's outbox under load: a reply to a
        topic name Kafka refuses, and one to a valid name the broker will not create (it collides
        with the probe's reply topic). However they got there (the decoder refuses such a
        reply_to), the relay must park them while everything else flows: the recovery measured is
        how soon every service answers after they were committed."""
        record = self._start("unpublishable_rows", "2 rows per service: invalid topic, uncreatable topic")
        topics = ("no such topic!", self.cluster.prefix + "replies_probe")  # vs <prefix>replies.probe
        for name in SERVICES:
            for topic in topics:
                message_id = uuid.uuid4()
                await audit.fetch(
                    self.cluster,
                    name,
                    "INSERT INTO outbox (topic, key, headers, value, message_id)"
                    " VALUES ($1, NULL, $2::jsonb, $3, $4) RETURNING id",
                    topic,
                    json.dumps({"message_id": str(message_id)}),
                    b'{"note": "an unpublishable row injected by the faults harness"}',
                    message_id,
                )
                self.unpublishable.add(str(message_id))
        await self._recovered(record)

    # --- the plan -------------------------------------------------------------------------------

    def single_faults(self, crash_points: list[tuple[str, str]]) -> list[Any]:
        """Every kind once: each service killed once, each given crash point tried once."""
        plan: list[Any] = [lambda s=s: self.kill9(s) for s in SERVICES]
        plan += [lambda s=s, p=p: self.crash_point(s, p) for s, p in crash_points]
        plan += [self.restart_kafka, self.restart_postgres, self.smtp_down, self.smtp_4xx, self.unpublishable_rows]
        if self.cluster.stripe_log is not None:
            plan.append(self.stripe_down)
        if self.cluster.instances > 1:
            plan += instance_faults(Harness(self.cluster, self.pause_s, self._start, self._recovered))
        return plan

    def mixed_round(self, heavy: bool) -> list[Any]:
        """Faults that overlap: a kill while SMTP refuses, a crash point while another service dies..."""
        crashed, point = random.choice(CRASH_POINTS)
        killed = random.choice([s for s in SERVICES if s != crashed])  # one fault per process at a time
        round_: list[Any] = [lambda: self.kill9(killed), lambda: self.crash_point(crashed, point)]
        round_.append(random.choice([self.smtp_4xx, self.smtp_down]))
        if heavy and self.cluster.stripe_log is not None:
            round_.append(self.stripe_down)
        if heavy:
            round_.append(random.choice([self.restart_postgres, self.restart_kafka]))
        return round_

    async def run(self, deadline: float, gap_s: float, heavy_mixed: bool, crash_points: list[tuple[str, str]]) -> None:
        """One kind at a time, a quiet gap between faults, then overlapping faults until the deadline
        (at least one round)."""
        singles = self.single_faults(crash_points)
        random.shuffle(singles)
        for fault in singles:
            await fault()
            await asyncio.sleep(random.uniform(gap_s / 2, gap_s))
        while True:
            await asyncio.gather(*(fault() for fault in self.mixed_round(heavy_mixed)))
            await asyncio.sleep(random.uniform(gap_s / 2, gap_s))
            if time.monotonic() >= deadline:
                break

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.faults:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        return counts


async def _payments_answered(cluster: Cluster, record: FaultRecord, patience_s: float = 300) -> None:
    """The recovery of a provider outage: until no movement waits for the provider any more."""
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, asyncpg.PostgresError):  # another fault may have the database
            if not await audit.pending_movements(cluster):
                break
        await asyncio.sleep(0.2)
    record.recovered_at = time.monotonic()
