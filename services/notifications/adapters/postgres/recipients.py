"""SQL of what the service knows about customers, from their events, and the format a CSR chose
for each (NTF-07). Functions take a connection; the caller owns the transaction."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import datetime

from services.notifications.domain.recipients import Recipient
from services.runtime import ordered_locks
from services.runtime.db import Connection

_CUSTOMER_LOCK_CLASS = 6_170  # two-key advisory locks: a key space of their own


async def lock_customer(conn: Connection, customer_id: uuid.UUID) -> None:
    """Serialize, per customer, the handlers that read or change what the service knows about them.

    The customers' and the orders' events are consumed concurrently: without this, an order e-mail
    could read "customer unknown" while the customer's event commits, and the customer's handler
    could look for waiting e-mails before the order's was committed, leaving it waiting forever.
    Held until the transaction ends, and taken in the global lock order (ordered_locks.py): a batch
    of events holds the locks of several customers at once, and two batches (the two subscribers,
    or two instances) taking them in opposite orders would otherwise deadlock."""
    await ordered_locks.take(conn, [ordered_locks.key(_CUSTOMER_LOCK_CLASS, str(customer_id))])


async def upsert_recipient(conn: Connection, r: Recipient, now: datetime) -> None:
    await conn.execute(
        """INSERT INTO recipients (customer_id, email, first_name, last_name, language, email_format, updated_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7)
           ON CONFLICT (customer_id) DO UPDATE SET email = EXCLUDED.email, first_name = EXCLUDED.first_name,
               last_name = EXCLUDED.last_name, language = EXCLUDED.language,
               email_format = EXCLUDED.email_format, updated_at = EXCLUDED.updated_at""",
        r.customer_id,
        r.email,
        r.first_name,
        r.last_name,
        r.language,
        r.email_format,
        now,
    )


async def recipient(conn: Connection, customer_id: uuid.UUID) -> Recipient | None:
    return (await recipient_and_format(conn, customer_id))[0]


async def recipient_and_format(conn: Connection, customer_id: uuid.UUID) -> tuple[Recipient | None, str | None]:
    """What an e-mail to this customer is decided with, in one round trip: their details (None
    until CustomerRegistered arrives) and the format a CSR set for them, if any."""
    row = await conn.fetchrow(
        "SELECT r.customer_id, r.email, r.first_name, r.last_name, r.language, r.email_format,"
        " (SELECT format FROM format_overrides WHERE customer_id = $1) AS csr_format"
        " FROM (SELECT $1::uuid AS id) AS wanted LEFT JOIN recipients r ON r.customer_id = wanted.id",
        customer_id,
    )
    assert row is not None  # one row, always: the LEFT JOIN keeps the wanted id
    details = {f.name: row[f.name] for f in fields(Recipient)}
    return (Recipient(**details) if row["customer_id"] else None), row["csr_format"]


async def format_override(conn: Connection, customer_id: uuid.UUID) -> str | None:
    value: str | None = await conn.fetchval("SELECT format FROM format_overrides WHERE customer_id = $1", customer_id)
    return value


async def set_format_override(
    conn: Connection, customer_id: uuid.UUID, fmt: str | None, by: str, now: datetime
) -> None:
    if fmt is None:
        await conn.execute("DELETE FROM format_overrides WHERE customer_id = $1", customer_id)
        return
    await conn.execute(
        """INSERT INTO format_overrides (customer_id, format, set_by, set_at) VALUES ($1,$2,$3,$4)
           ON CONFLICT (customer_id) DO UPDATE SET format = EXCLUDED.format, set_by = EXCLUDED.set_by,
               set_at = EXCLUDED.set_at""",
        customer_id,
        fmt,
        by,
        now,
    )


class PostgresRecipients:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock(self, customer_id: uuid.UUID) -> None:
        await lock_customer(self._conn, customer_id)

    async def get(self, customer_id: uuid.UUID) -> Recipient | None:
        return await recipient(self._conn, customer_id)

    async def get_with_format(self, customer_id: uuid.UUID) -> tuple[Recipient | None, str | None]:
        return await recipient_and_format(self._conn, customer_id)

    async def format_override(self, customer_id: uuid.UUID) -> str | None:
        return await format_override(self._conn, customer_id)

    async def upsert(self, recipient: Recipient, now: datetime) -> None:
        await upsert_recipient(self._conn, recipient, now)

    async def set_format_override(self, customer_id: uuid.UUID, fmt: str | None, by: str, now: datetime) -> None:
        await set_format_override(self._conn, customer_id, fmt, by, now)
