"""Builders and helpers for the customers service's end-to-end tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from contracts.customers import CustomerView, GetCustomerV1, RegisterCustomerV1
from contracts.envelope import Actor, Command, Envelope, Event, Query, ReplyV1, Role
from csr.client import OmsClient
from tests.support.builders import register_customer, unique
from tests.support.system import System, first_event

R = TypeVar("R", bound=BaseModel)

ORDERS = Actor(agent_id="orders", role=Role.SYSTEM)
NOTIFICATIONS = Actor(agent_id="notifications", role=Role.SYSTEM)


def now() -> datetime:
    return datetime.now(UTC)


async def ok(client: OmsClient, message: Command | Query, result: type[R]) -> R:
    """Send and insist on an accepted reply; the typed result."""
    reply = await client.send(message)
    assert reply.accepted, f"{message.TYPE} rejected: {reply.code} {reply.message} {reply.field_errors}"
    return result.model_validate(reply.result or {})


async def register(client: OmsClient, **overrides: Any) -> tuple[uuid.UUID, RegisterCustomerV1]:
    command = register_customer(client, **overrides)
    reply = await client.send(command)
    assert reply.accepted, reply
    return uuid.UUID(reply.result["customer_id"]), command  # type: ignore[index]


async def view(client: OmsClient, customer_id: uuid.UUID) -> CustomerView:
    return await ok(client, GetCustomerV1(customer_id=customer_id), CustomerView)


async def publish_event(client: OmsClient, event: Event, actor: Actor = ORDERS) -> Envelope:
    """Put an event on its topic as the service that owns it would (the orders and notifications
    services' producers are built in parallel; their event contracts are fixed)."""
    envelope = Envelope.wrap(event, actor=actor)
    await client.publish(envelope, event.TOPIC, event.partition_key())
    return envelope


async def send_raw(client: OmsClient, message: Command | Query, **payload_overrides: Any) -> ReplyV1:
    """Send ``message`` with its payload changed as the client-side model would never allow:
    what a hostile or buggy channel could put on the topic."""
    envelope = client.envelope(message)
    payload = {**message.model_dump(mode="json"), **payload_overrides}
    raw = envelope.model_dump(mode="json") | {"payload": payload}
    return await client.send_raw_and_wait(message.TOPIC, json.dumps(raw).encode(), envelope.message_id)


async def event_for(
    system: System, type_: str, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30
) -> Envelope:
    """The first customers.events message of ``type_`` whose payload satisfies ``predicate``."""
    return await first_event(
        system, "customers.events", lambda e: e.type == type_ and predicate(e.payload), timeout=timeout
    )


def tag() -> str:
    """A short unique word usable inside names: letters only, so name searches can target it."""
    return "".join(chr(ord("a") + int(ch, 16) % 26) for ch in unique())


ADDRESS = {"line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"}
