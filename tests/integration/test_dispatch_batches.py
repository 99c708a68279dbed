"""A batch of commands in one transaction, against a real PostgreSQL (PLT-03, PLT-04).

The dispatcher handles a batch without a savepoint per message first and again with them when a
message is refused: a refusal that comes after its message wrote must undo that write only, and
its neighbours' writes, replies and inbox entries must all be kept, once.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord

from contracts import errors
from contracts.envelope import Actor, Envelope, Role
from contracts.orders import PlaceOrderV1
from services.runtime import metrics
from services.runtime.codec import encode
from services.runtime.dispatch import Dispatcher
from services.runtime.handling import Context, Handlers, Rejected
from services.runtime.settings import ServiceSettings
from tests.support.fake_identity import FakeVerifier, authorization, fake_token
from tests.support.fakes import Sent

CHANNEL = Actor(agent_id="web-shop", role=Role.CHANNEL)


async def place(ctx: Context[None], cmd: PlaceOrderV1) -> None:
    """Writes first, then refuses euro orders: the write must not survive the refusal."""
    await ctx.conn.execute("INSERT INTO probe (customer_id, currency) VALUES ($1, $2)", cmd.customer_id, cmd.currency)
    if cmd.currency == "EUR":
        raise Rejected(errors.INVALID, "no euros here")


def _records(commands: list[PlaceOrderV1]) -> tuple[list[Envelope], list[ConsumerRecord[Any, Any]]]:
    envelopes = [Envelope.wrap(c, actor=CHANNEL, reply_to="replies.probe") for c in commands]
    records = [
        ConsumerRecord(
            "orders.commands",
            0,
            offset,
            0,
            0,
            None,
            encode(e, "orders.commands", None).value,
            None,
            0,
            0,
            authorization(fake_token(CHANNEL)),
        )
        for offset, e in enumerate(envelopes)
    ]
    return envelopes, records


def _order(currency: str) -> PlaceOrderV1:
    return PlaceOrderV1(
        customer_id=uuid.uuid4(), currency=currency, lines=[{"sku": "A-1", "quantity": 1, "unit_price": "9.99"}]
    )


async def _dispatcher(pool: asyncpg.Pool, sent: Sent) -> Dispatcher[None]:
    handlers: Handlers[None] = Handlers()
    handlers.command(PlaceOrderV1)(place)
    settings = ServiceSettings(service_name="dispatch_probe")
    return Dispatcher(settings, pool, sent, sent, handlers, None, verifier=FakeVerifier())  # type: ignore[arg-type]


async def test_a_refusal_in_a_batch_undoes_its_own_writes_only(pool: asyncpg.Pool) -> None:
    orders = [_order("USD"), _order("EUR"), _order("USD")]
    envelopes, records = _records(orders)
    sent = Sent()
    reruns = metrics.SAVEPOINT_RERUNS.labels("dispatch_probe")._value.get()

    await (await _dispatcher(pool, sent)).on_commands(records)

    kept = {r["customer_id"] for r in await pool.fetch("SELECT customer_id FROM probe")}
    assert kept == {orders[0].customer_id, orders[2].customer_id}
    outcomes = {r["message_id"]: r["outcome"] for r in await pool.fetch("SELECT message_id, outcome FROM inbox")}
    assert outcomes == {envelopes[0].message_id: "accepted", envelopes[1].message_id: "rejected",
                        envelopes[2].message_id: "accepted"}  # fmt: skip
    replies = await pool.fetchval("SELECT count(*) FROM outbox WHERE topic = 'replies.probe'")
    assert replies == 3
    assert metrics.SAVEPOINT_RERUNS.labels("dispatch_probe")._value.get() == reruns + 1


async def test_a_batch_without_refusals_is_handled_in_one_pass(pool: asyncpg.Pool) -> None:
    orders = [_order("USD") for _ in range(5)]
    _, records = _records(orders)
    reruns = metrics.SAVEPOINT_RERUNS.labels("dispatch_probe")._value.get()

    await (await _dispatcher(pool, Sent())).on_commands(records)

    assert await pool.fetchval("SELECT count(*) FROM probe") == 5
    assert metrics.SAVEPOINT_RERUNS.labels("dispatch_probe")._value.get() == reruns


async def test_the_same_batch_delivered_again_changes_nothing(pool: asyncpg.Pool) -> None:
    orders = [_order("USD"), _order("EUR")]
    _, records = _records(orders)
    dispatcher = await _dispatcher(pool, Sent())

    await dispatcher.on_commands(records)
    await dispatcher.on_commands(records)

    assert await pool.fetchval("SELECT count(*) FROM probe") == 1
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 2
