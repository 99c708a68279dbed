"""SQL of the catalog: products and stock, discount rules, coupons. Functions take a connection;
the caller owns the transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from contracts.common import Money
from contracts.orders import (
    ProductView,
    SearchCatalogV1,
    UpsertCouponV1,
    UpsertDiscountRuleV1,
    UpsertProductV1,
)
from services.orders.adapters import stock_locks
from services.orders.adapters.order_store import like_words
from services.orders.domain.catalog import Coupon, Product
from services.orders.domain.pricing import CouponTerms, Rule
from services.runtime.db import Connection
from services.runtime.handling import Context


def _prices(raw: str) -> dict[str, Decimal]:
    return {currency: Decimal(amount) for currency, amount in json.loads(raw).items()}


def _product(row: Any) -> Product:
    return Product(
        sku=row["sku"],
        name=row["name"],
        prices=_prices(row["prices"]),
        trackable=row["trackable"],
        stocked=row["stocked"],
        backorderable=row["backorderable"],
        active=row["active"],
        on_hand=row["on_hand"],
        reserved=row["reserved"],
    )


_PRODUCTS = "SELECT * FROM products WHERE sku = ANY($1::text[]) ORDER BY sku"
_PRODUCTS_LOCKED = _PRODUCTS + " FOR UPDATE"
_COUPONS = "SELECT * FROM coupons WHERE code = ANY($1::text[]) ORDER BY code"
_COUPONS_LOCKED = _COUPONS + " FOR UPDATE"


async def products(conn: Connection, skus: Iterable[str], *, for_update: bool = False) -> dict[str, Product]:
    """The products named; with ``for_update``, locked in the global lock order (stock_locks.py),
    so that no two transactions (batches of any instances) deadlock over them."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    if for_update:
        await stock_locks.products(conn, wanted)
    sql = _PRODUCTS_LOCKED if for_update else _PRODUCTS
    return {r["sku"]: _product(r) for r in await conn.fetch(sql, wanted)}


def _view(row: Any) -> ProductView:
    prices = _prices(row["prices"])
    return ProductView(
        sku=row["sku"],
        name=row["name"],
        description=row["description"],
        category=row["category"],
        prices=[Money(amount=amount, currency=currency) for currency, amount in sorted(prices.items())],
        trackable=row["trackable"],
        stocked=row["stocked"],
        backorderable=row["backorderable"],
        active=row["active"],
        on_hand=row["on_hand"],
        reserved=row["reserved"],
        available=max(row["on_hand"] - row["reserved"], 0),
        version=row["version"],
        updated_at=row["updated_at"],
    )


async def product_view(conn: Connection, sku: str) -> ProductView | None:
    row = await conn.fetchrow("SELECT * FROM products WHERE sku = $1", sku)
    return _view(row) if row else None


async def upsert_product(conn: Connection, cmd: UpsertProductV1, actor: str, now: datetime) -> tuple[ProductView, bool]:
    prices = json.dumps({p.currency: str(p.amount) for p in cmd.prices}, sort_keys=True)
    await stock_locks.products(conn, [cmd.sku])
    row = await conn.fetchrow(
        """INSERT INTO products (sku, name, description, category, prices, trackable, stocked, backorderable, active,
               on_hand, reserved, version, updated_at, updated_by)
           VALUES ($1,$2,$3,$4,$5::jsonb,$6,$7,$8,$9,coalesce($10, 0),0,1,$11,$12)
           ON CONFLICT (sku) DO UPDATE SET name=$2, description=$3, category=$4, prices=$5::jsonb, trackable=$6,
               stocked=$7, backorderable=$8, active=$9, on_hand=coalesce($10, products.on_hand),
               version=products.version + 1, updated_at=$11, updated_by=$12
           RETURNING *, (xmax = 0) AS created""",
        cmd.sku,
        cmd.name,
        cmd.description,
        cmd.category,
        prices,
        cmd.trackable,
        cmd.stocked,
        cmd.backorderable,
        cmd.active,
        cmd.on_hand,
        now,
        actor,
    )
    assert row is not None
    if cmd.on_hand is not None:
        await _movement(conn, cmd.sku, 0, row["on_hand"], "stock level set by catalog upsert", actor, now)
    return _view(row), bool(row["created"])


async def adjust_stock(
    conn: Connection, sku: str, delta: int, reason: str, actor: str, now: datetime
) -> ProductView | None:
    """None when the SKU is unknown. Raises CheckViolationError when stock would go below zero."""
    await stock_locks.products(conn, [sku])
    row = await conn.fetchrow(
        "UPDATE products SET on_hand = on_hand + $2, version = version + 1, updated_at = $3, updated_by = $4"
        " WHERE sku = $1 RETURNING *",
        sku,
        delta,
        now,
        actor,
    )
    if row is None:
        return None
    await _movement(conn, sku, delta, row["on_hand"], reason, actor, now)
    return _view(row)


async def _movement(
    conn: Connection, sku: str, delta: int, on_hand: int, reason: str, actor: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO stock_movements (sku, delta, on_hand, reason, moved_by, moved_at) VALUES ($1,$2,$3,$4,$5,$6)",
        sku,
        delta,
        on_hand,
        reason,
        actor,
        now,
    )


