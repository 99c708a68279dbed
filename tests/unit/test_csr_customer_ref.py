"""How csr turns what the caller said into a customer id: the whole logon id or e-mail, ignoring
case, asked of the customers service's exact criteria (one query each, no paging); none or several
matches are usage errors that say what to type, and what can be no logon id or e-mail is said
without asking."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts.customers import FindCustomersV1
from contracts.envelope import Command, Query
from csr.cli.commands.customer_ref import AmbiguousCustomer, CustomerRef, UnknownCustomer
from csr.cli.runner import Lookup, Session
from csr.client.errors import UsageError


def row(logon_id: str | None, email: str | None, last_name: str = "Doe") -> dict[str, Any]:
    return {"customer_id": str(uuid.uuid4()), "logon_id": logon_id, "email": email, "first_name": "Jo",
            "last_name": last_name, "guest": logon_id is None}  # fmt: skip


class FakeFind(Lookup):
    """The customers service's find by exact logon id or e-mail: the whole value, ignoring case."""

    def __init__(self, customers: list[dict[str, Any]]) -> None:
        super().__init__(Session())
        self.customers = customers
        self.asked: list[FindCustomersV1] = []

    async def ask(self, message: Command | Query) -> dict[str, Any]:
        assert isinstance(message, FindCustomersV1)
        self.asked.append(message)
        assert message.logon_id is None and message.email is None, "csr names a customer by its whole value only"
        field, text = ("email", message.exact_email) if message.exact_email else ("logon_id", message.exact_logon_id)
        assert text is not None and message.page.number == 1
        hits = [c for c in self.customers if text.lower() == str(c[field] or "").lower()]
        size = message.page.size
        return {"customers": hits[:size], "page": 1, "size": size, "has_more": len(hits) > size}


async def test_a_uuid_is_taken_as_it_is_without_asking() -> None:
    lookup = FakeFind([])
    wanted = uuid.uuid4()
    assert await CustomerRef(f" {wanted} ").resolve(lookup) == wanted
    assert lookup.asked == []


async def test_a_logon_id_in_another_case_is_the_customer_whose_whole_logon_id_it_is() -> None:
    jdoe = row("jdoe", "jane@example.com")
    lookup = FakeFind([row("jdoe.junior", "j@example.com"), jdoe, row("xjdoe", "x@example.com")])
    assert await CustomerRef("JDoe").resolve(lookup) == uuid.UUID(jdoe["customer_id"])
    assert [(q.exact_logon_id, q.exact_email) for q in lookup.asked] == [("JDoe", None)]  # one query


async def test_an_e_mail_is_looked_up_as_a_logon_id_and_as_an_e_mail() -> None:
    jane = row("jane", "Jane@Example.com")
    lookup = FakeFind([jane, row("other", "jane@example.com.au")])
    assert await CustomerRef("jane@example.com").resolve(lookup) == uuid.UUID(jane["customer_id"])
    assert [(q.exact_logon_id, q.exact_email) for q in lookup.asked] == [
        ("jane@example.com", None),
        (None, "jane@example.com"),
    ]


async def test_a_logon_id_with_an_at_sign_is_found_as_a_logon_id() -> None:
    shop = row("shop@north", None)
    lookup = FakeFind([shop])
    # Not an e-mail (no domain with a dot): asked as a logon id only.
    assert await CustomerRef("Shop@North").resolve(lookup) == uuid.UUID(shop["customer_id"])
    assert [q.exact_email for q in lookup.asked] == [None]


async def test_an_e_mail_that_is_no_logon_id_is_asked_as_an_e_mail_only() -> None:
    obrien = row(None, "o'brien@example.ie")
    lookup = FakeFind([obrien])
    assert await CustomerRef("O'Brien@example.ie").resolve(lookup) == uuid.UUID(obrien["customer_id"])
    assert [(q.exact_logon_id, q.exact_email) for q in lookup.asked] == [(None, "O'Brien@example.ie")]


async def test_none_is_an_unknown_customer_and_several_are_ambiguous_with_the_candidates() -> None:
    twins = [row(None, "family@example.com"), row("dad", "family@example.com")]
    lookup = FakeFind([*twins, row("nobodyish", "n@example.com")])

    with pytest.raises(UnknownCustomer, match="'nobody': no customer has this logon id"):
        await CustomerRef("nobody").resolve(lookup)
    with pytest.raises(AmbiguousCustomer) as ambiguous:
        await CustomerRef("family@example.com", "--customer").resolve(lookup)

    assert "--customer 'family@example.com' names 2 customers" in str(ambiguous.value)
    assert ambiguous.value.exit_code == 2
    candidates = ambiguous.value.json_details()["candidates"]
    assert sorted(c["customer_id"] for c in candidates) == sorted(t["customer_id"] for t in twins)


async def test_a_logon_id_that_is_another_customers_e_mail_is_ambiguous() -> None:
    lookup = FakeFind([row("ann@example.com", "ann@work.example.com"), row("ann", "ann@example.com")])
    with pytest.raises(AmbiguousCustomer, match="names 2 customers"):
        await CustomerRef("ann@example.com").resolve(lookup)


@pytest.mark.parametrize("text", ["x" * 101, "no spaces allowed", "ab"])
async def test_what_is_no_logon_id_or_e_mail_is_said_without_asking(text: str) -> None:
    lookup = FakeFind([])
    with pytest.raises(UsageError, match="is not a customer id, logon id or e-mail"):
        await CustomerRef(text).resolve(lookup)
    assert lookup.asked == []
