"""A database of the runtime's own tables (inbox, outbox) plus a probe table, on the test stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from devstack import StackEndpoints
from services.runtime.db import create_pool, ensure_database, migrate


@pytest.fixture
async def pool(stack: StackEndpoints, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    from services.runtime.settings import ServiceSettings

    settings = ServiceSettings(
        service_name="dispatch_probe", db_name=f"probe_{uuid.uuid4().hex[:10]}", pg_dsn=stack.pg_dsn
    )
    await ensure_database(settings)
    (tmp_path / "001_probe.sql").write_text(
        "CREATE TABLE probe (customer_id uuid PRIMARY KEY, currency text NOT NULL);"
    )
    pool = await create_pool(settings)
    await migrate(pool, tmp_path)
    yield pool
    await pool.close()
