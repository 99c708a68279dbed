"""SQL of order servicing: edit locks, quote and return numbers, the quote finder, the pending orders
grid, recent orders for the velocity rule, stock leaving with shipments, and returns. Functions take
a connection; the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from contracts.orders import FindQuotesV1, FindReturnsV1, LockView, OrderView, PendingOrderView, ReturnOrderView
from services.orders.adapters import order_documents, stock_locks, stored_return
from services.orders.adapters.order_store import like_words
from services.orders.domain.locks import Taken
from services.runtime.db import Connection

T = TypeVar("T")

# --- edit locks (SRV-06) ----------------------------------------------------------------------


def _lock(row: Any) -> LockView:
    return LockView(
        order_id=row["order_id"],
        agent_id=row["agent_id"],
        role=row["role"],
        acquired_at=row["acquired_at"],
        expires_at=row["expires_at"],
    )


# One round trip: the lock is taken when free, expired or already this agent's; otherwise no row
# comes back and the caller asks who holds it. ``prev`` reads the row as it was before.
_TAKE = """
WITH prev AS (SELECT agent_id, expires_at FROM order_locks WHERE order_id = $1)
INSERT INTO order_locks AS l (order_id, agent_id, role, acquired_at, expires_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (order_id) DO UPDATE SET agent_id = $2, role = $3, expires_at = $5,
    acquired_at = CASE WHEN l.agent_id = $2 AND l.expires_at > $4 THEN l.acquired_at ELSE $4 END
WHERE l.agent_id = $2 OR l.expires_at <= $4 OR $6
RETURNING l.*, (SELECT agent_id FROM prev) AS previous_agent, (SELECT expires_at FROM prev) AS previous_expires"""


async def take_lock(
    conn: Connection,
    order_id: uuid.UUID,
    agent_id: str,
    role: str,
    now: datetime,
    expires_at: datetime,
    *,
    force: bool = False,
) -> Taken | None:
    """Take or extend the lock; None when another agent holds a live one (unless ``force``)."""
    row = await conn.fetchrow(_TAKE, order_id, agent_id, role, now, expires_at, force)
    if row is None:
        return None
    previous, previous_expires = row["previous_agent"], row["previous_expires"]
    was_mine = previous == agent_id and previous_expires is not None and previous_expires > now
    live_other = previous is not None and previous != agent_id and previous_expires > now
    return Taken(_lock(row), new=not was_mine, previous_agent_id=previous if live_other else None)


async def live_lock(conn: Connection, order_id: uuid.UUID, now: datetime) -> LockView | None:
    row = await conn.fetchrow("SELECT * FROM order_locks WHERE order_id = $1 AND expires_at > $2", order_id, now)
    return _lock(row) if row else None


async def release_lock(conn: Connection, order_id: uuid.UUID, agent_id: str | None, now: datetime) -> bool:
    """Drop the live lock of ``agent_id`` (of anyone when None); True when there was one."""
    status = await conn.execute(
        "DELETE FROM order_locks WHERE order_id = $1 AND ($2::text IS NULL OR agent_id = $2) AND expires_at > $3",
        order_id,
        agent_id,
        now,
    )
    await conn.execute("DELETE FROM order_locks WHERE order_id = $1 AND expires_at <= $2", order_id, now)
    return bool(status.endswith(" 1"))


# --- numbers and the velocity rule --------------------------------------------------------------


async def next_quote_sequence(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT nextval('quote_number_seq')"))


async def next_return_sequence(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT nextval('return_number_seq')"))


async def recent_orders(conn: Connection, customer_id: uuid.UUID, since: datetime, exclude: uuid.UUID) -> int:
    """Orders of the customer submitted since ``since``, other than ``exclude`` (SRV-05 velocity)."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM orders WHERE customer_id = $1 AND submitted_at >= $2 AND order_id <> $3"
            " AND backorder_of IS NULL",
            customer_id,
            since,
            exclude,
        )
    )


# --- quotes (SRV-01) ----------------------------------------------------------------------------


@dataclass
class _Where:
    conditions: list[str]
    args: list[Any]

    def add(self, condition: str, value: Any) -> None:
        self.args.append(value)
        self.conditions.append(condition.replace("$?", f"${len(self.args)}"))


_QUOTE_STATUS = {
    "open": "status = 'quote' AND expires_at > $?",
    "expired": "status = 'quote' AND expires_at <= $?",
    "converted": "status = 'converted' AND $?::timestamptz IS NOT NULL",
}


async def find_quotes(conn: Connection, q: FindQuotesV1, now: datetime) -> tuple[list[OrderView], int]:
    where = _Where(["quote_number IS NOT NULL"], [])
    if q.quote_number:
        where.add("quote_number = $?", q.quote_number)
    if q.customer_id:
        where.add("customer_id = $?", q.customer_id)
    for pattern in like_words(q.customer_name or ""):
        where.add("search_key(customer_name) LIKE search_key($?)", pattern)
    if q.status:
        where.add(_QUOTE_STATUS[q.status], now)
    return await _page(conn, "orders", where, q.page, q.page_size, _quote, "doc, doc_schema")


def _quote(row: Any) -> OrderView:
    # a quote is always kept as a document (quotes came after order capture), in any schema version
    return order_documents.read(row["doc_schema"], row["doc"])


def _return(row: Any) -> ReturnOrderView:
    return stored_return.read(row["doc"])


