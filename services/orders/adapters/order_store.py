"""SQL of carts and orders, their versions, comments, stock reservations and coupon redemptions.
Functions take a connection; the caller owns the transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.orders import CommentView, FindOrdersV1, OrderSummaryView, OrderView, VersionInfo
from services.orders.adapters import order_documents, stock_locks
from services.orders.domain.cart import CustomerName
from services.runtime.db import Connection

_ORDER_COLUMNS = """order_id, order_number, customer_id, status, currency, total, email, language, version,
    created_at, created_by, updated_at, updated_by, doc, holds, guest, customer_name, ship_to_names, line_count,
    label, submitted_at, backorder_of, quote_number, expires_at, assigned_to, doc_schema"""


class OrderSequence:
    """Order sequence numbers drawn from PostgreSQL a block at a time: one round trip per
    ``block`` orders instead of one per order. A number is never handed out twice (a sequence
    never goes back, not even when the transaction that drew it rolls back); what a stopped
    process had not used yet is a gap, as a rolled-back transaction's number always was."""

    def __init__(self, block: int = 32) -> None:
        self.block = block
        self._drawn: list[int] = []

    async def next(self, conn: Connection) -> int:
        if not self._drawn:
            rows = await conn.fetch("SELECT nextval('order_number_seq') AS n FROM generate_series(1, $1)", self.block)
            self._drawn = sorted((int(r["n"]) for r in rows), reverse=True)
        return self._drawn.pop()


def customer_name(order: OrderView) -> str | None:
    return " ".join(n for n in (order.first_name, order.last_name) if n) or None


def ship_to_names(order: OrderView) -> str | None:
    targets = [order.ship_to] + [ln.ship_to for ln in order.lines]
    names = []
    for target in targets:
        if target is None:
            continue
        name = " ".join(n for n in (target.address.first_name, target.address.last_name) if n)
        if name and name not in names:
            names.append(name)
    return " | ".join(names) or None


def _order_values(order: OrderView) -> tuple[Any, ...]:
    return (
        order.order_id,
        order.order_number,
        order.customer_id,
        order.status,
        order.currency,
        order.totals.total,
        order.email,
        order.language,
        order.version,
        order.created_at,
        order.created_by,
        order.updated_at,
        order.updated_by,
        order_documents.written(order),
        order.holds,
        order.guest,
        customer_name(order),
        ship_to_names(order),
        len(order.lines),
        order.label,
        order.submitted_at,
        order.backorder_of,
    )


# One statement each (PostgreSQL runs the data-modifying CTEs together): the order row, its lines
# and the new version row go in one round trip, which is most of what a change costs.
_LINES_AND_VERSION = """
    l AS (
        INSERT INTO order_lines (order_id, line_no, sku, description, quantity, unit_price, line_total, discount, tax,
            reserved_quantity, backordered_quantity)
        SELECT $1::uuid, * FROM unnest($23::int[], $24::text[], $25::text[], $26::int[], $27::numeric[],
            $28::numeric[], $29::numeric[], $30::numeric[], $31::int[], $32::int[])
        ON CONFLICT (order_id, line_no) DO UPDATE SET sku = excluded.sku, description = excluded.description,
            quantity = excluded.quantity, unit_price = excluded.unit_price, line_total = excluded.line_total,
            discount = excluded.discount, tax = excluded.tax, reserved_quantity = excluded.reserved_quantity,
            backordered_quantity = excluded.backordered_quantity
    )
    INSERT INTO order_versions (order_id, version, snapshot, reason, change, changed_by, changed_at)
    VALUES ($1::uuid, $9, $14::jsonb, $33, $34, $13, $12)"""

