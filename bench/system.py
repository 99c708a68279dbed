"""The system under test: the three services as processes against the private stack, with the
benchmark's own topic prefix and databases (``bench.`` and ``<service>_bench``), so a re-run finds
the seeded data again and never touches the tests' databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devstack import ensure_stack
from devstack.endpoints import StackEndpoints
from devstack.keys import ensure_sealing_keys
from devstack.paths import StackPaths, project_root
from devstack.ports import free_port
from devstack.state import load_state

SERVICES = ("customers", "orders", "notifications")
PREFIX = "bench."


@dataclass
class ServiceProcess:
    name: str
    env: dict[str, str]
    log_path: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"],
            cwd=project_root(),
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def healthy(self) -> bool:
        try:
            # Only http://127.0.0.1:<port>/health of a process this module started.
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log_path}")
            if self.healthy():
                return
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@dataclass
class BenchSystem:
    stack: StackEndpoints
    paths: StackPaths
    logs: Path
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @classmethod
    def prepare(cls, logs: Path) -> BenchSystem:
        logs.mkdir(parents=True, exist_ok=True)
        return cls(stack=ensure_stack(), paths=StackPaths.from_env(), logs=logs)

    @staticmethod
    def database(service: str) -> str:
        return f"{service}_bench"

    @property
    def public_key(self) -> str:
        return Path(ensure_sealing_keys(self.paths)["OMS_SEALING_PUBLIC_KEY_FILE"]).read_text().strip()

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.stack.as_env(),
            **ensure_sealing_keys(self.paths),
            "OMS_TOPIC_PREFIX": PREFIX,
            "OMS_LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> None:
        env = self.env()
        for name in SERVICES:
            port = free_port()
            service_env = {**env, "OMS_DB_NAME": self.database(name), "OMS_HTTP_PORT": str(port)}
            self.services[name] = ServiceProcess(name, service_env, self.logs / f"{name}.log", port)
        # One by one: on two cores, parallel imports and migrations only compete.
        for service in self.services.values():
            service.start()
            service.wait_healthy()

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    def pids(self) -> dict[str, int]:
        """The processes whose CPU and memory the report shows: the services, Kafka, PostgreSQL
        (its postmaster; the monitor adds its backends) and the SMTP sink."""
        found = {name: s.proc.pid for name, s in self.services.items() if s.proc is not None}
        state = load_state(self.paths.state_file)
        for name, process in (("kafka", state.kafka.process), ("postgres", state.postgres.process)):
            if process is not None:
                found[name] = process.pid
        if state.smtp.process is not None:
            found["smtp-sink"] = state.smtp.process.pid
        return found
