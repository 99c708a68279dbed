"""Registered and guest customers (CUS-01, CUS-02, CUS-04) through Kafka and PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contracts import errors
from contracts.customers import CreateGuestCustomerV1, CustomerHistory, CustomerIdResult, GetCustomerHistoryV1
from contracts.orders import OrderPlacedResult, PlaceOrderV1
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.customers import ADDRESS, event_for, ok, register, tag, view
from tests.support.system import System, eventually


@pytest.mark.capability("CUS-01", "CUS-04")
async def test_registered_customer_has_every_profile_field_and_is_enabled(system: System, csr: OmsClient) -> None:
    word = tag()
    customer_id, command = await register(
        csr,
        logon_id=f"Mixed.Case.{word}",
        first_name="Ana",
        last_name=f"Lopez{word}",
        phone="+34 91 123 4567",
        mobile_phone="+34 600 123 456",
        preferred_currency="eur",
        preferred_language="es_ES",
        email_format="text",
        address={**ADDRESS, "nickname": "home", "city": "Madrid", "postal_code": "28013", "country": "ES"},
        demographics={"age_band": "25-34", "gender": "f"},
        attributes={"loyalty_tier": "silver"},
    )

    customer = await view(csr, customer_id)

    assert customer.status == "enabled" and not customer.guest and customer.version == 1
    assert customer.logon_id == f"Mixed.Case.{word}"
    assert (customer.first_name, customer.last_name) == ("Ana", f"Lopez{word}")
    assert customer.email == str(command.email)
    assert (customer.phone, customer.mobile_phone) == ("+34 91 123 4567", "+34 600 123 456")
    assert (customer.preferred_currency, customer.preferred_language) == ("EUR", "es-ES")
    assert customer.email_format == "text" and customer.challenge_question == "First pet?"
    assert customer.demographics == {"age_band": "25-34", "gender": "f"}
    assert customer.attributes == {"loyalty_tier": "silver"}
    [address] = customer.addresses
    assert address.address.city == "Madrid" and address.default_billing and address.default_shipping
    assert customer.created_by == "csr-alice"
    row = (await system.fetch("customers", "SELECT * FROM customers WHERE customer_id = $1", customer_id))[0]
    assert row["password_hash"].startswith("$argon2id$") and row["challenge_answer_hash"].startswith("$argon2id$")
    event = await event_for(system, "CustomerRegistered", lambda p: p["customer_id"] == str(customer_id))
    assert event.payload["guest"] is False and event.payload["preferred_currency"] == "EUR"


@pytest.mark.capability("CUS-01")
async def test_a_weak_password_is_refused_with_the_policy(system: System, csr: OmsClient) -> None:
    command = register_customer(csr, password=csr.seal("short1"))

    reply = await csr.send(command)

    assert reply.code == "password_policy" and "at least 8 characters" in (reply.message or "")
    assert not await system.fetch("customers", "SELECT 1 FROM customers WHERE logon_id = $1", command.logon_id)


@pytest.mark.capability("CUS-02", "CUS-11")
async def test_guest_orders_stay_with_the_customer_once_registered(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    guest_email = f"guest.{tag()}@example.com"
    guest = await ok(
        channel,
        CreateGuestCustomerV1(first_name="Gus", last_name="Guest", email=guest_email, address=ADDRESS),
        CustomerIdResult,
    )
    registered_event = await event_for(
        system, "CustomerRegistered", lambda p: p["customer_id"] == str(guest.customer_id)
    )
    assert registered_event.payload["guest"] is True and registered_event.payload["logon_id"] is None
    placed = await ok(
        channel,
        PlaceOrderV1(
            customer_id=guest.customer_id,
            currency="USD",
            lines=[{"sku": "MUG-1", "quantity": 2, "unit_price": Decimal("9.50")}],
            email=guest_email,
        ),
        OrderPlacedResult,
    )

    async def order_in_history() -> CustomerHistory | None:
        history = await ok(csr, GetCustomerHistoryV1(customer_id=guest.customer_id), CustomerHistory)
        return history if history.orders else None

    await eventually(order_in_history, timeout=30)
    as_guest = await view(csr, guest.customer_id)
    assert as_guest.guest and as_guest.logon_id is None

    registration = register_customer(channel, guest_customer_id=guest.customer_id, email=guest_email, address=None)
    reply = await channel.send(registration)

    assert reply.accepted, reply
    assert reply.result["customer_id"] == str(guest.customer_id)  # type: ignore[index]
    customer = await view(csr, guest.customer_id)
    assert not customer.guest and customer.logon_id == registration.logon_id and customer.version == 2
    assert [a.address.line1 for a in customer.addresses] == ["1 Main St"]  # the guest's address book stays
    history = await ok(csr, GetCustomerHistoryV1(customer_id=guest.customer_id), CustomerHistory)
    assert [o.order_number for o in history.orders] == [placed.order_number]
    assert history.orders[0].total == Decimal("19.00")
    event = await event_for(
        system, "CustomerRegistered", lambda p: p["customer_id"] == str(guest.customer_id) and not p["guest"]
    )
    assert event.payload["was_guest"] is True
    welcome = await system.mailbox().wait_for_async(
        lambda m: guest_email in m.rcpt_tos and (m.subject or "").startswith("Welcome"), timeout=30
    )
    assert registration.logon_id in welcome.body(("plain",))


@pytest.mark.capability("CUS-02")
async def test_registering_a_customer_that_is_no_guest_changes_nothing(system: System, csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    unknown = await csr.send(register_customer(csr, guest_customer_id=uuid.uuid4()))
    again = register_customer(csr, guest_customer_id=customer_id)

    reply = await csr.send(again)

    assert unknown.code == errors.NOT_FOUND and unknown.field_errors[0].field == "payload.guest_customer_id"
    assert reply.code == errors.INVALID_STATE
    assert (await view(csr, customer_id)).version == 1
    assert not await system.fetch("customers", "SELECT 1 FROM customers WHERE logon_id = $1", again.logon_id)
