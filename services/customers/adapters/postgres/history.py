"""SQL of the projections built from the orders service's events: order, quote and return history
(CUS-11) and assets (CUS-14). Writes are idempotent and version-aware, so a replayed or late event
never rolls the history back."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from contracts.orders import QuoteSavedV1, ReturnCreatedV1
from services.customers.domain.history import Asset, OrderEntry
from services.runtime.db import Connection


async def upsert_order(conn: Connection, o: OrderEntry) -> None:
    await conn.execute(
        """INSERT INTO order_history (order_id, customer_id, order_number, status, currency, total, lines, version,
               placed_at, updated_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
           ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, currency = EXCLUDED.currency,
               total = EXCLUDED.total, lines = EXCLUDED.lines, version = EXCLUDED.version,
               updated_at = EXCLUDED.updated_at
           WHERE order_history.version < EXCLUDED.version""",
        o.order_id,
        o.customer_id,
        o.order_number,
        o.status,
        o.currency,
        o.total,
        o.lines,
        o.version,
        o.placed_at,
        o.updated_at,
    )


async def cancel_order(conn: Connection, order_id: uuid.UUID, status: str, version: int, at: datetime) -> bool:
    """False when the order is not in the history yet (its placed event has not arrived)."""
    result = await conn.execute(
        "UPDATE order_history SET status = $2, version = greatest(version, $3), updated_at = $4 WHERE order_id = $1",
        order_id,
        status,
        version,
        at,
    )
    return result.endswith(" 1")


async def upsert_quote(conn: Connection, q: QuoteSavedV1) -> None:
    await conn.execute(
        """INSERT INTO quote_history (quote_id, customer_id, quote_number, currency, total, lines, saved_at,
               expires_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
           ON CONFLICT (quote_id) DO UPDATE SET total = EXCLUDED.total, lines = EXCLUDED.lines,
               saved_at = EXCLUDED.saved_at, expires_at = EXCLUDED.expires_at
           WHERE quote_history.saved_at <= EXCLUDED.saved_at""",
        q.quote_id,
        q.customer_id,
        q.quote_number,
        q.currency,
        q.total,
        len(q.lines),
        q.saved_at,
        q.expires_at,
    )


async def insert_return(conn: Connection, r: ReturnCreatedV1) -> None:
    await conn.execute(
        """INSERT INTO return_history (return_id, customer_id, return_number, order_id, order_number, currency,
               refund_amount, status, lines, created_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (return_id) DO NOTHING""",
        r.return_id,
        r.customer_id,
        r.return_number,
        r.order_id,
        r.order_number,
        r.currency,
        r.refund_amount,
        r.status,
        len(r.lines),
        r.created_at,
    )


# A return only moves forward (requested -> received -> refunded): a replayed older event changes nothing.
_RETURN_STEPS = ["requested", "received", "refunded"]


async def advance_return(conn: Connection, return_id: uuid.UUID, status: str) -> None:
    await conn.execute(
        """UPDATE return_history SET status = $2
           WHERE return_id = $1 AND array_position($3::text[], status) < array_position($3::text[], $2)""",
        return_id,
        status,
        _RETURN_STEPS,
    )


async def insert_assets(conn: Connection, assets: list[Asset]) -> list[Asset]:
    """The assets that were new (a replayed event adds none)."""
    added = []
    for a in assets:
        status = await conn.execute(
            """INSERT INTO assets (asset_id, customer_id, order_id, order_number, sku, name, quantity, serial_number,
                   acquired_at)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (asset_id) DO NOTHING""",
            a.asset_id,
            a.customer_id,
            a.order_id,
            a.order_number,
            a.sku,
            a.name,
            a.quantity,
            a.serial_number,
            a.acquired_at,
        )
        if status.endswith(" 1"):
            added.append(a)
    return added


async def orders_of(conn: Connection, customer_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM order_history WHERE customer_id = $1 ORDER BY placed_at DESC, order_id LIMIT $2 OFFSET $3",
        customer_id,
        limit,
        offset,
    )


async def quotes_of(conn: Connection, customer_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM quote_history WHERE customer_id = $1 ORDER BY saved_at DESC, quote_id LIMIT $2 OFFSET $3",
        customer_id,
        limit,
        offset,
    )


async def returns_of(conn: Connection, customer_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM return_history WHERE customer_id = $1 ORDER BY created_at DESC, return_id LIMIT $2 OFFSET $3",
        customer_id,
        limit,
        offset,
    )


async def assets_of(conn: Connection, customer_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM assets WHERE customer_id = $1 ORDER BY acquired_at DESC, sku, serial_number, asset_id"
        " LIMIT $2 OFFSET $3",
        customer_id,
        limit,
        offset,
    )


class PostgresTimeline:
    """application.unit_of_work.Timeline in this service's database."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def upsert_order(self, entry: OrderEntry) -> None:
        await upsert_order(self._conn, entry)

    async def cancel_order(self, order_id: uuid.UUID, status: str, version: int, at: datetime) -> bool:
        return await cancel_order(self._conn, order_id, status, version, at)

    async def upsert_quote(self, event: QuoteSavedV1) -> None:
        await upsert_quote(self._conn, event)

    async def add_return(self, event: ReturnCreatedV1) -> None:
        await insert_return(self._conn, event)

    async def advance_return(self, return_id: uuid.UUID, status: str) -> None:
        await advance_return(self._conn, return_id, status)

    async def add_assets(self, assets: list[Asset]) -> list[Asset]:
        return await insert_assets(self._conn, assets)
