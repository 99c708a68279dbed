"""Every instance's commits wake the relay of whichever instance leads (issue 20), against a real
PostgreSQL: a transaction that wrote outbox rows notifies as it commits; one rolled back, or one
that wrote none, does not."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest

from devstack import StackEndpoints
from services.runtime import outbox, relay_wakeups
from services.runtime.codec import OutgoingRecord
from services.runtime.db import create_pool, ensure_database, migrate
from services.runtime.settings import ServiceSettings


@pytest.fixture
async def settings(stack: StackEndpoints, tmp_path: Path) -> ServiceSettings:
    settings = ServiceSettings(service_name="wakeups", db_name=f"wake_{uuid.uuid4().hex[:10]}", pg_dsn=stack.pg_dsn)
    await ensure_database(settings)
    pool = await create_pool(settings)
    await migrate(pool, tmp_path)  # the runtime's tables (the outbox) only
    await pool.close()
    return settings


def _row() -> OutgoingRecord:
    return OutgoingRecord(topic="probe.events", key="k", value=b"{}", headers={}, message_id=str(uuid.uuid4()))


async def _write(conn: asyncpg.Connection, rows: list[OutgoingRecord], *, commit: bool) -> None:
    transaction = conn.transaction()
    await transaction.start()
    await outbox.add_many(conn, rows)
    await (transaction.commit() if commit else transaction.rollback())


@pytest.mark.capability("PLT-12")
async def test_a_commit_with_outbox_rows_wakes_a_listening_relay_and_nothing_else_does(
    settings: ServiceSettings,
) -> None:
    woken = asyncio.Event()
    listening = asyncio.create_task(relay_wakeups.listen(settings, woken.set))
    other_instance = await asyncpg.connect(settings.database_dsn())
    try:
        await asyncio.sleep(0.5)  # the listener's connection is up
        await _write(other_instance, [_row(), _row()], commit=False)
        await _write(other_instance, [], commit=True)
        await asyncio.sleep(0.5)
        assert not woken.is_set()  # rolled back, or no row: nothing to publish, no wake-up

        await _write(other_instance, [_row(), _row()], commit=True)
        await asyncio.wait_for(woken.wait(), 5)
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        await other_instance.close()
