"""One benchmark run, in phases: start the system, seed, measure the ceiling, probe find latency
on the seeded data, then the order load at its maximum (closed loop) and at half of it (open
loop), CSR sessions throughout both. Writes the report at the end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench import payloads, seed
from bench.ceiling import CeilingResult, measure_ceiling
from bench.config import Config
from bench.load import Load, Results
from bench.monitor import (
    LagMonitor,
    MailTail,
    ProcessMonitor,
    ProcessUsage,
    counter_difference,
    database_counters,
    difference,
    every,
    machine,
    service_counters,
)
from bench.stats import Recorder
from bench.system import PREFIX, BenchSystem
from contracts.customers import FindCustomersV1
from contracts.envelope import Envelope, Role
from contracts.orders import FindOrdersV1, GetOrderV1, PlaceOrderV2
from csr.client import OmsClient
from csr.client.dev_realm import login_for

Say = Callable[[str], None]


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


@dataclass
class Phase:
    name: str
    began: float = 0.0  # wall clock: load started (warm-up)
    start: float = 0.0  # wall clock: measurement window [start, end)
    end: float = 0.0
    target_per_s: float | None = None
    in_flight: int | None = None
    results: Results = field(default_factory=Results)
    emails: list[tuple[str, float]] = field(default_factory=list)  # (recipient, accepted at) of this phase
    usage: dict[str, ProcessUsage] = field(default_factory=dict)
    max_lag: dict[str, int] = field(default_factory=dict)
    lag_series: list[tuple[float, int]] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    profiles: dict[str, Path] = field(default_factory=dict)  # process -> py-spy collapsed stacks
    database: dict[str, dict[str, int]] = field(default_factory=dict)  # deadlocks, commits, rollbacks
    reruns: dict[str, dict[str, float]] = field(default_factory=dict)  # service -> pipeline counter -> count


@dataclass
class RunData:
    config: Config
    machine_before: dict[str, Any]
    machine_after: dict[str, Any] = field(default_factory=dict)
    ceiling: CeilingResult | None = None
    seed_seconds: dict[str, float] = field(default_factory=dict)
    seeded: dict[str, int] = field(default_factory=dict)
    probes: dict[str, Recorder] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    message_bytes: int = 0
    started_at: float = field(default_factory=time.time)


# Channels batch what they send for up to 5 ms, as a Java producer does by default since Kafka
# 4.0 (linger.ms=5): a produce request per order cost the generator a fifth of its CPU, on the
# cores the system runs on. CSR sessions send at once: their latency is what is measured.
CHANNEL_PRODUCER = {"linger_ms": 5}


def _client(system: BenchSystem, agent: str, role: Role, producer: dict[str, Any] | None = None) -> OmsClient:
    """Logged in at the stack's Keycloak: channels as ``web-shop``, the feed as ``fulfilment``
    (client credentials), CSR sessions as realm users named ``agent`` (csr.client.dev_realm)."""
    issuer, keycloak_url = system.stack.oidc_issuer, system.stack.keycloak_url
    if not issuer or not keycloak_url:
        raise RuntimeError("the stack runs no identity provider (OMS_OIDC_ISSUER, OMS_KEYCLOAK_URL)")
    return OmsClient(
        system.stack.kafka_bootstrap,
        login_for(issuer, keycloak_url, agent, role),
        topic_prefix=PREFIX,
        reply_topic=f"replies.{agent}-{uuid.uuid4().hex[:6]}",
        sealing_public_key=system.public_key,
        timeout=60,
        attempts=1,
        producer_options=producer,
        kafka_options=system.stack.kafka_admin_auth(),
    )


async def run(config: Config) -> RunData:
    data = RunData(config, machine())
    say(f"machine: {data.machine_before}")
    system = BenchSystem.prepare(config.out / "logs", config.orders_instances)
    say(f"starting the services (prefix {PREFIX}, databases {BenchSystem.database('<service>')})")
    await asyncio.to_thread(system.start)
    try:
        await _run(system, config, data)
    finally:
        await asyncio.to_thread(system.stop)
    data.machine_after = machine()
    return data


async def _run(system: BenchSystem, config: Config, data: RunData) -> None:
    async with contextlib.AsyncExitStack() as stack:
        feed = await stack.enter_async_context(_client(system, "bench-feed", Role.SYSTEM))
        channels = [
            await stack.enter_async_context(_client(system, f"bench-channel-{i}", Role.CHANNEL, CHANNEL_PRODUCER))
            for i in range(config.channels)
        ]
        csrs = [
            await stack.enter_async_context(_client(system, f"bench-csr-{i}", Role.CSR))
            for i in range(config.csr_sessions)
        ]
        say(f"catalog: {payloads.SKU_COUNT} products")
        await asyncio.gather(*(_accepted(feed.send(p)) for p in payloads.products()))
        sealed = [channels[0].seal(number) for number in payloads.TEST_CARDS]
        template = payloads.order("template@bench.example.com", sealed, random.Random(1), seed.customer_id(1))
        await _accepted(channels[0].send(template))
        data.message_bytes = len(channels[0].envelope(template).model_dump_json().encode())

        await _seed(system, config, data, template)
        names = await seed.sample_last_names(system.stack.database_dsn(system.database("customers")), 2000)
        numbers = await seed.sample_order_numbers(system.stack.database_dsn(system.database("orders")), 2000)
        if not names or not numbers:
            raise RuntimeError("no seeded customers or orders to search for")

        say(f"ceiling: {config.ceiling_messages:,} messages of {data.message_bytes} bytes")
        data.ceiling = await measure_ceiling(
            system.stack.kafka_admin_options(),
            system.stack.pg_dsn,
            _ceiling_body(channels[0].envelope(template)),
            config.ceiling_messages,
        )
        say(f"ceiling: {data.ceiling.per_s:,.0f} messages/s")

        say("find probes, one at a time, no other load")
        data.probes = await _probes(csrs[0], names, numbers, config.probes)

        for round_, count in enumerate(config.scaling, 1):
            say(f"orders instances: {count}")
            await asyncio.to_thread(system.scale_orders, count)
            # Named by the count, and the round when a count comes again (1,2,3,1: did the data's
            # growth matter?). The name tags the phase's e-mail addresses: no spaces.
            name = f"instances-{count}" + (f"-round-{round_}" if config.scaling.count(count) > 1 else "")
            await _phase(system, config, data, name, channels, csrs, sealed, names, numbers, None)
        if config.scaling:
            return
        maximum = await _phase(system, config, data, "max", channels, csrs, sealed, names, numbers, None)
        best = maximum.results.orders.summary(maximum.start, maximum.end).per_s
        if config.half_load and best > 0:
            await _phase(system, config, data, "half", channels, csrs, sealed, names, numbers, best / 2)


async def _accepted(call: Awaitable[Any]) -> Any:
    reply = await call
    if not reply.accepted:
        raise RuntimeError(f"setup command refused: {reply.code}: {reply.message} {reply.field_errors}")
    return reply


def _ceiling_body(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode()


async def _seed(system: BenchSystem, config: Config, data: RunData, template: PlaceOrderV2) -> None:
    customers_dsn = system.stack.database_dsn(system.database("customers"))
    orders_dsn = system.stack.database_dsn(system.database("orders"))
    say(f"seeding (shortcut, straight into the tables): {config.customers:,} customers, {config.orders:,} orders")
    data.seed_seconds["customers"] = await seed.seed_customers(customers_dsn, config.customers, say)
    notifications_dsn = system.stack.database_dsn(system.database("notifications"))
    data.seed_seconds["recipients"] = await seed.seed_recipients(notifications_dsn, config.customers, say)
    data.seed_seconds["orders"] = await seed.seed_orders(
        orders_dsn, config.orders, config.customers, template.order_id, say
    )
    for name, dsn, table in (("customers", customers_dsn, "customers"), ("orders", orders_dsn, "orders")):
        conn = await asyncpg.connect(dsn)
        try:
            data.seeded[name] = int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
        finally:
            await conn.close()
    say(f"in the databases: {data.seeded}")


async def _probes(client: OmsClient, names: list[str], numbers: list[str], count: int) -> dict[str, Recorder]:
    rng = random.Random(3)
    recorders = {k: Recorder() for k in ("find_customer", "find_order", "find_order_by_number", "view_order")}

    async def timed(kind: str, call: Awaitable[Any]) -> None:
        began = time.time()
        reply = await call
        if reply.accepted:
            recorders[kind].add(time.time(), time.time() - began)
        else:
            recorders[kind].failures += 1

    for _ in range(count):
        name = rng.choice(names)[:5]
        await timed("find_customer", client.send(FindCustomersV1(last_name=name)))
        await timed("find_order", client.send(FindOrdersV1(customer_name=name)))
        number = rng.choice(numbers)
        await timed("find_order_by_number", client.send(FindOrdersV1(order_number=number)))
        await timed("view_order", client.send(GetOrderV1(order_number=number)))
    return recorders


async def _phase(
    system: BenchSystem,
    config: Config,
    data: RunData,
    name: str,
    channels: list[OmsClient],
    csrs: list[OmsClient],
    sealed: list[str],
    names: list[str],
    numbers: list[str],
    per_s: float | None,
) -> Phase:
    phase = Phase(name, target_per_s=per_s, in_flight=None if per_s else config.in_flight)
    data.phases.append(phase)
    load = Load(f"{name}{uuid.uuid4().hex[:6]}", sealed, phase.results, customers=config.customers)
    mail = MailTail(system.stack.mail_dir) if system.stack.mail_dir else None
    if mail:
        mail.skip_existing()
    lag = LagMonitor(
        system.stack.kafka_admin_options(),
        {f"{PREFIX}orders": f"{PREFIX}orders.commands", f"{PREFIX}notifications": f"{PREFIX}orders.events"},
    )
    await lag.start()
    processes = ProcessMonitor({**system.pids(), "bench (load generator)": os.getpid()})
    stop_load, stop_watch = asyncio.Event(), asyncio.Event()
    what = f"open loop at {per_s:,.0f}/s" if per_s else f"closed loop, {config.in_flight} in flight"
    say(f"phase {name}: {what}, {config.csr_sessions} CSR sessions; warm-up {config.warmup_s:.0f}s")

    driver = (
        load.open_loop(channels, per_s, stop_load) if per_s else load.closed_loop(channels, config.in_flight, stop_load)
    )
    phase.began = time.time()
    tasks = [asyncio.create_task(driver)]
    tasks += [asyncio.create_task(load.csr_session(c, names, numbers, stop_load, config.think_s)) for c in csrs]
    watchers = [
        asyncio.create_task(every(2.0, lambda: lag.sample(time.time()), stop_watch)),
        asyncio.create_task(every(5.0, lambda: asyncio.to_thread(processes.sample), stop_watch)),  # off the loop
    ]
    if mail:
        watchers.append(asyncio.create_task(every(0.5, mail.poll, stop_watch)))

    await asyncio.sleep(config.warmup_s)
    databases = [system.database(s) for s in system.services]
    counters = await database_counters(system.stack.pg_dsn, databases)
    reruns = await service_counters(system.ports())
    phase.load_before = os.getloadavg()
    phase.start = time.time()
    processes.start()
    profilers = _profile(system, config, phase) if config.profile and name == "max" else []
    await asyncio.sleep(config.duration_s)
    phase.end = time.time()
    phase.usage = processes.stop()
    phase.load_after = os.getloadavg()
    phase.database = difference(counters, await database_counters(system.stack.pg_dsn, databases))
    phase.reruns = counter_difference(reruns, await service_counters(system.ports()))
    say(f"phase {name}: window closed; stopping the load and waiting for replies")
    stop_load.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    for profiler in profilers:
        with contextlib.suppress(subprocess.TimeoutExpired):
            profiler.wait(30)
    if mail:
        await _drain_emails(mail, phase, config.email_drain_s)
        phase.emails = [(r, at) for r, at in mail.received if r in phase.results.email_sent_at]
    stop_watch.set()
    await asyncio.gather(*watchers, return_exceptions=True)
    phase.max_lag = lag.max_lag(phase.start, phase.end)
    phase.lag_series = [(s.at, sum(s.lag.values())) for s in lag.samples]
    await lag.stop()
    done = phase.results.orders.summary(phase.start, phase.end)
    say(f"phase {name}: {done.per_s:,.1f} orders/s, p99 {done.p99_ms} ms, failures {phase.results.orders.failures}")
    return phase


async def _drain_emails(mail: MailTail, phase: Phase, seconds: float) -> None:
    """Wait until every accepted order sent in the window has its e-mail, or ``seconds`` pass
    without a new one arriving."""
    wanted = {e for e, at in phase.results.email_sent_at.items() if phase.start <= at < phase.end}
    last_new = time.monotonic()
    while time.monotonic() - last_new < seconds:
        if mail.poll():
            last_new = time.monotonic()
        got = {r for r, _ in mail.received}
        if wanted <= got:
            return
        await asyncio.sleep(0.5)


def _profile(system: BenchSystem, config: Config, phase: Phase) -> list[subprocess.Popen[bytes]]:
    """py-spy on every Python process of the run for the measured window, the load generator too
    (its CPU competes with the system's on the same cores): collapsed stacks per process, read with
    ``python -m bench.profile``. Needs ptrace rights (root, or kernel.yama.ptrace_scope 0)."""
    spy = shutil.which("py-spy")
    if spy is None:
        say("profile: py-spy not found (it is in the dev group: `uv sync`)")
        return []
    pids = {name: service.proc.pid for name, service in system.services.items() if service.proc is not None}
    pids["bench"] = os.getpid()
    started = []
    for name, pid in pids.items():
        out = config.out / f"profile-{name}.txt"
        phase.profiles[name] = out
        argv = [spy, "record", "--pid", str(pid), "--duration", str(int(config.duration_s)), "--rate", "50"]
        argv.append("--nonblocking")  # samples without pausing the process: less distortion, rarer torn stacks
        argv += ["--format", "raw", "--output", str(out)]
        started.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL))
    return started
