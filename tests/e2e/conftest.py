from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from contracts.envelope import Role
from contracts.sealing import generate_private_key
from csr.client import OmsClient
from devstack.endpoints import StackEndpoints
from tests.support.system import System


@pytest.fixture(scope="session")
def system(stack: StackEndpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    workdir = Path(tmp_path_factory.mktemp("system"))
    system = System(stack=stack, run_id=uuid.uuid4().hex[:8], workdir=workdir, private_key=generate_private_key())
    system.start()
    try:
        yield system
    finally:
        system.stop()


@pytest.fixture(scope="session")
async def csr(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("csr-alice", Role.CSR) as client:
        yield client


@pytest.fixture(scope="session")
async def supervisor(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("sup-sam", Role.SUPERVISOR) as client:
        yield client


@pytest.fixture(scope="session")
async def channel(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("web-shop", Role.CHANNEL) as client:
        yield client
