"""The system under test: the three services as processes against the private stack, with the
benchmark's own topic prefix and databases (``bench.`` and ``<service>_bench``), so a re-run finds
the seeded data again and never touches the tests' databases."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from devstack import ensure_stack
from devstack.acls import grant_for_run
from devstack.endpoints import StackEndpoints
from devstack.keys import ensure_sealing_keys
from devstack.paths import StackPaths
from devstack.service_process import SERVICES, ServiceProcess
from devstack.state import load_state

# Another name (OMS_BENCH_NAME) gives a run topics and databases of its own, on a stack that
# others benchmark on too; a re-run under the same name finds its seeded data again.
NAME = os.environ.get("OMS_BENCH_NAME", "bench")
if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", NAME):
    raise SystemExit(f"OMS_BENCH_NAME must be lower-case letters, digits and _, not {NAME!r}")
PREFIX = f"{NAME}."


@dataclass
class BenchSystem:
    stack: StackEndpoints
    paths: StackPaths
    logs: Path
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    orders_instances: int = 1  # more instances of orders in its consumer group (--orders-instances)
    extra: dict[str, ServiceProcess] = field(default_factory=dict)  # "orders-2", "orders-3", ...

    @classmethod
    def prepare(cls, logs: Path, orders_instances: int = 1) -> BenchSystem:
        logs.mkdir(parents=True, exist_ok=True)
        return cls(stack=ensure_stack(), paths=StackPaths.from_env(), logs=logs, orders_instances=orders_instances)

    @staticmethod
    def database(service: str) -> str:
        return f"{service}_{NAME}"

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
            self.services[name] = self._instance(name, env)
        for number in range(2, self.orders_instances + 1):
            self.extra[f"orders-{number}"] = self._instance("orders", env, number)
        # One by one: on two cores, parallel imports and migrations only compete.
        for service in [*self.services.values(), *self.extra.values()]:
            service.start()
            service.wait_healthy()

    def _instance(self, name: str, env: dict[str, str], number: int = 1) -> ServiceProcess:
        """Instances on one host need an id each (OMS_INSTANCE_ID)."""
        label = name if number == 1 else f"{name}-{number}"
        env = {**env, "OMS_INSTANCE_ID": f"{name}-{number}"}
        log_path = self.logs / f"{label}.log"
        return ServiceProcess.with_database(name, env, self.database(name), log_path, health_timeout=300)

    def stop(self) -> None:
        for service in [*self.services.values(), *self.extra.values()]:
            service.stop()

    def scale_orders(self, count: int) -> None:
        """``count`` instances of orders from now on: the missing ones started (they join the
        consumer group), the ones above it stopped gracefully (they leave it)."""
        env = self.env()
        for number in range(2, max(count, self.orders_instances) + 1):
            label = f"orders-{number}"
            if number <= count and label not in self.extra:
                self.extra[label] = self._instance("orders", env, number)
            instance = self.extra.get(label)
            if instance is None:
                continue
            if number <= count and not instance.running():
                instance.start()
                instance.wait_healthy()
            elif number > count:
                instance.stop()
        self.orders_instances = count

    def running(self) -> dict[str, ServiceProcess]:
        return {name: s for name, s in {**self.services, **self.extra}.items() if s.running()}

    def ports(self) -> dict[str, int]:
        """Each running instance's HTTP port (its /metrics), by name ("orders", "orders-2", ...)."""
        return {name: s.port for name, s in self.running().items()}

    def pids(self) -> dict[str, int]:
        """The processes whose CPU and memory the report shows: the services, Kafka, PostgreSQL
        (its postmaster; the monitor adds its backends) and the SMTP sink."""
        found = {name: s.proc.pid for name, s in self.running().items() if s.proc is not None}
        state = load_state(self.paths.state_file)
        for name, process in (("kafka", state.kafka.process), ("postgres", state.postgres.process)):
            if process is not None:
                found[name] = process.pid
        if state.smtp.process is not None:
            found["smtp-sink"] = state.smtp.process.pid
        return found
