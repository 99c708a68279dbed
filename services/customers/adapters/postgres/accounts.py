"""SQL of accounts: the business entities customers belong to (CUS-13)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.customers.application.unit_of_work import Taken
from services.runtime.db import Connection


async def next_account_number(conn: Connection) -> str:
    return f"A{await conn.fetchval('SELECT nextval($1::regclass)', 'account_numbers')}"


async def insert_account(conn: Connection, values: dict[str, Any], now: datetime, by: str) -> None:
    """Raises asyncpg.UniqueViolationError when the account number is taken."""
    await conn.execute(
        """INSERT INTO accounts (account_id, account_number, name, email, phone, attributes, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)""",
        values["account_id"],
        values["account_number"],
        values["name"],
        values["email"],
        values["phone"],
        json.dumps(values["attributes"]),
        now,
        by,
    )


async def exists(conn: Connection, account_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM accounts WHERE account_id = $1", account_id))


async def summary(conn: Connection, account_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT account_id, account_number, name FROM accounts WHERE account_id = $1", account_id
    )


class PostgresAccounts:
    """application.unit_of_work.Accounts in this service's database."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def exists(self, account_id: uuid.UUID) -> bool:
        return await exists(self._conn, account_id)

    async def next_account_number(self) -> str:
        return await next_account_number(self._conn)

    async def add(self, values: dict[str, Any], now: datetime, by: str) -> None:
        try:
            await insert_account(self._conn, values, now, by)
        except asyncpg.UniqueViolationError:
            raise Taken(f"account number {values['account_number']!r}") from None
