"""What the machine and the processes do during the run: CPU and memory per process (psutil),
consumer lag (Kafka group offsets against the end offsets), and the e-mails the SMTP sink accepted
(read from the sink's index, without parsing the messages)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from devstack.smtp_sink import INDEX_FILE


@dataclass
class ProcessUsage:
    name: str
    cpu_s: float = 0.0
    cpu_percent: float = 0.0  # of one core, averaged over the window
    peak_memory_mb: float = 0.0
    processes: int = 0


def _trees(roots: dict[str, int]) -> dict[str, list[psutil.Process]]:
    """Each named pid with its descendants, from ONE pass over /proc (asking each root for its
    children scanned every process each time: a quarter of the load generator's CPU)."""
    children: dict[int, list[psutil.Process]] = {}
    by_pid: dict[int, psutil.Process] = {}
    for p in psutil.process_iter(["ppid"]):
        by_pid[p.pid] = p
        children.setdefault(p.info["ppid"], []).append(p)
    trees: dict[str, list[psutil.Process]] = {}
    for name, pid in roots.items():
        tree, todo = [], [by_pid[pid]] if pid in by_pid else []
        while todo:
            p = todo.pop()
            tree.append(p)
            todo += children.get(p.pid, [])
        trees[name] = tree
    return trees


def _tree_memory_mb(procs: list[psutil.Process]) -> float:
    """Resident memory of a process tree, counting shared pages once: the private part of each
    process plus the largest shared part (PostgreSQL's backends share their buffers, and summed
    RSS would count them once per backend). Read from /proc/<pid>/statm: PSS, the exact figure,
    walks every mapping, and for PostgreSQL's backends and the JVM that took a sixth of the load
    generator's CPU."""
    private, shared = 0, 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            info = p.memory_info()
            private += info.rss - info.shared
            shared = max(shared, info.shared)
    return float(private + shared) / 2**20


class ProcessMonitor:
    """Samples each named process tree (the pid and its children, e.g. PostgreSQL's backends)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.usage = {name: ProcessUsage(name) for name in pids}
        self._start_cpu: dict[str, dict[int, float]] = {}
        self._last_cpu: dict[str, dict[int, float]] = {}
        self._started = self._stopped = 0.0
        self._lock = threading.Lock()  # sample() runs in a worker thread, stop() on the loop

    @staticmethod
    def _cpu(procs: list[psutil.Process]) -> dict[int, float]:
        found: dict[int, float] = {}
        for p in procs:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                found[p.pid] = t.user + t.system + t.children_user + t.children_system
        return found

    def start(self) -> None:
        self._started = time.monotonic()
        self._start_cpu = {name: self._cpu(procs) for name, procs in _trees(self.pids).items()}
        self._last_cpu = dict(self._start_cpu)

    def sample(self) -> None:
        with self._lock:
            self._sample()

    def _sample(self) -> None:
        for name, procs in _trees(self.pids).items():
            memory = _tree_memory_mb(procs)
            usage = self.usage[name]
            usage.peak_memory_mb = max(usage.peak_memory_mb, memory)
            usage.processes = max(usage.processes, len(procs))
            self._last_cpu[name] = {**self._last_cpu.get(name, {}), **self._cpu(procs)}

    def stop(self) -> dict[str, ProcessUsage]:
        self.sample()
        with self._lock:
            return self._totals()

    def _totals(self) -> dict[str, ProcessUsage]:
        self._stopped = time.monotonic()
        seconds = max(self._stopped - self._started, 1e-9)
        for name, usage in self.usage.items():
            # Backends that came and went during the window count with their last sample.
            before, after = self._start_cpu.get(name, {}), self._last_cpu.get(name, {})
            usage.cpu_s = sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())
            usage.cpu_percent = 100 * usage.cpu_s / seconds
        return self.usage


def machine() -> dict[str, object]:
    load = os.getloadavg()
    return {
        "cores": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in load],
        "cpu_model": _cpu_model(),
    }


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


@dataclass
class LagSample:
    at: float
    lag: dict[str, int]  # group/topic -> messages not yet consumed


class LagMonitor:
    """Consumer lag of the services' groups on the topics the load goes through."""

    def __init__(self, options: dict[str, Any], watched: dict[str, str]) -> None:
        self.options = options  # raw-client options (devstack's admin principal)
        self.watched = watched  # group -> topic
        self.samples: list[LagSample] = []
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        self._admin = AIOKafkaAdminClient(**self.options)
        await self._admin.start()
        self._consumer = AIOKafkaConsumer(**self.options, enable_auto_commit=False)
        await self._consumer.start()

    async def stop(self) -> None:
        for client in (self._admin, self._consumer):
            if client is not None:
                with contextlib.suppress(Exception):
                    await (client.close() if isinstance(client, AIOKafkaAdminClient) else client.stop())

    async def sample(self, at: float) -> None:
        assert self._admin is not None and self._consumer is not None
        lag: dict[str, int] = {}
        for group, topic in self.watched.items():
            committed = await self._admin.list_consumer_group_offsets(group)
            partitions = self._consumer.partitions_for_topic(topic) or set()
            if not partitions:
                await self._consumer._client.force_metadata_update()
                partitions = self._consumer.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in partitions]
            ends = await self._consumer.end_offsets(tps) if tps else {}
            total = 0
            for tp in tps:
                meta = committed.get(tp)
                total += ends[tp] - (meta.offset if meta is not None and meta.offset >= 0 else 0)
            lag[f"{group} <- {topic}"] = total
        self.samples.append(LagSample(at, lag))

    def max_lag(self, start: float, end: float) -> dict[str, int]:
        found: dict[str, int] = {}
        for s in self.samples:
            if start <= s.at <= end:
                for key, value in s.lag.items():
                    found[key] = max(found.get(key, 0), value)
        return found


