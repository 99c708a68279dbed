"""Fault injection lives outside the services: production code only names its points
(services/runtime/hooks.py), and reliability/fault_points.py is installed into a process by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reliability import fault_points
from services.runtime import hooks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[hooks.Observer]]:
    before = list(hooks._observers)
    monkeypatch.setenv(fault_points.FAULTS_VARIABLE, "poison:MARKER,crash_after_commit:PlaceOrderV1")
    hooks.install(fault_env_modules())
    added = [o for o in hooks._observers if o not in before]
    yield added
    for observer in added:
        hooks.forget(observer)


def fault_env_modules() -> str:
    return fault_points.fault_env("")[hooks.OBSERVERS_VARIABLE]


def test_the_harness_names_the_variable_the_runtime_reads() -> None:
    assert fault_points.OBSERVERS_VARIABLE == hooks.OBSERVERS_VARIABLE


def test_no_observer_means_every_point_passes() -> None:
    assert hooks._observers == []
    hooks.reached("handling", "PlaceOrderV1", {"note": "MARKER"})
    hooks.reached("committed", "PlaceOrderV1")


def test_an_installed_poison_fails_only_marked_messages(installed: list[hooks.Observer]) -> None:
    assert len(installed) == 1
    hooks.reached("handling", "RegisterCustomerV1", {"last_name": "Plain"})
    with pytest.raises(RuntimeError, match="poisoned"):
        hooks.reached("handling", "RegisterCustomerV1", {"last_name": "xMARKERx"})


def test_a_crash_point_exits_like_kill_9(installed: list[hooks.Observer], monkeypatch: pytest.MonkeyPatch) -> None:
    exits: list[int] = []
    monkeypatch.setattr("os._exit", exits.append)
    hooks.reached("committed", "AddCartLineV1")
    hooks.reached("mail_accepted", "PlaceOrderV1")  # another point with the same detail
    assert exits == []
    hooks.reached("committed", "PlaceOrderV1")
    assert exits == [fault_points.CRASH_EXIT_CODE]


def test_production_code_carries_no_fault_injection() -> None:
    for path in (ROOT / "services").rglob("*.py"):
        text = path.read_text()
        assert "OMS_FAULTS" not in text and "os._exit" not in text and "poison:" not in text, path
    assert "reliability" not in (ROOT / "Dockerfile").read_text()


def test_a_provider_crash_point_exits_between_the_answer_and_the_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    exits: list[int] = []
    monkeypatch.setattr("os._exit", exits.append)
    points = fault_points.FaultPoints("crash_after_provider:refund")
    points("provider_answered", "authorize", None)
    points("committed", "refund", None)  # another point with the same detail
    assert exits == []
    points("provider_answered", "refund", None)
    assert exits == [fault_points.CRASH_EXIT_CODE]
