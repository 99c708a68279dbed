"""Find customers (CUS-03) and accounts (CUS-13): partial, case-insensitive, combined, paged."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts import errors
from contracts.customers import (
    AccountList,
    AccountResult,
    AddAddressV1,
    AddressResult,
    CreateAccountV1,
    CreateGuestCustomerV1,
    CustomerIdResult,
    FindAccountsV1,
    FindCustomersV1,
    FindCustomersV2,
    FoundCustomers,
    Page,
    UpdateCustomerProfileV1,
)
from csr.client import OmsClient
from tests.support.customers import ADDRESS, event_for, ok, register, send_raw, tag, view
from tests.support.system import System


async def find(client: OmsClient, **criteria: Any) -> FoundCustomers:
    return await ok(client, FindCustomersV1(**criteria), FoundCustomers)


def ids(found: FoundCustomers) -> set[uuid.UUID]:
    return {c.customer_id for c in found.customers}


@pytest.mark.capability("CUS-03")
async def test_each_criterion_finds_by_any_part_ignoring_case(system: System, csr: OmsClient) -> None:
    word = tag()
    target, command = await register(
        csr,
        logon_id=f"rt.{word}.x",
        first_name=f"Zelda{word}",
        last_name=f"Quist{word}",
        email=f"zq.{word}@mail.example.com",
        phone="+1 (555) 867-5309",
        address={**ADDRESS, "postal_code": f"K{word[:3].upper()} 9Z9", "country": "CA"},
    )
    decoy, _ = await register(csr, first_name=f"Other{word}", last_name=f"Quist{word}", phone="+1 555 000 0000")
    customer = await view(csr, target)
    extra_postal = f"Q{word[3:7].upper()}7"
    await ok(
        csr,
        AddAddressV1(
            customer_id=target,
            expected_version=customer.version,
            address={**ADDRESS, "postal_code": extra_postal},
        ),
        AddressResult,
    )

    by_logon = await find(csr, logon_id=f"T.{word.upper()}.")
    by_first = await find(csr, first_name=f"ELDA{word[:4]}")
    by_last = await find(csr, last_name=f"uist{word}")
    by_email = await find(csr, email=f"ZQ.{word}@MAIL")
    by_phone = await find(csr, phone="867.5309")
    by_postal = await find(csr, postal_code=f"k{word[:3]} 9z")
    by_second_postal = await find(csr, postal_code=extra_postal.lower())
    combined = await find(csr, last_name=f"quist{word}", phone="(555) 867")

    assert ids(by_logon) == {target}
    assert ids(by_first) == {target}
    assert ids(by_last) == {target, decoy}
    assert ids(by_email) == {target}
    assert target in ids(by_phone) and decoy not in ids(by_phone)
    assert ids(by_postal) == {target} and ids(by_second_postal) == {target}
    assert ids(combined) == {target}
    found = by_logon.customers[0]
    assert found.logon_id == command.logon_id and found.email == str(command.email)
    assert found.postal_code == f"K{word[:3].upper()} 9Z9"  # the default billing address's


@pytest.mark.capability("CUS-03")
async def test_names_cities_and_postal_codes_are_found_without_case_or_accents(system: System, csr: OmsClient) -> None:
    """Real callers: Polish, Danish, German, Greek, Russian and Turkish names, typed by a CSR in
    lower case and without accents (or the other way round)."""
    word = tag()
    people = {  # key: first name, last name, city, postal code, country
        "pl": ("ŁUKASZ", f"Żółć{word}", "Łódź", "90-001", "PL"),
        "dk": ("Søren", f"Ørsted{word}", "Århus", "8000", "DK"),
        "de": ("Jürgen", f"Großmann{word}", "München", "80331", "DE"),
        "gr": ("Σωκράτης", f"Παπαδόπουλος{word}", "Αθήνα", "105 57", "GR"),
        "ru": ("Иван", f"Петров{word}", "Москва", "101000", "RU"),
        "tr": ("İlkay", f"Işık{word}", "İstanbul", "34000", "TR"),
    }
    ids_of: dict[str, uuid.UUID] = {}
    for key, (first, last, city, postal_code, country) in people.items():
        address = {**ADDRESS, "city": city, "postal_code": postal_code, "country": country}
        email = f"{key}.{word}@example.com"
        ids_of[key], _ = await register(csr, first_name=first, last_name=last, email=email, address=address)

    async def only(key: str, **criteria: Any) -> None:
        found = ids(await find(csr, **{"last_name": word, **criteria}))
        assert found == {ids_of[key]}, (key, criteria)

    await only("pl", first_name="lukasz")
    await only("pl", last_name=f"zolc{word}")
    await only("pl", city="lodz")
    await only("dk", first_name="SOREN")
    await only("dk", last_name=f"orsted{word}", city="arhus")
    await only("de", last_name=f"grossmann{word}")
    await only("de", last_name=f"GROSSMANN{word.upper()}")
    await only("de", city="munchen")
    await only("gr", first_name="ΣΩΚΡΑΤΗΣ")
    await only("gr", first_name="σωκρατης", city="αθηνα")
    await only("ru", first_name="иван", last_name=f"ПЕТРОВ{word}")
    await only("ru", city="москва")
    await only("tr", first_name="ilkay", city="istanbul")
    await only("pl", postal_code="90-00")


@pytest.mark.capability("CUS-03")
async def test_results_are_sorted_and_paged(system: System, csr: OmsClient, channel: OmsClient) -> None:
    word = tag()
    for first in ("Eve", "Bob", "Dan", "Amy", "Cid"):
        await register(csr, first_name=first, last_name=f"Pager{word}")
    guest = await ok(channel, CreateGuestCustomerV1(first_name="Fay", last_name=f"Pager{word}"), CustomerIdResult)

    pages = [await find(csr, last_name=f"pager{word}", page=Page(number=n, size=2)) for n in (1, 2, 3, 4)]
    registered_only = await find(csr, last_name=f"pager{word}", include_guests=False, page=Page(size=50))

    assert [[c.first_name for c in p.customers] for p in pages] == [["Amy", "Bob"], ["Cid", "Dan"], ["Eve", "Fay"], []]
    assert [p.has_more for p in pages] == [True, True, False, False]
    assert pages[2].customers[1].guest and pages[2].customers[1].customer_id == guest.customer_id
    assert [c.first_name for c in registered_only.customers] == ["Amy", "Bob", "Cid", "Dan", "Eve"]


@pytest.mark.capability("CUS-03")
async def test_wildcards_in_a_criterion_match_only_themselves(system: System, csr: OmsClient) -> None:
    word = tag()
    target, _ = await register(csr, last_name=f"Per%cent_{word}")
    await register(csr, last_name=f"Perxcentx{word}")

    found = await find(csr, last_name=f"%cent_{word}")

    assert ids(found) == {target}


@pytest.mark.capability("CUS-03")
async def test_a_find_without_criteria_or_from_a_channel_is_refused(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    empty = await csr.send(FindCustomersV1(phone="--"))
    from_channel = await channel.send(FindCustomersV1(last_name="smith"))

    assert empty.code == errors.INVALID and "at least one criterion" in (empty.message or "")
    assert from_channel.code == errors.FORBIDDEN


@pytest.mark.capability("CUS-03", "CUS-16")
async def test_an_exact_logon_id_or_e_mail_finds_the_whole_value_ignoring_case_only(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    word = tag()
    email = f"ex.{word}@mail.example.com"
    target, _ = await register(csr, logon_id=f"ex.{word}", last_name=f"Exact{word}", email=email)
    # Contains the target's logon id and e-mail: a partial criterion finds it, an exact one never.
    junior, _ = await register(csr, logon_id=f"ex.{word}.jr", email=f"jr.{email}")
    # A guest with the target's e-mail: an e-mail, unlike a logon id, may name several customers.
    guest = await ok(channel, CreateGuestCustomerV1(first_name="Gia", last_name=f"Exact{word}", email=email),
                     CustomerIdResult)  # fmt: skip

    partial = await find(csr, logon_id=f"ex.{word}")
    by_logon = await find(csr, exact_logon_id=f"EX.{word.upper()}")
    by_email = await find(csr, exact_email=f"Ex.{word}@MAIL.Example.com")
    registered_only = await find(csr, exact_email=email, include_guests=False)
    with_a_name = await find(csr, exact_email=email, first_name="Gia")
    no_such = await find(csr, exact_logon_id=f"ex.{word}.j")
    as_page = await csr.send(FindCustomersV2(exact_logon_id=f"ex.{word}"))
    malformed = await send_raw(csr, FindCustomersV1(exact_logon_id=f"ex.{word}"), exact_email="not an e-mail")

    assert ids(partial) == {target, junior}
    assert ids(by_logon) == {target} and not by_logon.has_more
    assert ids(by_email) == {target, guest.customer_id}
    assert ids(registered_only) == {target}
    assert ids(with_a_name) == {guest.customer_id}
    assert ids(no_such) == set()
    assert as_page.accepted and [c["customer_id"] for c in (as_page.result or {})["items"]] == [str(target)]
    assert malformed.code == errors.INVALID
    assert [f.field for f in malformed.field_errors] == ["payload.exact_email"]


@pytest.mark.capability("CUS-13", "CUS-03", "CUS-04")
async def test_customers_belong_to_accounts_and_are_found_by_account(system: System, csr: OmsClient) -> None:
    word = tag()
    account = await ok(
        csr, CreateAccountV1(name=f"Acme {word} Industries", email="billing@acme.example.com"), AccountResult
    )
    numbered = await ok(csr, CreateAccountV1(name=f"Globex {word}", account_number=f"GX-{word[:6]}"), AccountResult)
    member, _ = await register(csr, account_id=account.account_id)
    joining, _ = await register(csr)
    outsider, _ = await register(csr)
    joined = await view(csr, joining)
    await ok(
        csr,
        UpdateCustomerProfileV1(customer_id=joining, expected_version=joined.version, account_id=account.account_id),
        CustomerIdResult,
    )
    await ok(
        csr,
        UpdateCustomerProfileV1(customer_id=outsider, expected_version=1, account_id=numbered.account_id),
        CustomerIdResult,
    )

    by_name = await find(csr, account=f"ACME {word}")
    by_number = await find(csr, account=f"gx-{word[:6]}")
    accounts = await ok(csr, FindAccountsV1(text=f"{word} indus"), AccountList)
    shown = await view(csr, member)

    assert ids(by_name) == {member, joining}
    assert ids(by_number) == {outsider}
    assert by_name.customers[0].account_name == f"Acme {word} Industries"
    assert [(a.account_id, a.members) for a in accounts.accounts] == [(account.account_id, 2)]
    assert account.account_number.startswith("A") and numbered.account_number == f"GX-{word[:6]}"
    assert shown.account is not None and shown.account.name == f"Acme {word} Industries"
    created = await event_for(system, "AccountCreated", lambda p: p["account_id"] == str(account.account_id))
    assert created.payload["created_by"] == "csr-alice"


@pytest.mark.capability("CUS-13")
async def test_an_unknown_account_or_a_taken_account_number_is_refused(system: System, csr: OmsClient) -> None:
    word = tag()
    first = await ok(csr, CreateAccountV1(name=f"Initech {word}", account_number=f"IN-{word[:6]}"), AccountResult)
    customer_id, _ = await register(csr)

    duplicate = await csr.send(CreateAccountV1(name=f"Other {word}", account_number=f"in-{word[:6]}"))
    unknown = await csr.send(
        UpdateCustomerProfileV1(customer_id=customer_id, expected_version=1, account_id=uuid.uuid4())
    )

    assert duplicate.code == errors.CONFLICT and duplicate.field_errors[0].field == "payload.account_number"
    assert unknown.code == errors.NOT_FOUND and unknown.field_errors[0].field == "payload.account_id"
    assert (await view(csr, customer_id)).account is None
    assert len(await system.fetch("customers", "SELECT 1 FROM accounts WHERE account_id = $1", first.account_id)) == 1
    assert not await system.fetch("customers", "SELECT 1 FROM accounts WHERE name = $1", f"Other {word}")
