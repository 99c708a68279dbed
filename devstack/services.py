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
        return cls(paths, state, name, service_command(name), stack_env)

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
        return {f"OMS_{self.name.upper()}_URL": self.url} if self.url else {}

    def is_healthy(self) -> bool:
        port = self.record.http_port
        return port is not None and http_ok(health_url(port))

    def start(self) -> None:
        record = self.record
        record.http_port = reuse_or_pick(record.http_port)
        env = {
            **os.environ,
            **self.stack_env,
            **service_kafka_env(self.name, self.stack_env),
            "OMS_HTTP_PORT": str(record.http_port),
            "OMS_SERVICE_NAME": self.name,
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
