"""View and update a customer (CUS-04, CUS-05) and the address book (CUS-06)."""

from __future__ import annotations

import uuid

import pytest

from contracts import errors
from contracts.customers import (
    AddAddressV1,
    AddressResult,
    CustomerIdResult,
    DeleteAddressV1,
    GetProfileChangesV1,
    ModifyAddressV1,
    ProfileChanges,
    UpdateCustomerProfileV1,
)
from csr.client import OmsClient
from tests.support.customers import ADDRESS, event_for, ok, register, view
from tests.support.system import System


@pytest.mark.capability("CUS-05", "CUS-04")
async def test_profile_changes_are_versioned_published_and_logged_with_who_and_when(
    system: System, csr: OmsClient, supervisor: OmsClient
) -> None:
    customer_id, command = await register(csr, demographics={"age_band": "35-44", "income": "b"})

    result = await ok(
        supervisor,
        UpdateCustomerProfileV1(
            customer_id=customer_id,
            expected_version=1,
            email="new.address@example.com",
            mobile_phone="+1 555 010 7777",
            preferred_language="fr-CA",
            set_attributes={"loyalty_tier": "gold", "newsletter": "weekly"},
            set_demographics={"age_band": "45-54"},
            remove_demographics=["income"],
            clear=["phone"],
            reason="customer called",
        ),
        CustomerIdResult,
    )

    customer = await view(csr, customer_id)
    assert result.version == 2 and customer.version == 2
    assert customer.email == "new.address@example.com" and customer.mobile_phone == "+1 555 010 7777"
    assert customer.phone is None and customer.preferred_language == "fr-CA"
    assert customer.attributes == {"loyalty_tier": "gold", "newsletter": "weekly"}
    assert customer.demographics == {"age_band": "45-54"}
    assert customer.updated_by == "sup-sam"
    event = await event_for(system, "CustomerUpdated", lambda p: p["customer_id"] == str(customer_id))
    assert event.payload["version"] == 2 and event.payload["email"] == "new.address@example.com"
    assert set(event.payload["changed_fields"]) == {
        "email",
        "phone",
        "mobile_phone",
        "preferred_language",
        "attributes",
        "demographics",
    }
    assert event.actor is not None
    assert event.actor.agent_id == "sup-sam"
    changes = await ok(csr, GetProfileChangesV1(customer_id=customer_id), ProfileChanges)
    latest, registered = changes.changes
    assert (latest.version, latest.changed_by, latest.reason) == (2, "sup-sam", "customer called")
    assert latest.before["email"] == str(command.email) and latest.after["email"] == "new.address@example.com"
    assert latest.before["phone"] == "+1 555 010 1234" and latest.after["phone"] is None
    assert abs((latest.changed_at - customer.updated_at).total_seconds()) < 1
    assert registered.version == 1 and registered.changed_by == "csr-alice"

    second = await ok(
        csr,
        UpdateCustomerProfileV1(
            customer_id=customer_id, expected_version=2, remove_attributes=["newsletter"], first_name="Janet"
        ),
        CustomerIdResult,
    )
    assert second.version == 3
    again = await view(csr, customer_id)
    assert again.attributes == {"loyalty_tier": "gold"} and again.first_name == "Janet"


@pytest.mark.capability("CUS-05")
async def test_a_new_challenge_answer_is_stored_hashed_and_logged_without_a_value(
    system: System, csr: OmsClient
) -> None:
    customer_id, _ = await register(csr)
    before = (await system.fetch("customers", "SELECT * FROM customers WHERE customer_id = $1", customer_id))[0]

    await ok(
        csr,
        UpdateCustomerProfileV1(
            customer_id=customer_id,
            expected_version=1,
            challenge_question="City of birth?",
            challenge_answer=csr.seal("Lisbon"),
        ),
        CustomerIdResult,
    )

    after = (await system.fetch("customers", "SELECT * FROM customers WHERE customer_id = $1", customer_id))[0]
    assert after["challenge_answer_hash"] != before["challenge_answer_hash"]
    assert after["challenge_answer_hash"].startswith("$argon2id$")
    changes = await ok(csr, GetProfileChangesV1(customer_id=customer_id), ProfileChanges)
    latest = changes.changes[0]
    assert set(latest.changed_fields) == {"challenge_question", "challenge_answer"}
    assert "challenge_answer" not in latest.after and "Lisbon" not in str(latest)


