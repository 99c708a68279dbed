"""The payment worker (MNY-01): asks again for the movements a provider could not be reached for,
each with its own idempotency key, backing off as services/runtime/retry.py says. When the provider
answers, the order gets a new version: the ``payment_pending`` hold and its alert go, a decline puts
the order on the payment hold, and PaymentMovementV1 tells what happened."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from contracts.envelope import Actor, Event, Role
from contracts.orders import OrderView
from services.orders.adapters import order_store as store
from services.orders.adapters.deps import OrdersDeps
from services.orders.adapters.money import movement_events
from services.orders.adapters.payment_store import PgPaymentLedger, orders_with_pending_movements
from services.orders.application.payments import MoneyRequest, Mover
from services.orders.domain import holds
from services.orders.domain import ledger as money
from services.orders.domain import order as domain
from services.orders.domain.ledger import Movement, PaymentLedger
from services.orders.domain.payment_state import instructions, with_payment_state
from services.runtime.db import Connection
from services.runtime.retry import RetryPolicy
from services.runtime.service import Runtime

logger = logging.getLogger(__name__)

WORKER = Actor(agent_id="payment-worker", role=Role.SYSTEM)


def policy(deps: OrdersDeps) -> RetryPolicy:
    s = deps.settings
    # Within one command the attempts are bounded; here, for ever: the provider comes back.
    return RetryPolicy(base_s=s.payment_retry_base_s, max_s=s.payment_retry_max_s, max_attempts=2**31)


async def payment_worker(runtime: Runtime[OrdersDeps]) -> None:
    while True:
        try:
            await retry_pending(runtime)
        except (OSError, asyncpg.PostgresError):  # the database away: the next round tries again
            logger.warning("payment worker round failed; retrying", exc_info=True)
        await asyncio.sleep(runtime.deps.settings.payment_worker_interval_s)


async def retry_pending(runtime: Runtime[OrdersDeps]) -> int:
    """One round: every order with a movement due for another attempt. Returns how many were answered."""
    now = datetime.now(UTC)
    async with runtime.pool.acquire() as conn:
        order_ids = await orders_with_pending_movements(conn, now, 50)
    answered = 0
    for order_id in order_ids:
        async with runtime.pool.acquire() as conn, conn.transaction():
            answered += await _retry_order(runtime, conn, order_id, now)
    return answered


async def _retry_order(runtime: Runtime[OrdersDeps], conn: Connection, order_id: object, now: datetime) -> int:
    order = await store.load_order(conn, order_id, for_update=True)  # type: ignore[arg-type]
    if order is None:
        return 0
    repo = PgPaymentLedger(conn)
    ledger = await repo.load(order.order_id, order.currency)
    backoff = policy(runtime.deps)
    due = [m for m in ledger.pending if m.at + timedelta(seconds=backoff.delay(m.attempts)) <= now]
    mover = Mover(repo, runtime.deps.providers, backoff)
    done: list[Movement] = []
    for movement in due:
        if movement.kind == "refund" and ledger.capturing(movement.authorization):
            continue  # it gives back a capture still unanswered: asked after it, not before
        request = MoneyRequest(
            order.order_id,
            order.order_number or "",
            order.currency,
            movement.movement_id,
            movement.reason,
            movement.cause,  # asked again for the use case that asked first
            now,
        )
        updated = await mover.retry(movement, instructions(order).get(movement.payment_id), request)
        ledger = ledger.recorded(updated)
        if updated.status != "pending":
            done.append(updated)
    if done and order.status == "cancelled" and ledger.totals().secured > 0:
        # Authorized only after the order was cancelled: given back at once.
        release = MoneyRequest(
            order.order_id,
            order.order_number or "",
            order.currency,
            uuid.uuid5(order.order_id, f"release-after-cancel:{len(ledger.movements)}"),
            "authorized after the order was cancelled",
            "cancel",  # what the cancel would have released, had it been authorized then
            now,
        )
        planned = money.plan_release(None, ledger)
        ledger, released = await mover.carry_out(ledger, planned, instructions(order), release)
        done += released
    if done:
        await save_worker_movements(runtime, conn, order, ledger, done, now)
    return len(done)


async def save_worker_movements(
    runtime: Runtime[OrdersDeps],
    conn: Connection,
    order: OrderView,
    ledger: PaymentLedger,
    done: list[Movement],
    now: datetime,
    *,
    worker: Actor = WORKER,
    change: str = "payment_answered",
    reason: str = "the payment provider answered",
) -> None:
    """What a payment worker moved, saved as a new version of the order by ``worker`` (holds and
    payment state recomputed from the ledger), with the order's events and one per movement."""
    stamped = holds.with_holds(domain.next_version(with_payment_state(order, ledger, now), now, worker.agent_id))
    saved, notices = holds.notices(stamped, reason)
    await store.update_order(conn, saved, change, reason)
    events: list[Event] = [domain.updated_event(saved, change, reason), *notices]
    events += movement_events(saved, ledger, done)
    await runtime.dispatcher.emit_standalone_many(conn, [(e, None) for e in events], worker)
