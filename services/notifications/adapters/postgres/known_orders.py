"""SQL of what the service knows about orders, from their events: number and customer."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.notifications.domain.recipients import KnownOrder
from services.runtime.db import Connection


async def remember_order(
    conn: Connection, order_id: uuid.UUID, order_number: str | None, customer_id: uuid.UUID, now: datetime
) -> None:
    await conn.execute(
        """INSERT INTO known_orders (order_id, order_number, customer_id, updated_at) VALUES ($1,$2,$3,$4)
           ON CONFLICT (order_id) DO UPDATE SET order_number = COALESCE(EXCLUDED.order_number,
               known_orders.order_number), customer_id = EXCLUDED.customer_id, updated_at = EXCLUDED.updated_at""",
        order_id,
        order_number,
        customer_id,
        now,
    )


async def known_order(conn: Connection, order_id: uuid.UUID) -> KnownOrder | None:
    row = await conn.fetchrow(
        "SELECT order_id, order_number, customer_id FROM known_orders WHERE order_id = $1", order_id
    )
    return KnownOrder(**dict(row)) if row else None


async def known_order_by_number(conn: Connection, order_number: str) -> KnownOrder | None:
    row = await conn.fetchrow(
        "SELECT order_id, order_number, customer_id FROM known_orders WHERE order_number = $1", order_number
    )
    return KnownOrder(**dict(row)) if row else None


class PostgresKnownOrders:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def remember(
        self, order_id: uuid.UUID, order_number: str | None, customer_id: uuid.UUID, now: datetime
    ) -> None:
        await remember_order(self._conn, order_id, order_number, customer_id, now)

    async def get(self, order_id: uuid.UUID) -> KnownOrder | None:
        return await known_order(self._conn, order_id)

    async def by_number(self, order_number: str) -> KnownOrder | None:
        return await known_order_by_number(self._conn, order_number)
