"""Faults of one instance among several of a service (``--instances 2``): the relay's leader frozen
(SIGSTOP) mid-burst, one instance killed (kill -9), one stopped gracefully (SIGTERM), while the
other instances go on. Each records how long its service could not answer (the stall, ``recovery_s``
measured from the fault itself): a frozen instance's partitions wait for the session timeout, its
relay lease for OMS_RELAY_LEASE_S; a graceful stop should hand over at once."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from devstack.service_process import ServiceProcess
from reliability import audit
from reliability.cluster import SERVICES, Cluster
from reliability.recovery import FaultRecord, supervised_start

INSTANCE_FAULTS = ("sigstop_leader", "kill9_instance", "sigterm_instance")
FROZEN_S = 15.0  # longer than the session timeout (6 s here) and the relay's lease (5 s)


@dataclass(frozen=True)
class Harness:
    """What an instance fault needs of the harness: the cluster, how long a killed instance stays
    down, how a fault is recorded (``start``) and how its recovery is awaited (``recovered``)."""

    cluster: Cluster
    pause_s: float
    start: Callable[[str, str], FaultRecord]
    recovered: Callable[[FaultRecord, tuple[str, ...]], Awaitable[None]]


async def _leader(harness: Harness, service: str) -> ServiceProcess:
    """The instance holding the service's relay lease (any instance if none holds it now)."""
    rows = await audit.fetch(harness.cluster, service, "SELECT holder FROM relay_lease WHERE expires_at > now()")
    holder = rows[0]["holder"] if rows else None
    instances = harness.cluster.instances_of(service)
    return next((p for p in instances if p.env.get("OMS_INSTANCE_ID") == holder), instances[0])


async def freeze_leader(harness: Harness, service: str) -> None:
    process = await _leader(harness, service)
    record = harness.start("sigstop_leader", f"{process.env['OMS_INSTANCE_ID']} frozen for {FROZEN_S:.0f}s")
    await asyncio.to_thread(process.pause)
    try:
        await harness.recovered(record, (service,))
        record.restored_at = record.started_at  # the stall is measured from the freeze
        await asyncio.sleep(max(FROZEN_S - (time.monotonic() - record.started_at), 0))
    finally:
        await asyncio.to_thread(process.resume)


async def kill_one(harness: Harness, service: str) -> None:
    process = random.choice(harness.cluster.instances_of(service))
    record = harness.start("kill9_instance", f"{process.env['OMS_INSTANCE_ID']} (the others go on)")
    await asyncio.to_thread(process.kill)
    await harness.recovered(record, (service,))
    record.restored_at = record.started_at
    await asyncio.sleep(harness.pause_s)
    await _restart(process)


async def stop_one(harness: Harness, service: str) -> None:
    process = random.choice(harness.cluster.instances_of(service))
    record = harness.start("sigterm_instance", f"{process.env['OMS_INSTANCE_ID']} stopped gracefully")
    await asyncio.to_thread(process.stop)
    await harness.recovered(record, (service,))
    record.restored_at = record.started_at
    await _restart(process)


async def _restart(process: ServiceProcess) -> None:
    await supervised_start(process)


def instance_faults(harness: Harness) -> list[Callable[[], Awaitable[None]]]:
    """Every service's relay leader frozen once, one instance of each killed and one stopped."""
    faults: list[Callable[[], Awaitable[None]]] = []
    for service in SERVICES:
        faults += [partial(fault, harness, service) for fault in (freeze_leader, kill_one, stop_one)]
    return faults
