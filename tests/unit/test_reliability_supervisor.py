"""The faults harness restarts a service that exits while starting, as a supervisor would, and
tells a crash at the armed point from a failed start."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from reliability import recovery
from reliability.fault_points import CRASH_EXIT_CODE, fault_env


class FakeProc:
    def __init__(self, code: int | None) -> None:
        self.returncode = code

    def wait(self, timeout: float) -> int:
        if self.returncode is None:
            raise subprocess.TimeoutExpired("service", timeout)
        return self.returncode


class FakeService:
    """Each start's outcome in turn: an exit code, or None for a process that keeps running."""

    name = "orders"

    def __init__(self, outcomes: list[int | None]) -> None:
        self.outcomes = outcomes
        self.starts: list[dict[str, str] | None] = []
        self.proc: FakeProc | None = None

    def start(self, extra_env: dict[str, str] | None = None) -> None:
        self.starts.append(extra_env)
        self.proc = FakeProc(self.outcomes[len(self.starts) - 1])

    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def wait_healthy(self) -> None:
        if not self.running():
            raise RuntimeError("exited while starting")

    def log_tail(self) -> str:
        return ""


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recovery, "SUPERVISOR_RETRY_S", 0.01)


async def test_a_service_that_exits_while_starting_is_started_again() -> None:
    service: Any = FakeService([3, 3, None])
    await recovery.supervised_start(service)
    assert len(service.starts) == 3


async def test_an_armed_service_counts_only_its_crash_at_the_point() -> None:
    service: Any = FakeService([3, CRASH_EXIT_CODE])
    assert await recovery.armed_until_crash(service, "crash_after_commit:PlaceOrder", 5) is True
    assert service.starts == [fault_env("crash_after_commit:PlaceOrder")] * 2


async def test_an_armed_service_that_never_reaches_the_point_is_reported_running() -> None:
    service: Any = FakeService([None])
    assert await recovery.armed_until_crash(service, "crash_after_smtp:welcome", 0.2) is False


async def test_an_armed_service_that_keeps_failing_to_start_fails_the_run() -> None:
    service: Any = FakeService([3] * 1000)
    with pytest.raises(RuntimeError, match="exited 3"):
        await recovery.armed_until_crash(service, "crash_after_smtp:welcome", 0.3)
