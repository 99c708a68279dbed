"""The system under test: the three services as processes against the private stack, with the
benchmark's own topic prefix and databases (``bench.`` and ``<service>_bench``), so a re-run finds
the seeded data again and never touches the tests' databases."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from devstack import ensure_stack
from devstack.acls import grant_for_run
from devstack.endpoints import StackEndpoints
from devstack.keys import ensure_sealing_keys
from devstack.paths import StackPaths
from devstack.service_process import SERVICES, ServiceProcess
from devstack.state import load_state

PREFIX = "bench."


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
        grant_for_run(self.stack, PREFIX)  # the broker's ACLs for the benchmark's topic prefix
        env = self.env()
        for name in SERVICES:
            log_path = self.logs / f"{name}.log"
            self.services[name] = ServiceProcess.with_database(
                name, env, self.database(name), log_path, health_timeout=120
            )
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
