"""Stock reservations of concurrent batches cannot deadlock, whatever order their orders name the
products in (issue 20), against a real PostgreSQL with the orders service's tables.

Two dispatchers stand for two instances. Each handles a batch of two reservations in ONE
transaction: the first batch reserves product A then B, the second B then A, and both have taken
their first product before either asks for its second: the interleaving that deadlocks row locks
(the control test shows it does). With the global lock order (services/runtime/ordered_locks.py)
one of them waits in order and the other is cut before its out-of-order message: no deadlock, no
lost race retried, every reservation made once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import ConsumerRecord

from contracts.envelope import Actor, Envelope, Role
from contracts.orders import PlaceOrderV1
from devstack import StackEndpoints
from services.orders.adapters import catalog_store, order_store, stock_locks
from services.runtime import metrics, ordered_locks
from services.runtime.codec import encode
from services.runtime.db import create_pool, ensure_database, migrate
from services.runtime.dispatch import Dispatcher
from services.runtime.handling import Context, Handlers
from services.runtime.settings import ServiceSettings
from tests.support.fake_identity import FakeVerifier, authorization, fake_token
from tests.support.fakes import Sent

CHANNEL = Actor(agent_id="web-shop", role=Role.CHANNEL)
ORDERS_MIGRATIONS = Path(__file__).resolve().parents[2] / "services/orders/migrations"
SERVICE = "lock_order_probe"


@pytest.fixture
async def orders_pool(stack: StackEndpoints) -> AsyncIterator[asyncpg.Pool]:
    settings = ServiceSettings(service_name=SERVICE, db_name=f"locks_{uuid.uuid4().hex[:10]}", pg_dsn=stack.pg_dsn)
    await ensure_database(settings)
    pool = await create_pool(settings)
    await migrate(pool, ORDERS_MIGRATIONS)
    now = datetime.now(UTC)
    for sku in ("A", "B"):
        await pool.execute(
            "INSERT INTO products (sku, name, prices, trackable, stocked, backorderable, active, on_hand, version,"
            " updated_at, updated_by) VALUES ($1, $1, '{\"USD\": \"1.00\"}', true, true, false, true, 10, 1, $2, 'test')",
            sku,
            now,
        )
    yield pool
    await pool.close()


class Reservations:
    """The handler: reserve the order's one line the way submit does (the product locked for
    update, then reserved). The first message of each batch waits, once, until both batches hold
    their first product."""

    def __init__(self) -> None:
        self.both_hold_one = asyncio.Barrier(2)
        self.waited: set[uuid.UUID] = set()

    async def __call__(self, ctx: Context[None], cmd: PlaceOrderV1) -> None:
        (line,) = cmd.lines
        await catalog_store.products(ctx.conn, [line.sku], for_update=True)
        await order_store.reserve_stock(ctx.conn, ctx.envelope.message_id, [(1, line.sku, line.quantity)], ctx.now)
        batch = cmd.customer_id  # the messages of one batch carry the batch's id here
        if batch not in self.waited:  # the first message of the batch's first run
            self.waited.add(batch)
            await asyncio.wait_for(self.both_hold_one.wait(), 10)


def _batch(partition: int, skus: list[str]) -> list[ConsumerRecord[Any, Any]]:
    batch_id = uuid.uuid4()
    records = []
    for offset, sku in enumerate(skus):
        command = PlaceOrderV1(
            customer_id=batch_id,
            currency="USD",
            lines=[{"sku": sku, "quantity": 1, "unit_price": "1.00"}],
        )
        envelope = Envelope.wrap(command, actor=CHANNEL, reply_to="replies.probe")
        value = encode(envelope, "orders.commands", None).value
        headers = authorization(fake_token(CHANNEL))
        records.append(ConsumerRecord("orders.commands", partition, offset, 0, 0, None, value, None, 0, 0, headers))
    return records


def _dispatcher(pool: asyncpg.Pool, handler: Reservations | CountingReservations) -> Dispatcher[None]:
    handlers: Handlers[None] = Handlers()
    handlers.command(PlaceOrderV1)(handler)
    sent = Sent()
    settings = ServiceSettings(service_name=SERVICE)
    return Dispatcher(settings, pool, sent, sent, handlers, None, verifier=FakeVerifier())  # type: ignore[arg-type]


async def _deadlocks(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(await conn.fetchval("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))


@pytest.mark.capability("PLT-12")
async def test_two_batches_reserving_the_same_products_in_opposite_orders_do_not_deadlock(
    orders_pool: asyncpg.Pool,
) -> None:
    handler = Reservations()
    lost_races = metrics.CONTENTION_RETRIES.labels(SERVICE)._value.get()
    reruns = metrics.LOCK_ORDER_RERUNS.labels(SERVICE)._value.get()
    deadlocks = await _deadlocks(orders_pool)

    await asyncio.wait_for(
        asyncio.gather(
            _dispatcher(orders_pool, handler).on_commands(_batch(0, ["A", "B"])),
            _dispatcher(orders_pool, handler).on_commands(_batch(1, ["B", "A"])),
        ),
        30,
    )

    stock = {r["sku"]: r["reserved"] for r in await orders_pool.fetch("SELECT sku, reserved FROM products")}
    assert stock == {"A": 2, "B": 2}  # every reservation made, once
    assert await orders_pool.fetchval("SELECT count(*) FROM stock_reservations") == 4
    assert metrics.CONTENTION_RETRIES.labels(SERVICE)._value.get() == lost_races  # no deadlock was retried
    assert metrics.LOCK_ORDER_RERUNS.labels(SERVICE)._value.get() > reruns  # the out-of-order one was cut
    await asyncio.sleep(1)  # the statistics are flushed by each backend at most once a second
    assert await _deadlocks(orders_pool) == deadlocks


class CountingReservations:
    """Reserve like submit, counting how often each message's handler ran."""

    def __init__(self, watched: uuid.UUID) -> None:
        self.runs: dict[uuid.UUID, int] = {}
        self.watched = watched
        self.watched_ran = asyncio.Event()

    async def __call__(self, ctx: Context[None], cmd: PlaceOrderV1) -> None:
        self.runs[ctx.envelope.message_id] = self.runs.get(ctx.envelope.message_id, 0) + 1
        if ctx.envelope.message_id == self.watched:
            self.watched_ran.set()
        (line,) = cmd.lines
        await catalog_store.products(ctx.conn, [line.sku], for_update=True)
        await order_store.reserve_stock(ctx.conn, ctx.envelope.message_id, [(1, line.sku, line.quantity)], ctx.now)


