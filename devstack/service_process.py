"""An application service (`python -m services.<name>`) as a child process of whoever runs it:
the end-to-end tests, the faults harness and the benchmark start, probe, crash and restart the
services through this one class.

Unlike the stack's own components (devstack/services.py), such a process lives and dies with its
caller: it is not recorded in the stack's state and shares the caller's process group.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.kafka_auth import service_kafka_env
from devstack.paths import project_root
from devstack.ports import HOST, free_port
from devstack.procs import log_tail, start_logged

SERVICES = ("customers", "orders", "notifications")


def service_command(name: str) -> list[str]:
    return [sys.executable, "-m", f"services.{name}"]


def health_url(port: int) -> str:
    return f"http://{HOST}:{port}/health"


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        # Only ever http://127.0.0.1:<port>/health of a process we started (health_url).
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return 200 <= int(response.status) < 300
    except (OSError, urllib.error.URLError, ValueError):
        return False


@dataclass
class ServiceProcess:
    """One service on ``port`` with its own ``env``, appending its output to ``log_path``."""

    name: str
    env: dict[str, str]
    log_path: Path
    port: int
    health_timeout: float = 60.0  # how long wait_healthy waits unless told otherwise
    proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def with_database(
        cls, name: str, env: dict[str, str], database: str, log_path: Path, **options: Any
    ) -> ServiceProcess:
        """``name`` on a free HTTP port against ``database``: one run's copy of the service."""
        port = free_port()
        # Each service talks to Kafka as its own client (the broker's ACLs name it).
        env = {**env, **service_kafka_env(name, env), "OMS_DB_NAME": database, "OMS_HTTP_PORT": str(port)}
        return cls(name, env, log_path, port, **options)

    def start(self, extra_env: dict[str, str] | None = None) -> None:
        """Start (again); ``extra_env`` applies to this run only (a crash point, say)."""
        self.proc = start_logged(
            service_command(self.name), self.log_path, env={**self.env, **(extra_env or {})}, cwd=project_root()
        )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def healthy(self) -> bool:
        return http_ok(health_url(self.port))

    def wait_healthy(self, timeout: float | None = None) -> None:
        """Block until /health answers, failing fast (with the log tail) if the process exits."""
        timeout = self.health_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.log_tail()}")
            if self.healthy():
                return
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s:\n{self.log_tail()}")

    async def still_healthy(self, timeout: float = 30) -> bool:
        """True once /health answers within ``timeout``: one 2 s probe can miss on a loaded machine."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await asyncio.to_thread(self.healthy):
                return True
            await asyncio.sleep(0.5)
        return False

    def wait_exit(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """kill -9: no shutdown hooks, no flushing, no goodbye to Kafka's group coordinator."""
        if self.running():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def pause(self) -> None:
        """SIGSTOP: frozen mid-work, connections open, heartbeats stopped (a stalled VM, a long GC)."""
        if self.running():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: a paused process carries on from where it was frozen."""
        if self.running():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGCONT)

    def terminate(self) -> None:
        """SIGTERM without waiting: the graceful stop begins (see wait_exit)."""
        if self.running():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM for a graceful shutdown; kill -9 if it takes more than 30 s."""
        if self.running():
            assert self.proc is not None
            self.resume()  # a paused process would not act on SIGTERM
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)
