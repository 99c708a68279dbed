"""Application services as background processes, checked through their HTTP health."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping, Sequence

from devstack.component import Component
from devstack.kafka_auth import service_kafka_env
from devstack.paths import StackPaths
from devstack.ports import HOST, reuse_or_pick
from devstack.procs import ProcessInfo, spawn, terminate
from devstack.service_process import SERVICES, health_url, http_ok, service_command
from devstack.state import ServiceState, StackState

__all__ = ["SERVICES", "Service", "available_services"]

HEALTH_TIMEOUT = 60.0


def module_is_runnable(module: str) -> bool:
    """True if `python -m module` would run something (a package needs __main__)."""
    try:
        spec = importlib.util.find_spec(module)
        if spec is None:
            return False
        if spec.submodule_search_locations is not None:
            return importlib.util.find_spec(f"{module}.__main__") is not None
        return True
    except Exception:  # noqa: BLE001 - a half-written package must not break `up`
        return False


def available_services() -> list[str]:
    return [name for name in SERVICES if module_is_runnable(f"services.{name}")]


def instance_names(service: str, instances: int) -> list[str]:
    """The stack's names of ``instances`` instances of ``service``: the first keeps the service's
    own name (``orders``), the others are numbered (``orders-2``, ``orders-3``)."""
    return [service if n == 1 else f"{service}-{n}" for n in range(1, instances + 1)]


def split_instance(name: str) -> tuple[str, int]:
    """``orders-2`` -> (``orders``, 2); ``orders`` -> (``orders``, 1)."""
    service, _, number = name.rpartition("-")
    if service in SERVICES and number.isdigit():
        return service, int(number)
    return name, 1


class Service(Component):
    """Any long-running command that reads OMS_* settings and serves GET /health."""

    def __init__(
        self,
        paths: StackPaths,
        state: StackState,
        name: str,
        argv: Sequence[str],
        stack_env: Mapping[str, str],
    ) -> None:
        super().__init__(paths, state)
        self.name = name
        self.argv = list(argv)
        self.stack_env = dict(stack_env)

    @classmethod
    def python_module(cls, paths: StackPaths, state: StackState, name: str, stack_env: Mapping[str, str]) -> Service:
        """``name`` is a service (``orders``) or one of its numbered instances (``orders-2``)."""
        return cls(paths, state, name, service_command(split_instance(name)[0]), stack_env)

    @property
    def service_name(self) -> str:
        return split_instance(self.name)[0]

    @property
    def instance_id(self) -> str:
        """Unique among the stack's instances, which share one host (the default id, the host
        name, would be the same for all), and the same at every restart."""
        service, number = split_instance(self.name)
        return f"{service}-{number}"

    @property
    def record(self) -> ServiceState:
        return self.state.services.setdefault(self.name, ServiceState())

    @property
    def process(self) -> ProcessInfo | None:
        return self.record.process

    @property
    def url(self) -> str | None:
        port = self.record.http_port
        return f"http://{HOST}:{port}" if port else None

    def env(self) -> dict[str, str]:
        return {f"OMS_{self.name.upper().replace('-', '_')}_URL": self.url} if self.url else {}

    def is_healthy(self) -> bool:
        port = self.record.http_port
        return port is not None and http_ok(health_url(port))

    def start(self) -> None:
        record = self.record
        record.http_port = reuse_or_pick(record.http_port)
        env = {
            **os.environ,
            **self.stack_env,
            **service_kafka_env(self.service_name, self.stack_env),  # the service's own Kafka client
            "OMS_HTTP_PORT": str(record.http_port),
            "OMS_SERVICE_NAME": self.service_name,
            "OMS_INSTANCE_ID": self.instance_id,
            "PYTHONUNBUFFERED": "1",
        }
        record.process = spawn(self.argv, self.log_path, env=env, cwd=self.paths.root)
        try:
            self.wait_healthy(timeout=HEALTH_TIMEOUT, interval=0.5)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        terminate(self.record.process, grace=15.0)
        self.record.process = None