_INSERT = (
    f"WITH o AS (INSERT INTO orders ({_ORDER_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14::jsonb,"  # noqa: S608 - constants
    "$15,$16,$17,$18,$19,$20,$21,$22,$35,$36,$37,$38))," + _LINES_AND_VERSION
)
_UPDATE_ORDER = """WITH o AS (UPDATE orders SET order_number=$2, customer_id=$3, status=$4, currency=$5, total=$6,
        email=$7, language=$8, version=$9, created_at=$10, created_by=$11, updated_at=$12, updated_by=$13,
        doc=$14::jsonb, holds=$15, guest=$16, customer_name=$17, ship_to_names=$18, line_count=$19, label=$20,
        submitted_at=$21, backorder_of=$22, quote_number=$35, expires_at=$36, assigned_to=$37,
        doc_schema=$38 WHERE order_id=$1),
    d AS (DELETE FROM order_lines WHERE order_id = $1 AND NOT (line_no = ANY($23::int[]))),"""
_UPDATE = _UPDATE_ORDER + _LINES_AND_VERSION


def _line_arrays(order: OrderView) -> list[list[Any]]:
    lines = order.lines
    return [
        [ln.line_no for ln in lines],
        [ln.sku for ln in lines],
        [ln.name for ln in lines],
        [ln.quantity for ln in lines],
        [ln.unit_price for ln in lines],
        [ln.net for ln in lines],
        [ln.discount for ln in lines],
        [ln.tax for ln in lines],
        [ln.reserved_quantity for ln in lines],
        [ln.backordered_quantity for ln in lines],
    ]


def _servicing_values(order: OrderView) -> tuple[Any, ...]:
    # Only a cart can be pending (SRV-07): a submitted or voided one leaves the pending grid.
    pending_for = order.assigned_to if order.status == "cart" else None
    return (order.quote_number, order.expires_at, pending_for, order_documents.CURRENT)


async def insert_order(conn: Connection, order: OrderView, change: str, reason: str) -> None:
    """Raises UniqueViolationError when the order id is taken."""
    await conn.execute(_INSERT, *_order_values(order), *_line_arrays(order), reason, change, *_servicing_values(order))


async def update_order(conn: Connection, order: OrderView, change: str, reason: str) -> None:
    await conn.execute(_UPDATE, *_order_values(order), *_line_arrays(order), reason, change, *_servicing_values(order))


_ORDER = "SELECT * FROM orders WHERE order_id = $1"
_ORDER_LOCKED = _ORDER + " FOR UPDATE"


async def load_order(conn: Connection, order_id: uuid.UUID, *, for_update: bool = False) -> OrderView | None:
    row = await conn.fetchrow(_ORDER_LOCKED if for_update else _ORDER, order_id)
    return await _view(conn, row) if row else None


async def load_order_by_number(conn: Connection, number: str) -> OrderView | None:
    row = await conn.fetchrow("SELECT * FROM orders WHERE order_number = $1", number)
    return await _view(conn, row) if row else None


async def _view(conn: Connection, row: Any) -> OrderView:
    if row["doc_schema"] > 1:
        return order_documents.read(row["doc_schema"], row["doc"])
    return order_documents.read(1, await _columns_document(conn, row))


async def _columns_document(conn: Connection, row: Any) -> order_documents.Document:
    """Orders placed before order capture kept only columns and lines: their document of version 1."""
    lines = await conn.fetch("SELECT * FROM order_lines WHERE order_id = $1 ORDER BY line_no", row["order_id"])
    columns = ("order_id", "order_number", "status", "customer_id", "email", "language", "currency", "total")
    stamps = ("version", "created_at", "created_by", "updated_at", "updated_by")
    line_columns = ("line_no", "sku", "description", "quantity", "unit_price", "line_total")
    return {
        **{k: row[k] for k in columns + stamps},
        "lines": [{k: ln[k] for k in line_columns} for ln in lines],
    }


# --- versions and comments -----------------------------------------------------------------------


def _version_info(row: Any) -> VersionInfo:
    return VersionInfo(
        version=row["version"],
        change=row["change"],
        reason=row["reason"],
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
    )


async def versions(conn: Connection, order_id: uuid.UUID) -> list[VersionInfo]:
    rows = await conn.fetch(
        "SELECT version, change, reason, changed_by, changed_at FROM order_versions WHERE order_id = $1"
        " ORDER BY version",
        order_id,
    )
    return [_version_info(r) for r in rows]


