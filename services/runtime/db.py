"""PostgreSQL: the service's own database, its pool, and numbered SQL migrations.

Migrations are ``NNN_name.sql`` files applied in order at start-up, each in its own transaction,
recorded in ``schema_migrations``; an advisory lock keeps two instances from migrating at once.
"""

from __future__ import annotations

import contextlib
import logging
import re
import ssl as ssl_module
from pathlib import Path
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)

# What store functions take: a plain connection or one borrowed from the pool.
Connection = asyncpg.Connection | PoolConnectionProxy
RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_MIGRATION_LOCK = 7_420_001


def _connect_kwargs(settings: ServiceSettings) -> dict[str, Any]:
    if settings.pg_ssl in (None, "disable"):
        return {}
    if settings.pg_ssl in ("prefer", "require"):
        return {"ssl": settings.pg_ssl}
    context = ssl_module.create_default_context(
        cafile=str(settings.pg_sslrootcert) if settings.pg_sslrootcert else None
    )
    context.check_hostname = settings.pg_ssl == "verify-full"  # verify-ca checks the chain only
    return {"ssl": context}


async def ensure_database(settings: ServiceSettings, database: str | None = None) -> None:
    """Create the service's database when missing (a fresh stack has only ``postgres``)."""
    name = database or settings.database
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"unsafe database name {name!r}")
    conn = await asyncpg.connect(settings.database_dsn("postgres"), **_connect_kwargs(settings))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # another instance was first
                await conn.execute(f'CREATE DATABASE "{name}"')  # name checked above
    finally:
        await conn.close()


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Run when a connection goes back to the pool, instead of asyncpg's default reset query
    (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``), a round trip on every
    release. Nothing here leaves session state behind: an open transaction is still rolled back
    by asyncpg before this runs, no code SETs, LISTENs or declares cursors outside a transaction,
    and the two session-level advisory locks (migrations, relay leader) are released explicitly."""


def session_settings(settings: ServiceSettings) -> dict[str, str]:
    """Set on every pooled connection when it opens (no round trip per transaction)."""
    return {
        "idle_in_transaction_session_timeout": str(settings.pg_idle_in_transaction_timeout_ms),
        "lock_timeout": str(settings.pg_lock_timeout_ms),
        "application_name": f"{settings.service_name}-{settings.instance_id}"[:63],
    }


async def connect(settings: ServiceSettings) -> asyncpg.Connection:
    """One connection of its own, outside the pool, with the pool's session settings."""
    conn: asyncpg.Connection = await asyncpg.connect(
        settings.database_dsn(), server_settings=session_settings(settings), **_connect_kwargs(settings)
    )
    return conn


async def create_pool(settings: ServiceSettings) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        settings.database_dsn(),
        min_size=settings.pg_pool_min,
        max_size=settings.pg_pool_max,
        reset=_keep_session,
        server_settings=session_settings(settings),
        **_connect_kwargs(settings),
    )
    assert pool is not None
    return pool


def _migration_files(directory: Path, scope: str) -> list[tuple[str, Path]]:
    files = sorted(p for p in directory.glob("*.sql") if _MIGRATION.match(p.name))
    return [(f"{scope}:{p.stem}", p) for p in files]


async def migrate(pool: asyncpg.Pool, service_migrations: Path) -> list[str]:
    """Apply pending migrations (the runtime's first, then the service's). Returns those applied."""
    pending = _migration_files(RUNTIME_MIGRATIONS, "runtime") + _migration_files(service_migrations, "service")
    applied: list[str] = []
    async with pool.acquire() as conn:
        # Another instance may be migrating (a big index takes minutes): wait for it however long,
        # not lock_timeout; RESET below gives the connection its own setting back.
        await conn.execute("SET lock_timeout = 0")
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
            for name, path in pending:
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                applied.append(name)
                logger.info("applied migration %s", name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
            await conn.execute("RESET lock_timeout")
    return applied
