"""The whole system for end-to-end tests: the three services as real processes against the
session's Kafka, PostgreSQL and SMTP sink, isolated by a topic prefix and database names unique to
the run, so a reused local stack never mixes runs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from contracts.envelope import Actor, Envelope, Role
from contracts.sealing import generate_private_key, public_key_of
from csr.client import OmsClient, follow
from devstack.endpoints import StackEndpoints
from devstack.mailbox import Mailbox
from devstack.ports import free_port
from tests.support.secrets import RecordingClient
from tests.support.timing import QUICK_REBALANCE

SERVICES = ("customers", "orders", "notifications")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ServiceProcess:
    name: str
    env: dict[str, str]
    log_path: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self, extra_env: dict[str, str] | None = None) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"],
            cwd=ROOT,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    async def still_healthy(self, timeout: float = 30) -> bool:
        """True once /health answers 200 within ``timeout``: one 2 s probe can miss on a loaded machine."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await asyncio.to_thread(self.healthy):
                return True
            await asyncio.sleep(0.5)
        return False

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.log_tail()}")
            if self.healthy():
                return
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s:\n{self.log_tail()}")

    def wait_exit(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """kill -9: no shutdown hooks, no flushing."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


@dataclass
class System:
    stack: StackEndpoints
    run_id: str
    workdir: Path
    private_key: str
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"t{self.run_id}."

    @property
    def public_key(self) -> str:
        return public_key_of(self.private_key)

    def database(self, service: str) -> str:
        return f"{service}_{self.run_id}"

    def base_env(self) -> dict[str, str]:
        key_file = self.workdir / "sealing.key"
        key_file.write_text(self.private_key)
        return {
            **os.environ,
            **self.stack.as_env(),
            "OMS_TOPIC_PREFIX": self.prefix,
            "OMS_SEALING_KEY_FILE": str(key_file),
            "OMS_LOG_FORMAT": "json",
            "OMS_RELAY_POLL_INTERVAL_S": "0.2",
            "OMS_RETRY_BASE_S": "0.5",
            "OMS_RETRY_MAX_S": "2",
            **QUICK_REBALANCE,
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> None:
        env = self.base_env()
        for name in SERVICES:
            port = free_port()
            service_env = {**env, "OMS_DB_NAME": self.database(name), "OMS_HTTP_PORT": str(port)}
            self.services[name] = ServiceProcess(name, service_env, self.workdir / f"{name}.log", port)
            self.services[name].start()
        try:
            for service in self.services.values():
                service.wait_healthy()
        except BaseException:
            self.stop()  # the fixture never yields, so nothing else would stop the others
            raise

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    def restart(self, name: str, extra_env: dict[str, str] | None = None) -> None:
        service = self.services[name]
        service.stop()
        service.start(extra_env)
        service.wait_healthy()

    def client(self, agent_id: str = "csr-alice", role: Role = Role.CSR, timeout: float = 20) -> OmsClient:
        # Every secret a test seals is remembered for the final scan (tests/e2e/test_zz_secrets_scan.py).
        return RecordingClient(
            self.stack.kafka_bootstrap,
            Actor(agent_id=agent_id, role=role),
            topic_prefix=self.prefix,
            reply_topic=f"replies.{uuid.uuid4().hex[:8]}",
            sealing_public_key=self.public_key,
            timeout=timeout,
        )

    def mailbox(self) -> Mailbox:
        assert self.stack.mail_dir is not None, "e-mail tests need the devstack SMTP sink"
        return Mailbox(self.stack.mail_dir)

    async def db(self, service: str) -> asyncpg.Connection:
        return await asyncpg.connect(self.stack.database_dsn(self.database(service)))

    async def fetch(self, service: str, sql: str, *args: object) -> list[asyncpg.Record]:
        conn = await self.db(service)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()


async def first_event(
    system: System, topic: str, predicate: Callable[[Envelope], bool], timeout: float = 20.0
) -> Envelope:
    """The first message on ``topic`` (read from the beginning) that satisfies ``predicate``."""
    events = follow(system.stack.kafka_bootstrap, [system.prefix + topic], from_beginning=True)
    try:
        async with asyncio.timeout(timeout):
            async for envelope, _ in events:
                if predicate(envelope):
                    return envelope
    except TimeoutError:
        pass
    finally:
        await events.aclose()
    raise AssertionError(f"no matching message on {topic} within {timeout}s")


async def eventually(check, timeout: float = 15.0, interval: float = 0.1):
    """Await ``check()`` until it returns something truthy, or fail with its last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def own_system(stack: StackEndpoints, tmp_path_factory: Any) -> Iterator[System]:
    """Three services with a topic prefix and databases of their own."""
    workdir = Path(tmp_path_factory.mktemp("system"))
    system = System(stack=stack, run_id=uuid.uuid4().hex[:8], workdir=workdir, private_key=generate_private_key())
    system.start()
    try:
        yield system
    finally:
        system.stop()