async def _page(
    conn: Connection, table: str, where: _Where, page: int, size: int, read: Callable[[Any], T], columns: str
) -> tuple[list[T], int]:
    conditions = " AND ".join(where.conditions)  # fixed fragments; every value is a parameter
    n = len(where.args)
    sql = (
        f"SELECT {columns}, count(*) OVER () AS total_count FROM {table} WHERE {conditions}"  # noqa: S608 - fixed fragments
        f" ORDER BY updated_at DESC LIMIT ${n + 1} OFFSET ${n + 2}"
    )
    rows = await conn.fetch(sql, *where.args, size, (page - 1) * size)
    if rows:
        return [read(r) for r in rows], int(rows[0]["total_count"])
    count = f"SELECT count(*) FROM {table} WHERE {conditions}"  # noqa: S608 - fixed fragments
    return [], int(await conn.fetchval(count, *where.args))


# --- the pending orders grid (SRV-08) -----------------------------------------------------------------

_PENDING = """SELECT o.order_id, o.updated_at AS last_updated, o.updated_by, o.customer_id, o.customer_name,
    o.line_count, l.agent_id AS locked_by, o.assigned_to AS agent_id, (o.doc->>'pending_since')::timestamptz
    AS pending_since, o.currency, o.total, o.label, count(*) OVER () AS total_count
    FROM orders o LEFT JOIN order_locks l ON l.order_id = o.order_id AND l.expires_at > $1
    WHERE o.assigned_to IS NOT NULL AND ($2::text IS NULL OR o.assigned_to = $2)
    ORDER BY o.updated_at DESC, o.order_id LIMIT $3 OFFSET $4"""


async def pending_orders(
    conn: Connection, agent_id: str | None, now: datetime, page: int, size: int
) -> tuple[list[PendingOrderView], int]:
    rows = await conn.fetch(_PENDING, now, agent_id, size, (page - 1) * size)
    items = [
        PendingOrderView(locked=r["locked_by"] is not None, **{k: v for k, v in dict(r).items() if k != "total_count"})
        for r in rows
    ]
    if rows:
        return items, int(rows[0]["total_count"])
    total = await conn.fetchval(
        "SELECT count(*) FROM orders WHERE assigned_to IS NOT NULL AND ($1::text IS NULL OR assigned_to = $1)",
        agent_id,
    )
    return items, int(total)


# --- stock leaving with a shipment (SRV-11) --------------------------------------------------------


async def ship_stock(conn: Connection, order_id: uuid.UUID, lines: Sequence[tuple[int, str, int]]) -> None:
    """(line number, SKU, quantity) left the warehouse: the line's reservation shrinks by what it
    covered, and the stock on hand goes down (never below zero: fulfilment reports what it shipped)."""
    await stock_locks.products(conn, (sku for _, sku, _ in lines))  # all first, in the global order
    for line_no, sku, quantity in lines:
        covered = await conn.fetchval(
            """WITH r AS (SELECT quantity FROM stock_reservations WHERE order_id = $1 AND line_no = $2 FOR UPDATE),
                    d AS (DELETE FROM stock_reservations WHERE order_id = $1 AND line_no = $2 AND quantity <= $3),
                    u AS (UPDATE stock_reservations SET quantity = quantity - $3
                          WHERE order_id = $1 AND line_no = $2 AND quantity > $3)
               SELECT least(coalesce((SELECT quantity FROM r), 0), $3)""",
            order_id,
            line_no,
            quantity,
        )
        await conn.execute(
            "UPDATE products SET reserved = greatest(reserved - $2, 0), on_hand = greatest(on_hand - $3, 0)"
            " WHERE sku = $1",
            sku,
            int(covered),
            quantity,
        )


# --- returns (SRV-12) --------------------------------------------------------------------------------


async def insert_return(conn: Connection, doc: ReturnOrderView) -> None:
    await conn.execute(
        """INSERT INTO returns (return_id, return_number, order_id, order_number, customer_id, status, created_at,
               updated_at, doc) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb)""",
        doc.return_id,
        doc.return_number,
        doc.order_id,
        doc.order_number,
        doc.customer_id,
        doc.status,
        doc.created_at,
        doc.updated_at,
        stored_return.written(doc),
    )


async def update_return(conn: Connection, doc: ReturnOrderView) -> None:
    await conn.execute(
        "UPDATE returns SET status = $2, updated_at = $3, doc = $4::jsonb WHERE return_id = $1",
        doc.return_id,
        doc.status,
        doc.updated_at,
        stored_return.written(doc),
    )


_RETURN = "SELECT doc FROM returns WHERE return_id = $1 OR return_number = $2"
_RETURN_LOCKED = _RETURN + " FOR UPDATE"


async def load_return(
    conn: Connection, return_id: uuid.UUID | None, number: str | None = None, *, for_update: bool = False
) -> ReturnOrderView | None:
    row = await conn.fetchrow(_RETURN_LOCKED if for_update else _RETURN, return_id, number)
    return _return(row) if row else None


async def find_returns(conn: Connection, q: FindReturnsV1) -> tuple[list[ReturnOrderView], int]:
    where = _Where(["true"], [])
    if q.return_number:
        where.add("return_number = $?", q.return_number)
    if q.order_id:
        where.add("order_id = $?", q.order_id)
    if q.order_number:
        where.add("order_number = $?", q.order_number)
    if q.customer_id:
        where.add("customer_id = $?", q.customer_id)
    if q.status:
        where.add("status = $?", q.status)
    return await _page(conn, "returns", where, q.page, q.page_size, _return, "doc")


async def returns_of(conn: Connection, order_id: uuid.UUID) -> list[ReturnOrderView]:
    rows = await conn.fetch("SELECT doc FROM returns WHERE order_id = $1 ORDER BY created_at, return_number", order_id)
    return [_return(r) for r in rows]
