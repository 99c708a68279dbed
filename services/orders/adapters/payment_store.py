"""The payment ledger in PostgreSQL (migrations/006_payment_ledger.sql; each movement's cause: 009): all its SQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from contracts.iso import minor_units
from services.orders.domain.ledger import Movement, PaymentLedger
from services.runtime.db import Connection

_LOAD = """
    SELECT movement_id, payment_id, kind, amount, reason, cause, idempotency_key, provider, status, authorization_ref,
           reference, decline_reason, attempts, updated_at
    FROM payment_movements WHERE order_id = $1 ORDER BY created_at, movement_id
"""


def _movement(row: asyncpg.Record, currency: str) -> Movement:
    return Movement(
        movement_id=row["movement_id"],
        payment_id=row["payment_id"],
        kind=row["kind"],
        amount=Decimal(row["amount"]).quantize(Decimal(1).scaleb(-minor_units(currency))),
        reason=row["reason"],
        cause=row["cause"],
        idempotency_key=row["idempotency_key"],
        provider=row["provider"],
        status=row["status"],
        at=row["updated_at"],
        authorization=row["authorization_ref"],
        reference=row["reference"],
        decline_reason=row["decline_reason"],
        attempts=row["attempts"],
    )


class PgPaymentLedger:
    """The ledger repository on the transaction's connection: what it saves commits with the order."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def load(self, order_id: uuid.UUID, currency: str) -> PaymentLedger:
        rows = await self._conn.fetch(_LOAD, order_id)
        return PaymentLedger(order_id, currency, tuple(_movement(r, currency) for r in rows))

    async def save(self, order_id: uuid.UUID, currency: str, movement: Movement, message_id: uuid.UUID) -> None:
        await self._conn.execute(
            """
            INSERT INTO payment_movements (movement_id, order_id, payment_id, kind, amount, currency, reason,
                idempotency_key, provider, status, authorization_ref, reference, decline_reason, attempts,
                message_id, created_at, updated_at, cause)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17)
            ON CONFLICT (movement_id) DO UPDATE SET status = EXCLUDED.status,
                authorization_ref = EXCLUDED.authorization_ref, reference = EXCLUDED.reference,
                decline_reason = EXCLUDED.decline_reason, attempts = EXCLUDED.attempts,
                updated_at = EXCLUDED.updated_at
            """,
            movement.movement_id,
            order_id,
            movement.payment_id,
            movement.kind,
            movement.amount,
            currency,
            movement.reason,
            movement.idempotency_key,
            movement.provider,
            movement.status,
            movement.authorization,
            movement.reference,
            movement.decline_reason,
            movement.attempts,
            message_id,
            movement.at,
            movement.cause,
        )

    async def is_moto(self, payment_id: uuid.UUID) -> bool:
        moto = await self._conn.fetchval("SELECT moto FROM card_entries WHERE payment_id = $1", payment_id)
        return bool(moto)

    async def record_card_entry(self, payment_id: uuid.UUID, moto: bool, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO card_entries (payment_id, moto, entered_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (payment_id) DO NOTHING",
            payment_id,
            moto,
            at,
        )


async def orders_with_pending_movements(conn: Connection, before: datetime, limit: int) -> list[Any]:
    """Orders whose provider could not be reached, oldest first (the payment worker's queue)."""
    rows = await conn.fetch(
        "SELECT order_id, min(updated_at) AS since FROM payment_movements WHERE status = 'pending'"
        " AND updated_at <= $1 GROUP BY order_id ORDER BY since LIMIT $2",
        before,
        limit,
    )
    return [r["order_id"] for r in rows]