def _low_then_high() -> tuple[str, str]:
    """The SKUs A and B with the lower key first: (lower, higher)."""
    a, b = (ordered_locks.key(stock_locks.PRODUCT, sku) for sku in ("A", "B"))
    return ("A", "B") if a < b else ("B", "A")


@pytest.mark.capability("PLT-12")
@pytest.mark.parametrize("contended", [False, True])
async def test_a_cut_commits_the_messages_before_it_once_the_service_is_contended(
    orders_pool: asyncpg.Pool, contended: bool
) -> None:
    """Another transaction (another instance) holds the lower product's key. The batch reserves
    the higher product, then the lower: it is cut before the second message. Contended (a cut seen
    lately), every message has its savepoint and the first commits as handled, once; in the
    trusting pass the whole transaction is rolled back and the batch handled again with
    savepoints (the service is contended from then on)."""
    low, high = _low_then_high()
    records = _batch(0, [high, low])
    first, second = (_message_id(r) for r in records)
    handler = CountingReservations(watched=second)
    dispatcher = _dispatcher(orders_pool, handler)
    if contended:
        dispatcher.transactions.contention.seen()
    async with orders_pool.acquire() as other, other.transaction():
        await other.execute("SELECT pg_advisory_xact_lock($1, $2)", *ordered_locks.key(stock_locks.PRODUCT, low))
        handling = asyncio.create_task(dispatcher.on_commands(records))
        await asyncio.wait_for(handler.watched_ran.wait(), 10)  # the second message met the held key
        await asyncio.sleep(0.3)  # and the batch was cut (it then waits for the key, in order)
    await asyncio.wait_for(handling, 30)

    # Trusting: the rolled-back pass, the pass with savepoints (cut again: the key is still held),
    # then its own transaction. Contended: cut, then its own transaction.
    assert handler.runs == {first: 1, second: 2} if contended else {first: 2, second: 3}
    stock = {r["sku"]: r["reserved"] for r in await orders_pool.fetch("SELECT sku, reserved FROM products")}
    assert stock == {"A": 1, "B": 1}  # each reservation made once
    outcomes = await orders_pool.fetch("SELECT outcome FROM inbox")
    assert sorted(r["outcome"] for r in outcomes) == ["accepted", "accepted"]


def _message_id(record: ConsumerRecord[Any, Any]) -> uuid.UUID:
    return Envelope.model_validate_json(record.value).message_id


async def test_control_row_locks_in_opposite_orders_do_deadlock(orders_pool: asyncpg.Pool) -> None:
    """Without the global order, the same interleaving deadlocks: the test above can fail."""
    both_hold_one = asyncio.Barrier(2)

    async def reserve(first: str, second: str) -> None:
        async with orders_pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT 1 FROM products WHERE sku = $1 FOR UPDATE", first)
            await both_hold_one.wait()
            await conn.execute("SELECT 1 FROM products WHERE sku = $1 FOR UPDATE", second)

    outcomes = await asyncio.gather(reserve("A", "B"), reserve("B", "A"), return_exceptions=True)
    assert any(isinstance(o, asyncpg.DeadlockDetectedError) for o in outcomes), outcomes
