from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from contracts.envelope import Role
from csr.client import OmsClient
from devstack.endpoints import StackEndpoints
from tests.support.csr_cli import FORKSERVER
from tests.support.system import System, own_system


@pytest.fixture(scope="session")
def system(stack: StackEndpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    yield from own_system(stack, tmp_path_factory)


@pytest.fixture(scope="session")
async def csr(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("csr-alice", Role.CSR) as client:
        yield client


@pytest.fixture(scope="session")
async def supervisor(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("sup-sam", Role.SUPERVISOR) as client:
        yield client


@pytest.fixture(scope="session")
async def feed(system: System) -> AsyncIterator[OmsClient]:
    """The catalog and stock feed upstream (products, prices, stock, discount rules)."""
    async with system.client("catalog-feed", Role.SYSTEM) as client:
        yield client


@pytest.fixture(scope="session")
async def channel(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("web-shop", Role.CHANNEL) as client:
        yield client


@pytest.fixture(scope="session", autouse=True)
async def _csr_forkserver() -> AsyncIterator[None]:
    """Ends the process the ``csr`` runs are forked from (tests/support/csr_cli.py), if one started."""
    yield
    await FORKSERVER.close()