@pytest.mark.capability("CUS-05")
async def test_saving_nothing_new_keeps_the_version(system: System, csr: OmsClient) -> None:
    customer_id, command = await register(csr)

    result = await ok(
        csr,
        UpdateCustomerProfileV1(customer_id=customer_id, expected_version=1, first_name=command.first_name),
        CustomerIdResult,
    )

    assert result.version == 1 and (await view(csr, customer_id)).version == 1


@pytest.mark.capability("CUS-06", "CUS-04")
async def test_address_book_add_modify_delete_with_defaults(system: System, csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    [home] = (await view(csr, customer_id)).addresses

    office = await ok(
        csr,
        AddAddressV1(
            customer_id=customer_id,
            expected_version=1,
            address={**ADDRESS, "nickname": "office", "line1": "200 Market St", "postal_code": "94105"},
            default_shipping=True,
        ),
        AddressResult,
    )
    after_add = await view(csr, customer_id)
    defaults = {a.address.nickname: (a.default_billing, a.default_shipping) for a in after_add.addresses}
    assert office.version == 2 and defaults == {None: (True, False), "office": (False, True)}

    modified = await ok(
        csr,
        ModifyAddressV1(
            customer_id=customer_id,
            address_id=office.address_id,
            expected_version=2,
            address={**ADDRESS, "nickname": "office", "line1": "201 Market St", "postal_code": "94105"},
            default_billing=True,
        ),
        AddressResult,
    )
    after_modify = await view(csr, customer_id)
    by_id = {a.address_id: a for a in after_modify.addresses}
    assert modified.version == 3
    assert by_id[office.address_id].address.line1 == "201 Market St"
    assert by_id[office.address_id].default_billing and by_id[office.address_id].default_shipping
    assert not by_id[home.address_id].default_billing and by_id[office.address_id].updated_by == "csr-alice"

    deleted = await ok(
        csr, DeleteAddressV1(customer_id=customer_id, address_id=home.address_id, expected_version=3), AddressResult
    )
    after_delete = await view(csr, customer_id)
    assert deleted.version == 4 and [a.address_id for a in after_delete.addresses] == [office.address_id]

    event = await event_for(
        system, "AddressBookChanged", lambda p: p["customer_id"] == str(customer_id) and p["change"] == "modified"
    )
    assert event.payload["default_billing_address_id"] == str(office.address_id)
    assert event.payload["address"]["line1"] == "201 Market St" and event.payload["version"] == 3
    await event_for(
        system,
        "CustomerUpdated",
        lambda p: p["customer_id"] == str(customer_id) and p["version"] == 4 and p["changed_fields"] == ["addresses"],
    )
    changes = await ok(csr, GetProfileChangesV1(customer_id=customer_id), ProfileChanges)
    assert [c.reason for c in changes.changes] == ["address deleted", "address modified", "address added", "registered"]
    assert changes.changes[1].before["addresses"]["address"]["line1"] == "200 Market St"


@pytest.mark.capability("CUS-06")
async def test_an_address_of_another_customer_or_a_stale_version_changes_nothing(
    system: System, csr: OmsClient
) -> None:
    customer_id, _ = await register(csr)
    other_id, _ = await register(csr)
    [other_address] = (await view(csr, other_id)).addresses

    foreign = await csr.send(
        DeleteAddressV1(customer_id=customer_id, address_id=other_address.address_id, expected_version=1)
    )
    unknown = await csr.send(
        ModifyAddressV1(customer_id=customer_id, address_id=uuid.uuid4(), expected_version=1, default_billing=True)
    )
    stale = await csr.send(AddAddressV1(customer_id=customer_id, expected_version=7, address=ADDRESS))

    assert foreign.code == errors.NOT_FOUND and foreign.field_errors[0].field == "payload.address_id"
    assert unknown.code == errors.NOT_FOUND
    assert stale.code == errors.STALE_VERSION and stale.field_errors[0].field == "payload.expected_version"
    assert len((await view(csr, customer_id)).addresses) == 1 and (await view(csr, customer_id)).version == 1
    assert len((await view(csr, other_id)).addresses) == 1