async def search(conn: Connection, q: SearchCatalogV1) -> tuple[list[ProductView], int]:
    conditions, args = ["true"], []

    def add(condition: str, value: Any) -> None:
        args.append(value)
        conditions.append(condition.replace("$?", f"${len(args)}"))

    for pattern in like_words(q.text or ""):
        add("search_text LIKE search_key($?)", pattern)
    if q.category:
        add("lower(category) = lower($?)", q.category)
    if q.currency:
        add("prices ? $?", q.currency)
    if q.in_stock_only:
        conditions.append("(NOT stocked OR on_hand > reserved)")
    if not q.include_inactive:
        conditions.append("active")
    args += [q.page_size, (q.page - 1) * q.page_size]
    n = len(args)
    rows = await conn.fetch(
        "SELECT *, count(*) OVER () AS total_count FROM products WHERE "  # noqa: S608 - fixed fragments
        + " AND ".join(conditions)
        + f" ORDER BY name, sku LIMIT ${n - 1} OFFSET ${n}",
        *args,
    )
    if rows:
        return [_view(r) for r in rows], rows[0]["total_count"]
    sql = "SELECT count(*) FROM products WHERE " + " AND ".join(conditions)  # noqa: S608 - fixed fragments
    return [], int(await conn.fetchval(sql, *args[:-2]))


# --- discount rules and coupons -------------------------------------------------------------------


async def upsert_rule(ctx: Context[Any], cmd: UpsertDiscountRuleV1) -> int:
    ctx.batch.pop(_RULES_KEY, None)
    conn, actor, now = ctx.conn, ctx.actor.agent_id, ctx.now
    return int(
        await conn.fetchval(
            """INSERT INTO discount_rules (code, description, level, kind, value, currency, sku, min_quantity,
                   min_subtotal, valid_from, valid_to, active, version, updated_at, updated_by)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,1,$13,$14)
               ON CONFLICT (code) DO UPDATE SET description=$2, level=$3, kind=$4, value=$5, currency=$6, sku=$7,
                   min_quantity=$8, min_subtotal=$9, valid_from=$10, valid_to=$11, active=$12,
                   version=discount_rules.version + 1, updated_at=$13, updated_by=$14
               RETURNING version""",
            cmd.code,
            cmd.description,
            cmd.level,
            cmd.kind,
            cmd.value,
            cmd.currency,
            cmd.sku,
            cmd.min_quantity,
            cmd.min_subtotal,
            cmd.valid_from,
            cmd.valid_to,
            cmd.active,
            now,
            actor,
        )
    )


_RULES_KEY = "discount_rules"


async def active_rules(ctx: Context[Any]) -> list[Rule]:
    """The rules in effect at ``ctx.now``. Every active rule is read once per transaction and
    shared by the batch's messages (a round trip less per order at load);
    :func:`upsert_rule` drops the shared copy."""
    enabled = ctx.batch.get(_RULES_KEY)
    if enabled is None:
        rows = await ctx.conn.fetch(
            """SELECT code, description, level, kind, value, currency, sku, min_quantity, min_subtotal, valid_from,
                   valid_to FROM discount_rules WHERE active ORDER BY code"""
        )
        enabled = ctx.batch[_RULES_KEY] = [Rule(**dict(r)) for r in rows]
    return [rule for rule in enabled if rule.valid_at(ctx.now)]


async def upsert_coupon(conn: Connection, cmd: UpsertCouponV1, actor: str, now: datetime) -> tuple[int, int]:
    await stock_locks.coupons(conn, [cmd.code])
    row = await conn.fetchrow(
        """INSERT INTO coupons (code, description, kind, value, currency, min_subtotal, valid_from, valid_to,
               max_uses, uses, once_per_customer, active, version, updated_at, updated_by)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,0,$10,$11,1,$12,$13)
           ON CONFLICT (code) DO UPDATE SET description=$2, kind=$3, value=$4, currency=$5, min_subtotal=$6,
               valid_from=$7, valid_to=$8, max_uses=$9, once_per_customer=$10, active=$11,
               version=coupons.version + 1, updated_at=$12, updated_by=$13
           RETURNING version, uses""",
        cmd.code,
        cmd.description,
        cmd.kind,
        cmd.value,
        cmd.currency,
        cmd.min_subtotal,
        cmd.valid_from,
        cmd.valid_to,
        cmd.max_uses,
        cmd.once_per_customer,
        cmd.active,
        now,
        actor,
    )
    assert row is not None
    return row["version"], row["uses"]


async def coupons(conn: Connection, codes: Iterable[str], *, for_update: bool = False) -> dict[str, Coupon]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    if for_update:
        await stock_locks.coupons(conn, wanted)
    sql = _COUPONS_LOCKED if for_update else _COUPONS
    return {r["code"]: _coupon(r) for r in await conn.fetch(sql, wanted)}


def _coupon(row: Any) -> Coupon:
    return Coupon(
        terms=CouponTerms(
            code=row["code"],
            description=row["description"],
            kind=row["kind"],
            value=row["value"],
            currency=row["currency"],
            min_subtotal=row["min_subtotal"],
        ),
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        once_per_customer=row["once_per_customer"],
        active=row["active"],
    )
