"""Repeated commands and access tokens, against a real PostgreSQL (PLT-04, PLT-09).

Every copy of a repeated command gets the stored reply on the reply topic THAT copy names: a copy
in a later fetch (it used to be answered on the first copy's topic) and a copy within the same
fetch (it used to get no reply at all). A command refused for its token is not claimed in the
inbox, so the sender's retry with a valid token is handled.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import pytest
from aiokafka import ConsumerRecord

from contracts import errors
from contracts.envelope import Actor, Envelope, Role
from contracts.orders import PlaceOrderV1
from services.runtime.codec import encode
from services.runtime.dispatch import Dispatcher
from services.runtime.handling import Context, Handlers
from services.runtime.pipeline.duplicates import NOT_YOURS
from services.runtime.settings import ServiceSettings
from tests.support.fake_identity import FakeVerifier, authorization, expired_token, fake_token
from tests.support.fakes import Sent

WEB_SHOP = Actor(agent_id="service-account-web-shop", role=Role.CHANNEL)
OTHER_SHOP = Actor(agent_id="service-account-other-shop", role=Role.CHANNEL)


async def place(ctx: Context[None], cmd: PlaceOrderV1) -> Any:
    await ctx.conn.execute(
        "INSERT INTO probe (customer_id, currency) VALUES ($1, $2)", cmd.customer_id, ctx.actor.agent_id[:3]
    )


def _order() -> PlaceOrderV1:
    return PlaceOrderV1(
        customer_id=uuid.uuid4(), currency="USD", lines=[{"sku": "A-1", "quantity": 1, "unit_price": "9.99"}]
    )


def copy(
    command: PlaceOrderV1, message_id: uuid.UUID, reply_to: str, token: str, offset: int
) -> ConsumerRecord[Any, Any]:
    envelope = Envelope.wrap(command, reply_to=reply_to, message_id=message_id)
    value = encode(envelope, "orders.commands", None).value
    return ConsumerRecord("orders.commands", 0, offset, 0, 0, None, value, None, 0, 0, authorization(token))


def dispatcher(pool: asyncpg.Pool, sent: Sent) -> Dispatcher[None]:
    handlers: Handlers[None] = Handlers()
    handlers.command(PlaceOrderV1)(place)
    settings = ServiceSettings(service_name="dispatch_probe")
    return Dispatcher(settings, pool, sent, sent, handlers, None, verifier=FakeVerifier())  # type: ignore[arg-type]


async def outbox_replies(pool: asyncpg.Pool, topic: str) -> list[dict[str, Any]]:
    rows = await pool.fetch("SELECT value FROM outbox WHERE topic = $1", topic)
    return [json.loads(bytes(r["value"]))["payload"] for r in rows]


@pytest.mark.capability("PLT-04")
async def test_every_copy_is_answered_on_the_reply_topic_it_names(pool: asyncpg.Pool) -> None:
    command, message_id, token = _order(), uuid.uuid4(), fake_token(WEB_SHOP)
    sent = Sent()
    d = dispatcher(pool, sent)

    # Three copies in one fetch, each naming its own reply topic, then a retry in a later fetch.
    await d.on_commands([copy(command, message_id, f"replies.copy{i}", token, i) for i in range(3)])
    await d.on_commands([copy(command, message_id, "replies.retry", token, 3)])

    assert await pool.fetchval("SELECT count(*) FROM probe") == 1
    first = await outbox_replies(pool, "replies.copy0")
    assert [r["status"] for r in first] == ["accepted"]
    for topic in ("replies.copy1", "replies.copy2", "replies.retry"):
        assert sent.replies(topic) == first, topic
    assert await outbox_replies(pool, "replies.retry") == []  # only the first copy's reply goes through the outbox


@pytest.mark.capability("PLT-04", "PLT-09")
async def test_a_copy_sent_by_another_agent_does_not_get_the_reply(pool: asyncpg.Pool) -> None:
    command, message_id = _order(), uuid.uuid4()
    sent = Sent()
    d = dispatcher(pool, sent)

    await d.on_commands([copy(command, message_id, "replies.shop", fake_token(WEB_SHOP), 0)])
    await d.on_commands([copy(command, message_id, "replies.other", fake_token(OTHER_SHOP), 1)])

    [refusal] = sent.replies("replies.other")
    assert (refusal["status"], refusal["code"], refusal["message"]) == ("rejected", errors.FORBIDDEN, NOT_YOURS)
    assert await pool.fetchval("SELECT count(*) FROM probe") == 1


@pytest.mark.capability("PLT-09")
async def test_a_retry_with_a_fresh_token_after_an_expired_one_is_handled(pool: asyncpg.Pool) -> None:
    command, message_id = _order(), uuid.uuid4()
    sent = Sent()
    d = dispatcher(pool, sent)

    await d.on_commands([copy(command, message_id, "replies.shop", expired_token(WEB_SHOP), 0)])
    [refusal] = sent.replies("replies.shop")
    assert (refusal["status"], refusal["code"]) == ("rejected", errors.UNAUTHENTICATED)
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 0  # not claimed: nothing recorded

    await d.on_commands([copy(command, message_id, "replies.shop", fake_token(WEB_SHOP), 1)])

    assert [r["status"] for r in await outbox_replies(pool, "replies.shop")] == ["accepted"]
    row = await pool.fetchrow("SELECT actor_id, actor_role, outcome FROM inbox WHERE message_id = $1", message_id)
    assert row is not None and dict(row) == {
        "actor_id": WEB_SHOP.agent_id,
        "actor_role": "channel",
        "outcome": "accepted",
    }
    assert await pool.fetchval("SELECT currency FROM probe") == "ser"  # the handler saw the verified actor
    stored = await pool.fetchval("SELECT reply::text FROM inbox WHERE message_id = $1", message_id)
    assert "Bearer" not in stored and fake_token(WEB_SHOP) not in stored
