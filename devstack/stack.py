"""The whole local stack: which components exist and how they go up and down together."""

from __future__ import annotations

import fcntl
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from devstack.acls import Acl, apply_acls
from devstack.aio import run_blocking
from devstack.component import Component
from devstack.endpoints import StackEndpoints
from devstack.kafka import Kafka
from devstack.keycloak import Keycloak
from devstack.keys import ensure_sealing_keys
from devstack.paths import StackPaths
from devstack.postgres import Postgres
from devstack.services import Service, available_services, instance_names
from devstack.smtp import SmtpSink
from devstack.state import StackState, load_state, save_state
from devstack.stripe_mock import StripeMock


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int | None
    running: bool
    healthy: bool
    env: dict[str, str]


@dataclass(frozen=True)
class StartReport:
    name: str
    started: bool  # False: an already running, healthy instance was reused
    seconds: float


class StackError(RuntimeError):
    pass


def _in_parallel(components: Sequence[Component], action: Callable[[Component], object]) -> list[object]:
    """Run action on every component at once; Kafka's JVM start dominates, so overlap it."""
    with ThreadPoolExecutor(max_workers=max(1, len(components))) as pool:
        futures = [pool.submit(action, component) for component in components]
    results: list[object] = []
    for future in futures:
        error = future.exception()
        results.append(error if error is not None else future.result())
    return results


class Stack:
    def __init__(self, paths: StackPaths | None = None) -> None:
        self.paths = paths or StackPaths.from_env()
        self.state: StackState = load_state(self.paths.state_file)
        self.keycloak = Keycloak(self.paths, self.state)
        # The broker accepts the tokens of the stack's Keycloak realm (its JWKS, its issuer).
        self.kafka = Kafka(self.paths, self.state, issuer=lambda: self.keycloak.env().get("OMS_OIDC_ISSUER"))
        self.postgres = Postgres(self.paths, self.state)
        self.smtp = SmtpSink(self.paths, self.state)
        self.stripe_mock = StripeMock(self.paths, self.state)

    @property
    def infrastructure(self) -> list[Component]:
        return [component for phase in self.start_phases for component in phase]

    @property
    def start_phases(self) -> list[list[Component]]:
        """Components started together, phase after phase: Kafka comes after Keycloak because the
        brokers check clients' tokens against Keycloak's keys (JWKS)."""
        return [[self.keycloak, self.postgres, self.smtp, self.stripe_mock], [self.kafka]]

    def service(self, name: str) -> Service:
        return Service.python_module(self.paths, self.state, name, self.infrastructure_env())

    def known_services(self) -> list[Service]:
        return [self.service(name) for name in self.state.services]

    # -- queries ---------------------------------------------------------------------

    def infrastructure_env(self) -> dict[str, str]:
        env = {"OMS_STACK_DIR": str(self.paths.stack_dir), **ensure_sealing_keys(self.paths)}
        for component in self.infrastructure:
            env.update(component.env())
        return env

    def endpoints(self) -> StackEndpoints:
        found = StackEndpoints.from_env(self.infrastructure_env())
        if found is None:
            raise StackError(f"the stack in {self.paths.stack_dir} has never been started")
        return found

    def is_up(self) -> bool:
        return all(c.is_running() and c.is_healthy() for c in self.infrastructure)

    def status(self) -> list[ComponentStatus]:
        return [
            ComponentStatus(
                name=c.name,
                pid=c.process.pid if c.process else None,
                running=c.is_running(),
                healthy=c.is_running() and c.is_healthy(),
                env=c.env(),
            )
            for c in [*self.infrastructure, *self.known_services()]
        ]

    # -- changes (callers hold the lock) ---------------------------------------------

    def up(self, with_services: bool = False, instances: int = 1) -> list[StartReport]:
        """Start what is not running; with ``with_services``, ``instances`` of each service (one
        consumer group and database per service, an instance id each)."""
        try:
            reports = [report for phase in self.start_phases for report in self._ensure_all(phase)]
            self.apply_acls()
            if with_services:
                names = [n for service in available_services() for n in instance_names(service, instances)]
                services = [self.service(name) for name in names]
                # Services start one by one: on two cores parallel Python imports only compete.
                for service in services:
                    reports.extend(self._ensure_all([service]))
            return reports
        finally:
            self.save()

    def apply_acls(self, prefix: str = "") -> list[Acl]:
        """The broker refuses everyone but its super users until these exist (devstack/acls.py)."""
        return run_blocking(lambda: apply_acls(self.kafka.admin_options(), prefix))

    def down(self, wipe: bool = False) -> None:
        try:
            for service in self.known_services():
                service.stop()
            self._check(_in_parallel(self.infrastructure, lambda c: c.stop()))
            if wipe:
                self.kafka.wipe()
                self.postgres.wipe()
                self.keycloak.wipe()
                shutil.rmtree(self.paths.mail_dir, ignore_errors=True)
                self.state.services.clear()
        finally:
            self.save()

    def run(self, action: Callable[[], None]) -> None:
        """Apply a single-component change (restart-kafka, stop-smtp, ...) and record it."""
        try:
            action()
        finally:
            self.save()

    def save(self) -> None:
        self.state.env = self._running_env()
        self.state.pids = {
            c.name: c.process.pid
            for c in [*self.infrastructure, *self.known_services()]
            if c.process is not None and c.is_running()
        }
        save_state(self.state, self.paths.state_file, self.paths.env_file)

    def _running_env(self) -> dict[str, str]:
        env = {"OMS_STACK_DIR": str(self.paths.stack_dir), **ensure_sealing_keys(self.paths)}
        for component in [*self.infrastructure, *self.known_services()]:
            if component.is_running():
                env.update(component.env())
        return env

    def _ensure_all(self, components: Sequence[Component]) -> list[StartReport]:
        def ensure(component: Component) -> StartReport:
            began = time.monotonic()
            started = component.ensure()
            return StartReport(component.name, started, time.monotonic() - began)

        results = _in_parallel(components, lambda c: ensure(c))
        self._check(results)
        return [r for r in results if isinstance(r, StartReport)]

    @staticmethod
    def _check(results: list[object]) -> None:
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise StackError("\n\n".join(str(e) for e in errors)) from errors[0]


@contextmanager
def locked(paths: StackPaths) -> Iterator[None]:
    """One changer at a time per stack (parallel test workers may all call `up`)."""
    paths.ensure_dirs()
    with paths.lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