@dataclass
class MailTail:
    """New lines of the sink's index.jsonl: (recipient, wall-clock time the sink accepted it)."""

    directory: Path
    offset: int = 0
    received: list[tuple[str, float]] = field(default_factory=list)

    def skip_existing(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.offset = (self.directory / INDEX_FILE).stat().st_size

    def poll(self) -> list[tuple[str, float]]:
        try:
            with (self.directory / INDEX_FILE).open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        new = []
        for line in complete.decode("utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                at = datetime.fromisoformat(record["received_at"]).timestamp()
                new += [(rcpt.lower(), at) for rcpt in record["rcpt_tos"]]
        self.received += new
        return new


async def every(seconds: float, action: object, stop: asyncio.Event) -> None:
    """Call ``action()`` (sync or async) every ``seconds`` until ``stop`` is set."""
    while not stop.is_set():
        result = action()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            await result
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


async def database_counters(pg_dsn: str, databases: list[str]) -> dict[str, dict[str, int]]:
    """PostgreSQL's own counters per database: deadlocks, commits, rollbacks (subtract two readings)."""
    conn = await asyncpg.connect(f"{pg_dsn.rstrip('/')}/postgres")
    try:
        rows = await conn.fetch(
            "SELECT datname, deadlocks, xact_commit, xact_rollback FROM pg_stat_database WHERE datname = ANY($1)",
            databases,
        )
    finally:
        await conn.close()
    return {
        r["datname"]: {"deadlocks": r["deadlocks"], "commits": r["xact_commit"], "rollbacks": r["xact_rollback"]}
        for r in rows
    }


def difference(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {db: {k: v - before.get(db, {}).get(k, 0) for k, v in counts.items()} for db, counts in after.items()}


SERVICE_COUNTERS = (
    "oms_lock_order_reruns_total",  # a batch cut (and its prefix handled again) by the global lock order
    "oms_savepoint_reruns_total",  # a batch handled again with a savepoint per message after a refusal
    "oms_contention_retries_total",  # a batch retried in place after a deadlock or lock timeout
)


async def service_counters(ports: dict[str, int]) -> dict[str, dict[str, float]]:
    """The pipeline's own counters of each service, summed over its instances (``ports``: instance
    -> HTTP port; "orders-2" counts as orders): how often batches were handled twice."""
    totals: dict[str, dict[str, float]] = {}
    for instance, port in ports.items():
        text = await asyncio.to_thread(_metrics_text, port)
        service = totals.setdefault(instance.split("-")[0], dict.fromkeys(SERVICE_COUNTERS, 0.0))
        for line in text.splitlines():
            name = line.partition("{")[0].partition(" ")[0]
            if name in service:
                service[name] += float(line.rsplit(" ", 1)[-1])
    return totals


def _metrics_text(port: int) -> str:
    # Only ever http://127.0.0.1:<port>/metrics of a service process this benchmark started.
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return str(response.read().decode())
    except OSError:
        return ""  # an instance that does not answer counts nothing (the report says 0)


def counter_difference(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    return {s: {k: v - before.get(s, {}).get(k, 0.0) for k, v in c.items()} for s, c in after.items()}
