"""Session-wide fixtures: one stack (Kafka, PostgreSQL, SMTP sink) for the whole run.

Endpoints come from OMS_* environment variables when given, else testcontainers when a Docker
engine answers, else the project's self-provisioned stack (devstack)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.api import ensure_stack
from devstack.endpoints import StackEndpoints

TESTS = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "capability(*ids): capability IDs from docs/capabilities.md this test proves")
    config.addinivalue_line("markers", "e2e: the whole system through real Kafka, PostgreSQL and SMTP")
    config.addinivalue_line("markers", "integration: one part against real Kafka and PostgreSQL")
    config.addinivalue_line("markers", "unit: pure code, no I/O")
    config.addinivalue_line("markers", "contracts: golden examples and schemas")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line(
        "markers", "reliability: faults under load against a private stack (python -m reliability.faults)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = Path(str(item.fspath)).relative_to(TESTS).parts[0]
        if layer in ("unit", "contracts", "integration", "e2e", "reliability"):
            item.add_marker(getattr(pytest.mark, layer))


@pytest.fixture(scope="session")
def stack() -> StackEndpoints:
    return ensure_stack()
