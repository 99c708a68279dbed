"""Bad input to the customers service: each is rejected with a specific code, changes nothing, and
the service goes on answering."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from contracts import errors
from contracts.customers import (
    AddAddressV1,
    CreateTicklerV1,
    GetCustomerV1,
    RecordActivityNoteV1,
    UpdateCustomerProfileV1,
)
from contracts.envelope import ReplyV1
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.customers import ADDRESS, now, register, send_raw, view
from tests.support.system import System

INVALID = errors.INVALID
FIFTY_ONE = {f"a{i}": "v" for i in range(51)}
Send = Callable[[OmsClient, OmsClient, uuid.UUID, str], Awaitable[ReplyV1]]


@dataclass(frozen=True)
class Case:
    name: str
    send: Send
    code: str
    field: str | None


def update(customer_id: uuid.UUID, **fields: object) -> UpdateCustomerProfileV1:
    return UpdateCustomerProfileV1(customer_id=customer_id, expected_version=1, **fields)


def raw_update(**overrides: object) -> Send:
    async def send(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
        return await send_raw(csr, update(customer_id, first_name="Valid"), **overrides)

    return send


def raw_address(**address: object) -> Send:
    async def send(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
        command = AddAddressV1(customer_id=customer_id, expected_version=1, address=ADDRESS)
        return await send_raw(csr, command, address={**ADDRESS, **address})

    return send


async def unknown_customer_update(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    return await csr.send(update(uuid.uuid4(), first_name="Nobody"))


async def unknown_customer_view(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    return await csr.send(GetCustomerV1(customer_id=uuid.uuid4()))


async def unknown_customer_note(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    command = RecordActivityNoteV1(
        customer_id=uuid.uuid4(), activity_code="call_in", result_code="resolved", subject="s"
    )
    return await csr.send(command)


async def duplicate_logon(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    return await csr.send(register_customer(csr, logon_id=logon_id.upper()))


async def wrong_role(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    return await channel.send(update(customer_id, first_name="Hacked"))


async def stale_version(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    return await csr.send(UpdateCustomerProfileV1(customer_id=customer_id, expected_version=2, first_name="Late"))


async def oversized_note(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    command = RecordActivityNoteV1(
        customer_id=customer_id, activity_code="call_in", result_code="resolved", subject="s"
    )
    return await send_raw(csr, command, description="x" * 4001)


async def oversized_tickler(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    command = CreateTicklerV1(customer_id=customer_id, due_at=now(), assigned_to="csr-alice", reason="r")
    return await send_raw(csr, command, reason="r" * 201)


async def oversized_logon(csr: OmsClient, channel: OmsClient, customer_id: uuid.UUID, logon_id: str) -> ReplyV1:
    return await send_raw(csr, register_customer(csr), logon_id="x" * 81)


CASES = [
    Case("unknown customer (update)", unknown_customer_update, errors.NOT_FOUND, "payload.customer_id"),
    Case("unknown customer (view)", unknown_customer_view, errors.NOT_FOUND, "payload.customer_id"),
    Case("unknown customer (note)", unknown_customer_note, errors.NOT_FOUND, "payload.customer_id"),
    Case("duplicate logon id", duplicate_logon, errors.CONFLICT, "payload.logon_id"),
    Case("malformed e-mail", raw_update(email="not-an-email"), errors.INVALID, "payload.email"),
    Case("malformed phone", raw_update(phone="call me maybe"), errors.INVALID, "payload.phone"),
    Case("malformed postal code", raw_address(postal_code="!!"), errors.INVALID, "payload.address.postal_code"),
    Case("malformed country", raw_address(country="usa"), errors.INVALID, "payload.address.country"),
    Case("malformed currency", raw_update(preferred_currency="EURO"), errors.INVALID, "payload.preferred_currency"),
    Case("unknown currency", raw_update(preferred_currency="XYZ"), errors.INVALID, "payload.preferred_currency"),
    Case("malformed locale", raw_update(preferred_language="english!"), errors.INVALID, "payload.preferred_language"),
    Case("header injection", raw_update(first_name="Bob\r\nBcc: x@example.com"), errors.INVALID, "payload.first_name"),
    Case("wrong role", wrong_role, errors.FORBIDDEN, None),
    Case("stale expected version", stale_version, errors.STALE_VERSION, "payload.expected_version"),
    Case("oversized name", raw_update(first_name="N" * 101), errors.INVALID, "payload.first_name"),
    Case("oversized attribute", raw_update(set_attributes={"note": "v" * 501}), INVALID, "payload.set_attributes.note"),
    Case("too many attributes", raw_update(set_attributes=FIFTY_ONE), INVALID, "payload.set_attributes"),
    Case("oversized note", oversized_note, errors.INVALID, "payload.description"),
    Case("oversized tickler reason", oversized_tickler, errors.INVALID, "payload.reason"),
    Case("oversized logon id", oversized_logon, errors.INVALID, "payload.logon_id"),
]  # fmt: skip


async def snapshot(system: System, customer_id: uuid.UUID) -> list[str]:
    """Everything stored about the customer, as text."""
    queries = [
        "SELECT t::text FROM customers t WHERE customer_id = $1",
        "SELECT t::text FROM addresses t WHERE customer_id = $1 ORDER BY address_id",
        "SELECT t::text FROM customer_changes t WHERE customer_id = $1 ORDER BY change_id",
        "SELECT t::text FROM notes t WHERE customer_id = $1 ORDER BY note_id",
        "SELECT t::text FROM ticklers t WHERE customer_id = $1 ORDER BY tickler_id",
    ]
    return [r[0] for q in queries for r in await system.fetch("customers", q, customer_id)]


@pytest.mark.capability("CUS-01", "CUS-03", "CUS-04", "CUS-05", "CUS-06", "CUS-09", "CUS-12", "PLT-02", "PLT-06")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_bad_input_is_rejected_with_a_specific_code_and_changes_nothing(
    system: System, csr: OmsClient, channel: OmsClient, case: Case
) -> None:
    customer_id, command = await register(csr)
    customers_before = (await system.fetch("customers", "SELECT count(*) AS n FROM customers"))[0]["n"]
    before = await snapshot(system, customer_id)

    reply = await case.send(csr, channel, customer_id, command.logon_id)

    assert reply.status == "rejected" and reply.code == case.code, reply
    assert reply.message
    if case.field is not None:
        assert case.field in [e.field for e in reply.field_errors], reply.field_errors
    assert await snapshot(system, customer_id) == before
    assert (await system.fetch("customers", "SELECT count(*) AS n FROM customers"))[0]["n"] == customers_before
    assert (await view(csr, customer_id)).version == 1  # and the service still answers
    assert await system.services["customers"].still_healthy()


@pytest.mark.capability("CUS-05")
async def test_more_attributes_than_a_customer_may_hold_are_refused(system: System, csr: OmsClient) -> None:
    customer_id, _ = await register(csr, attributes={f"a{i}": "v" for i in range(40)})

    reply = await csr.send(update(customer_id, set_attributes={f"b{i}": "v" for i in range(11)}))

    assert reply.code == errors.LIMIT_EXCEEDED and reply.field_errors[0].field == "payload.set_attributes"
    assert len((await view(csr, customer_id)).attributes) == 40