async def version(conn: Connection, order_id: uuid.UUID, number: int) -> tuple[VersionInfo, dict[str, Any]] | None:
    row = await conn.fetchrow("SELECT * FROM order_versions WHERE order_id = $1 AND version = $2", order_id, number)
    if row is None:
        return None
    return _version_info(row), json.loads(row["snapshot"])


async def insert_comment(conn: Connection, order_id: uuid.UUID, comment: CommentView) -> None:
    await conn.execute(
        "INSERT INTO order_comments (comment_id, order_id, text, visibility, added_by, added_at)"
        " VALUES ($1,$2,$3,$4,$5,$6)",
        comment.comment_id,
        order_id,
        comment.text,
        comment.visibility,
        comment.added_by,
        comment.added_at,
    )


async def comments(conn: Connection, order_id: uuid.UUID) -> list[CommentView]:
    rows = await conn.fetch(
        "SELECT comment_id, text, visibility, added_by, added_at FROM order_comments WHERE order_id = $1"
        " ORDER BY added_at, comment_id",
        order_id,
    )
    return [CommentView(**dict(r)) for r in rows]


# --- find (ORD-12) ------------------------------------------------------------------------------------


def like_words(text: str) -> list[str]:
    """``%word%`` patterns, one per word, with LIKE's wildcards in the input taken literally. The
    SQL compares them as ``search_key(column) LIKE search_key($n)`` (runtime migration 010: case
    and accents ignored in every script), so no folding happens here: Python's and PostgreSQL's
    rules must not be mixed."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [f"%{word}%" for word in escaped.split()]


@dataclass
class _Where:
    conditions: list[str]
    args: list[Any]

    def add(self, condition: str, value: Any) -> None:
        self.args.append(value)
        self.conditions.append(condition.replace("$?", f"${len(self.args)}"))


_FIND = """SELECT order_id, order_number, status, holds, customer_id, customer_name, ship_to_names AS ship_to_name,
    currency, total, line_count, label, version, updated_at, updated_by, submitted_at, count(*) OVER () AS total_count
    FROM orders"""


async def find_orders(conn: Connection, q: FindOrdersV1) -> tuple[list[OrderSummaryView], int]:
    where = _Where(["true"], [])
    if q.order_number:
        where.add("order_number = $?", q.order_number)
    if q.status:
        where.add("status = $?", q.status)
    if q.hold:
        where.add("$? = ANY(holds)", q.hold)
    if q.customer_id:
        where.add("customer_id = $?", q.customer_id)
    for pattern in like_words(q.customer_name or ""):
        where.add("search_key(customer_name) LIKE search_key($?)", pattern)
    for pattern in like_words(q.ship_to_name or ""):
        where.add("search_key(ship_to_names) LIKE search_key($?)", pattern)
    where.args += [q.page_size, (q.page - 1) * q.page_size]
    n = len(where.args)
    conditions = " AND ".join(where.conditions)  # fixed fragments; every value is a parameter
    sql = f"{_FIND} WHERE {conditions} ORDER BY updated_at DESC, order_id LIMIT ${n - 1} OFFSET ${n}"
    rows = await conn.fetch(sql, *where.args)
    total = rows[0]["total_count"] if rows else await _count(conn, where)
    return [OrderSummaryView(**{k: v for k, v in dict(r).items() if k != "total_count"}) for r in rows], total


async def _count(conn: Connection, where: _Where) -> int:
    # A page past the end has no rows to carry the count.
    sql = "SELECT count(*) FROM orders WHERE " + " AND ".join(where.conditions)  # noqa: S608 - fixed fragments
    return int(await conn.fetchval(sql, *where.args[:-2]))


# --- stock reservations and coupon redemptions ----------------------------------------------------


async def reserve_stock(
    conn: Connection, order_id: uuid.UUID, lines: Sequence[tuple[int, str, int]], now: datetime
) -> None:
    """Reserve (line number, SKU, quantity) for an order: available-to-promise goes down."""
    lines = [ln for ln in lines if ln[2] > 0]
    if not lines:
        return
    await stock_locks.products(conn, (sku for _, sku, _ in lines))  # held already when they were read
    await conn.execute(
        """WITH r AS (
               INSERT INTO stock_reservations (order_id, line_no, sku, quantity, reserved_at)
               SELECT $1::uuid, u.line_no, u.sku, u.quantity, $5::timestamptz
               FROM unnest($2::int[], $3::text[], $4::int[]) AS u(line_no, sku, quantity)
               RETURNING sku, quantity)
           UPDATE products p SET reserved = p.reserved + s.quantity
           FROM (SELECT sku, sum(quantity) AS quantity FROM r GROUP BY sku) s WHERE p.sku = s.sku""",
        order_id,
        [no for no, _, _ in lines],
        [sku for _, sku, _ in lines],
        [qty for _, _, qty in lines],
        now,
    )


async def release_stock(conn: Connection, order_id: uuid.UUID) -> int:
    """Give back what an order reserved (cancel, SRV-09). Returns the units released."""
    rows = await conn.fetch("DELETE FROM stock_reservations WHERE order_id = $1 RETURNING sku, quantity", order_id)
    by_sku: dict[str, int] = {}
    for r in rows:
        by_sku[r["sku"]] = by_sku.get(r["sku"], 0) + r["quantity"]
    await stock_locks.products(conn, by_sku)
    await conn.executemany(
        "UPDATE products SET reserved = greatest(reserved - $2, 0) WHERE sku = $1", sorted(by_sku.items())
    )
    return sum(by_sku.values())


async def used_coupons(conn: Connection, codes: Iterable[str], customer_id: uuid.UUID) -> set[str]:
    codes = list(codes)
    if not codes:
        return set()
    rows = await conn.fetch(
        "SELECT DISTINCT code FROM coupon_redemptions WHERE code = ANY($1::text[]) AND customer_id = $2",
        codes,
        customer_id,
    )
    return {r["code"] for r in rows}


async def redeem_coupons(
    conn: Connection, codes: Sequence[str], order_id: uuid.UUID, customer_id: uuid.UUID, now: datetime
) -> None:
    if not codes:
        return
    await conn.executemany(
        "INSERT INTO coupon_redemptions (code, order_id, customer_id, redeemed_at) VALUES ($1,$2,$3,$4)",
        [(code, order_id, customer_id, now) for code in codes],
    )
    await stock_locks.coupons(conn, codes)
    await conn.execute("UPDATE coupons SET uses = uses + 1 WHERE code = ANY($1::text[])", list(codes))


# --- what orders knows of customers ---------------------------------------------------------------


async def lock_customer(conn: Connection, customer_id: uuid.UUID) -> None:
    """Serialize, per customer, reading a customer's names for a new cart with storing them from an
    event: else a cart created while the event is handled would be missed by both. In the global
    lock order, so a batch of events for several customers cannot deadlock with another."""
    await stock_locks.customer(conn, customer_id)


async def customer(conn: Connection, customer_id: uuid.UUID) -> CustomerName | None:
    await lock_customer(conn, customer_id)
    row = await conn.fetchrow(
        "SELECT first_name, last_name, email, language FROM customer_names WHERE customer_id = $1", customer_id
    )
    return CustomerName(**dict(row)) if row else None


async def remember_customer(conn: Connection, customer_id: uuid.UUID, who: CustomerName, now: datetime) -> None:
    await lock_customer(conn, customer_id)
    await conn.execute(
        """INSERT INTO customer_names (customer_id, first_name, last_name, email, language, updated_at)
           VALUES ($1,$2,$3,$4,$5,$6)
           ON CONFLICT (customer_id) DO UPDATE SET first_name = $2, last_name = $3, email = $4, language = $5,
               updated_at = $6""",
        customer_id,
        who.first_name,
        who.last_name,
        who.email,
        who.language,
        now,
    )
    name = " ".join(n for n in (who.first_name, who.last_name) if n) or None
    await conn.execute("UPDATE orders SET customer_name = $2 WHERE customer_id = $1", customer_id, name)
