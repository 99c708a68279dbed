"""Store credit and appeasements in PostgreSQL (migrations/007_store_credit.sql): all their SQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import asyncpg

from contracts.iso import minor_units
from contracts.orders import StoreCreditBalance, StoreCreditMovementView, StoreCreditView
from services.orders.domain.credit import CreditAccount, CreditMovement
from services.runtime.db import Connection

_SELECT = (
    "SELECT movement_id, customer_id, kind, amount, currency, source, reason, order_id, order_number, by_agent, at"
    " FROM store_credit_movements"
)


def _amount(value: Decimal, currency: str) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-minor_units(currency)))


def _movement(row: asyncpg.Record) -> CreditMovement:
    return CreditMovement(
        movement_id=row["movement_id"],
        customer_id=row["customer_id"],
        kind=row["kind"],
        amount=_amount(row["amount"], row["currency"]),
        currency=row["currency"],
        source=row["source"],
        reason=row["reason"],
        by=row["by_agent"],
        at=row["at"],
        order_id=row["order_id"],
        order_number=row["order_number"],
    )


class PgStoreCredit:
    """Store credit accounts on the message's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def account(self, customer_id: uuid.UUID, currency: str, *, for_update: bool = False) -> CreditAccount:
        if for_update:
            # One customer's movements one after the other (an issue and a redemption in two
            # partitions at once): the balance each is checked against is the one it changes.
            await self._conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('store_credit:' || $1::text, 0))", str(customer_id)
            )
        rows = await self._conn.fetch(
            _SELECT + " WHERE customer_id = $1 AND currency = $2 ORDER BY seq",
            customer_id,
            currency,
        )
        return CreditAccount(customer_id, currency, tuple(_movement(r) for r in rows))

    async def add(self, movement: CreditMovement) -> None:
        await self._conn.execute(
            "INSERT INTO store_credit_movements (movement_id, customer_id, kind, amount, currency, source, reason,"
            " order_id, order_number, by_agent, at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            movement.movement_id,
            movement.customer_id,
            movement.kind,
            movement.amount,
            movement.currency,
            movement.source,
            movement.reason,
            movement.order_id,
            movement.order_number,
            movement.by,
            movement.at,
        )

    async def movement(self, movement_id: uuid.UUID) -> CreditMovement | None:
        row = await self._conn.fetchrow(_SELECT + " WHERE movement_id = $1", movement_id)
        return _movement(row) if row else None


async def store_credit_view(
    conn: Connection, customer_id: uuid.UUID, currency: str | None, limit: int
) -> StoreCreditView:
    """GetStoreCreditV1: the balance per currency (the sum of the movements) and the latest movements."""
    balances = await conn.fetch(
        "SELECT currency, sum(CASE WHEN kind = 'redeemed' THEN -amount ELSE amount END) AS balance"
        " FROM store_credit_movements WHERE customer_id = $1 AND ($2::text IS NULL OR currency = $2)"
        " GROUP BY currency ORDER BY currency",
        customer_id,
        currency,
    )
    rows = await conn.fetch(
        _SELECT + " WHERE customer_id = $1 AND ($2::text IS NULL OR currency = $2) ORDER BY seq DESC LIMIT $3",
        customer_id,
        currency,
        limit,
    )
    return StoreCreditView(
        customer_id=customer_id,
        balances=[
            StoreCreditBalance(currency=b["currency"], balance=_amount(b["balance"], b["currency"])) for b in balances
        ],
        movements=[
            StoreCreditMovementView(
                movement_id=m.movement_id,
                kind=m.kind,
                amount=m.amount,
                currency=m.currency,
                source=m.source,
                reason=m.reason,
                order_id=m.order_id,
                order_number=m.order_number,
                by=m.by,
                at=m.at,
            )
            for m in map(_movement, rows)
        ],
    )


async def customer_of(conn: Connection, order_id: uuid.UUID) -> asyncpg.Record | None:
    """Whose order it is (a store credit redemption takes from her account)."""
    return await conn.fetchrow("SELECT customer_id, currency FROM orders WHERE order_id = $1", order_id)
