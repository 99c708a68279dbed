"""The customers service's use cases against a unit of work in memory: what each one saves, logs,
emits and refuses, without Kafka or PostgreSQL (tests/unit/fakes_customers.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts import errors
from contracts.customers import (
    AuthenticateCustomerV1,
    CreateAccountV1,
    CustomerLockedOutV1,
    CustomerRegisteredV1,
    LogonAttemptRecordedV1,
    RecordActivityNoteV1,
    RegisterCustomerV1,
)
from contracts.errors import Refused
from contracts.orders import FulfilledItem, TrackableItemsFulfilledV1
from services.customers.application import accounts, logon, notes, registration, timeline
from services.customers.domain import passwords
from tests.unit.fakes_customers import FakeCustomersUnitOfWork, sealed


def registration_of(**changes: Any) -> RegisterCustomerV1:
    fields: dict[str, Any] = {
        "logon_id": "jdoe",
        "password": sealed("s3cret-pass"),
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.com",
        "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"},
    }
    return RegisterCustomerV1.model_validate(fields | changes)


async def test_a_registered_customer_is_saved_with_a_hashed_password_an_address_and_one_event() -> None:
    uow = FakeCustomersUnitOfWork()

    result = await registration.register_customer(uow, registration_of())

    customer = uow.customers.by_id[result.customer_id]
    assert (customer.logon_id, customer.status, customer.version) == ("jdoe", "enabled", 1)
    stored_hash = uow.customers.password_hashes[customer.customer_id]
    assert stored_hash and stored_hash.startswith("$argon2id$") and "s3cret-pass" not in stored_hash
    assert await passwords.verify_secret(stored_hash, "s3cret-pass")
    [entry] = uow.customers.books[customer.customer_id]
    assert entry.default_billing and entry.default_shipping
    assert [change.fields for _, _, change in uow.customers.changes] == [["registered"]]
    [event] = uow.emitted
    assert isinstance(event, CustomerRegisteredV1) and event.customer_id == customer.customer_id


async def test_registering_a_logon_id_taken_in_any_case_is_refused_and_changes_nothing() -> None:
    uow = FakeCustomersUnitOfWork()
    await registration.register_customer(uow, registration_of(logon_id="jdoe"))
    before = (dict(uow.customers.by_id), list(uow.customers.changes), list(uow.emitted))

    with pytest.raises(Refused) as refused:
        await registration.register_customer(uow, registration_of(logon_id="JDoe", email="other@example.com"))

    assert refused.value.code == errors.CONFLICT
    assert [f.field for f in refused.value.field_errors] == ["payload.logon_id"]
    assert (uow.customers.by_id, uow.customers.changes, uow.emitted) == before


async def test_a_password_against_the_policy_is_refused_before_anything_is_looked_up() -> None:
    uow = FakeCustomersUnitOfWork()

    with pytest.raises(Refused) as refused:
        await registration.register_customer(uow, registration_of(password=sealed("jdoe")))

    assert refused.value.code == "password_policy"
    assert "jdoe" not in refused.value.message  # the refusal never echoes the secret
    assert not uow.customers.by_id and not uow.emitted


async def test_wrong_passwords_lock_the_account_at_the_threshold() -> None:
    uow = FakeCustomersUnitOfWork()  # the fake's policy locks at 3
    await registration.register_customer(uow, registration_of())
    uow.emitted.clear()
    wrong = AuthenticateCustomerV1(logon_id="jdoe", password=sealed("not-the-password1"))

    outcomes = [(await logon.authenticate_customer(uow, wrong)).outcome for _ in range(3)]
    locked = await logon.authenticate_customer(
        uow, AuthenticateCustomerV1(logon_id="jdoe", password=sealed("s3cret-pass"))
    )

    assert outcomes == ["wrong_password"] * 3 and locked.outcome == "locked"
    assert [type(e) for e in uow.emitted] == [LogonAttemptRecordedV1] * 3 + [CustomerLockedOutV1] + [
        LogonAttemptRecordedV1
    ]
    assert [c.fields for _, _, c in uow.customers.changes][-1] == ["status"]


async def test_a_note_with_an_unknown_code_is_refused_and_a_note_for_no_customer_too() -> None:
    uow = FakeCustomersUnitOfWork()
    note = {"customer_id": uuid.uuid4(), "subject": "Called", "description": "about the tent"}

    with pytest.raises(Refused) as unknown_code:
        await notes.record_activity_note(uow, RecordActivityNoteV1(**note, activity_code="fax", result_code="resolved"))
    with pytest.raises(Refused) as no_customer:
        await notes.record_activity_note(
            uow, RecordActivityNoteV1(**note, activity_code="call_in", result_code="resolved")
        )

    assert (unknown_code.value.code, no_customer.value.code) == ("unknown_activity_code", errors.NOT_FOUND)
    assert not uow.activity.notes and not uow.emitted


async def test_an_account_number_taken_meanwhile_is_a_conflict() -> None:
    uow = FakeCustomersUnitOfWork()
    await accounts.create_account(uow, CreateAccountV1(name="Acme", account_number="ACME-1"))

    with pytest.raises(Refused) as refused:
        await accounts.create_account(uow, CreateAccountV1(name="Acme again", account_number="ACME-1"))

    assert refused.value.code == errors.CONFLICT and len(uow.emitted) == 1


async def test_a_replayed_fulfilment_adds_no_asset_and_announces_nothing_again() -> None:
    uow = FakeCustomersUnitOfWork()
    event = TrackableItemsFulfilledV1(
        order_id=uuid.uuid4(),
        order_number="1000001",
        customer_id=uuid.uuid4(),
        items=[FulfilledItem(sku="CAM-1", name="Camera", quantity=2, serial_numbers=["S1", "S2"])],
        fulfilled_at=datetime(2026, 3, 1, tzinfo=UTC),
    )

    await timeline.on_trackable_items_fulfilled(uow, event)
    await timeline.on_trackable_items_fulfilled(uow, event)

    assert len(uow.timeline.assets) == 2 and len(uow.emitted) == 1
