"""The re-authorization worker (MNY-02): every ``OMS_REAUTHORIZE_INTERVAL_S`` it looks for orders
still to ship with an authorization older than ``OMS_REAUTHORIZE_AFTER_S`` of a provider whose
authorizations expire, and replaces it (domain/reauthorization.py): a new authorization of what the
old one still holds, then the old one voided. Each order in its own transaction with the order
row locked, like a command; the idempotency keys derive from the old authorization, so a round
that died half-way asks the provider the same questions again and is answered the same."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from contracts.envelope import Actor, Role
from services.orders.adapters import order_store as store
from services.orders.adapters.deps import OrdersDeps
from services.orders.adapters.payment_store import PgPaymentLedger
from services.orders.adapters.payment_worker import save_worker_movements
from services.orders.application.payments import MoneyRequest, Mover
from services.orders.domain import reauthorization
from services.orders.domain.ledger import Movement
from services.orders.domain.payment_state import instructions
from services.runtime.db import Connection
from services.runtime.retry import RetryPolicy
from services.runtime.service import Runtime

logger = logging.getLogger(__name__)

WORKER = Actor(agent_id="reauthorization-worker", role=Role.SYSTEM)


async def reauthorization_worker(runtime: Runtime[OrdersDeps]) -> None:
    while True:
        try:
            await reauthorize_due(runtime)
        except (OSError, asyncpg.PostgresError):  # the database away: the next round tries again
            logger.warning("re-authorization round failed; retrying", exc_info=True)
        await asyncio.sleep(runtime.deps.settings.reauthorize_interval_s)


async def reauthorize_due(runtime: Runtime[OrdersDeps]) -> int:
    """One round; how many authorizations were replaced."""
    s = runtime.deps.settings
    now = datetime.now(UTC)
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT DISTINCT m.order_id FROM payment_movements m JOIN orders o ON o.order_id = m.order_id"
            " WHERE m.kind = 'authorize' AND m.status = 'succeeded' AND m.updated_at <= $1"
            " AND m.provider = ANY($2::text[]) AND o.status IN ('submitted', 'partially_shipped')"
            " AND NOT EXISTS (SELECT 1 FROM payment_movements v WHERE v.order_id = m.order_id"
            "   AND v.kind = 'void' AND v.status = 'succeeded' AND v.authorization_ref = m.authorization_ref)"
            " LIMIT 50",
            now - timedelta(seconds=s.reauthorize_after_s),
            list(s.reauthorize_providers),
        )
    renewed = 0
    for row in rows:
        async with runtime.pool.acquire() as conn, conn.transaction():
            renewed += await _renew(runtime, conn, row["order_id"], now)
    return renewed


async def _renew(runtime: Runtime[OrdersDeps], conn: Connection, order_id: uuid.UUID, now: datetime) -> int:
    order = await store.load_order(conn, order_id, for_update=True)
    if order is None or order.order_number is None:
        return 0
    s = runtime.deps.settings
    repo = PgPaymentLedger(conn)
    ledger = await repo.load(order.order_id, order.currency)
    usable = [i.payment_id for i in instructions(order).values() if i.usable]
    due = reauthorization.due(
        ledger, order.status, now, timedelta(seconds=s.reauthorize_after_s), s.reauthorize_providers, usable
    )
    policy = RetryPolicy(
        base_s=s.payment_retry_base_s, max_s=s.payment_retry_max_s, max_attempts=s.payment_retry_attempts
    )
    mover = Mover(repo, runtime.deps.providers, policy)
    done: list[Movement] = []
    for renewal in due:
        request = MoneyRequest(
            order.order_id,
            order.order_number,
            order.currency,
            renewal.request_id(order.order_id),
            f"re-authorized before authorization {renewal.old.reference} expires",
            "reauthorization",
            now,
        )
        ledger, asked = await mover.carry_out(ledger, [renewal.authorize], instructions(order), request)
        done += asked
        # The old one goes only once the new one holds; a new one still pending is answered by the
        # payment worker, and the next round voids the old one (same keys, nothing asked twice).
        if asked and all(m.status == "succeeded" for m in asked):
            ledger, voided = await mover.carry_out(ledger, [renewal.void], instructions(order), request)
            done += voided
    if done:
        await save_worker_movements(
            runtime,
            conn,
            order,
            ledger,
            done,
            now,
            worker=WORKER,
            change="reauthorized",
            reason="payment re-authorized before its authorization expires",
        )
    return sum(1 for m in done if m.kind == "void" and m.status == "succeeded")
