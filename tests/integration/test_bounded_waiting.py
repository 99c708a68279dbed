"""Bounded waiting (issue: a frozen instance stopped its whole service): PostgreSQL ends a
transaction left idle by a frozen instance, which releases its row locks, and a statement waits a
bounded time for a lock, then fails as a lost lock race that the pipeline retries."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest

from devstack import StackEndpoints
from services.runtime.db import create_pool, ensure_database, migrate
from services.runtime.pipeline.failures import CONTENTION, TRANSIENT
from services.runtime.settings import ServiceSettings


@pytest.fixture
def settings(stack: StackEndpoints) -> ServiceSettings:
    return ServiceSettings(
        service_name="timeouts_probe",
        db_name=f"probe_{uuid.uuid4().hex[:10]}",
        pg_dsn=stack.pg_dsn,
        pg_idle_in_transaction_timeout_ms=1_000,
        pg_lock_timeout_ms=500,
    )


async def test_a_frozen_instances_transaction_is_ended_and_its_locks_released(
    settings: ServiceSettings, tmp_path: object
) -> None:
    await ensure_database(settings)
    frozen, alive = await create_pool(settings), await create_pool(settings)
    try:
        await alive.execute("CREATE TABLE stock (sku text PRIMARY KEY, on_hand int NOT NULL)")
        await alive.execute("INSERT INTO stock VALUES ('TENT', 5)")
        async with frozen.acquire() as conn:
            tx = conn.transaction()
            await tx.start()
            await conn.execute("SELECT * FROM stock WHERE sku = 'TENT' FOR UPDATE")  # then it freezes

            with pytest.raises(asyncpg.LockNotAvailableError) as waited:  # bounded, not for ever
                await alive.execute("UPDATE stock SET on_hand = on_hand - 1 WHERE sku = 'TENT'")
            assert isinstance(waited.value, CONTENTION) and isinstance(waited.value, TRANSIENT)

            await asyncio.sleep(1.5)  # past idle_in_transaction_session_timeout
            await alive.execute("UPDATE stock SET on_hand = on_hand - 1 WHERE sku = 'TENT'")  # the lock is free
            assert await alive.fetchval("SELECT on_hand FROM stock") == 4
            # The frozen one wakes to a session PostgreSQL ended: an error the pipeline retries.
            with pytest.raises(TRANSIENT):
                await conn.execute("SELECT 1")
    finally:
        await frozen.close()
        await alive.close()


async def test_migrations_wait_for_each_other_whatever_the_lock_timeout(
    settings: ServiceSettings, tmp_path: object
) -> None:
    await ensure_database(settings)
    pool = await create_pool(settings)
    try:
        async with pool.acquire() as holder:
            await holder.execute("SELECT pg_advisory_lock(7420001)")  # another instance is migrating
            waiting = asyncio.create_task(migrate(pool, Path(str(tmp_path))))
            await asyncio.sleep(1.0)  # twice the lock timeout
            assert not waiting.done()
            await holder.execute("SELECT pg_advisory_unlock(7420001)")
            await asyncio.wait_for(waiting, 10)
        assert await pool.fetchval("SHOW lock_timeout") == "500ms"  # the connection's own setting is back
    finally:
        await pool.close()
