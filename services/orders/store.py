"""SQL of the orders service. Functions take a connection; the caller owns the transaction."""

from __future__ import annotations

import json

from services.orders.domain import PlacedOrder
from services.runtime.db import Connection


async def next_order_sequence(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT nextval('order_number_seq')"))


async def insert_placed_order(conn: Connection, order: PlacedOrder, actor: str, reason: str) -> None:
    await conn.execute(
        """INSERT INTO orders (order_id, order_number, customer_id, status, currency, total, email, language,
               version, created_at, created_by, updated_at, updated_by)
           VALUES ($1,$2,$3,'submitted',$4,$5,$6,$7,$8,$9,$10,$9,$10)""",
        order.order_id,
        order.order_number,
        order.customer_id,
        order.currency,
        order.total,
        order.email,
        order.language,
        order.version,
        order.placed_at,
        actor,
    )
    await conn.executemany(
        """INSERT INTO order_lines (order_id, line_no, sku, description, quantity, unit_price, line_total)
           VALUES ($1,$2,$3,$4,$5,$6,$7)""",
        [
            (order.order_id, ln.line_no, ln.sku, ln.description, ln.quantity, ln.unit_price, ln.line_total)
            for ln in order.lines
        ],
    )
    await conn.execute(
        "INSERT INTO order_versions (order_id, version, snapshot, reason, changed_by, changed_at)"
        " VALUES ($1,$2,$3::jsonb,$4,$5,$6)",
        order.order_id,
        order.version,
        json.dumps(order.placed_event().model_dump(mode="json")),
        reason,
        actor,
        order.placed_at,
    )
