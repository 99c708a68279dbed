"""How csr turns what the caller said into a customer id: the whole value must match (ignoring
case), the find query is read page by page, none or several matches are usage errors that say
what to type, and nothing further is asked once a logon id is found."""

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
    """The customers service's find: substring match ignoring case, pages of the size asked."""

    def __init__(self, customers: list[dict[str, Any]]) -> None:
        super().__init__(Session())
        self.customers = customers
        self.asked: list[FindCustomersV1] = []

    async def ask(self, message: Command | Query) -> dict[str, Any]:
        assert isinstance(message, FindCustomersV1)
        self.asked.append(message)
        field, text = ("email", message.email) if message.email else ("logon_id", message.logon_id)
        assert text is not None
        hits = [c for c in self.customers if text.casefold() in str(c[field] or "").casefold()]
        size, number = message.page.size, message.page.number
        page = hits[(number - 1) * size : number * size]
        return {"customers": page, "page": number, "size": size, "has_more": len(hits) > number * size}


async def test_a_uuid_is_taken_as_it_is_without_asking() -> None:
    lookup = FakeFind([])
    wanted = uuid.uuid4()
    assert await CustomerRef(f" {wanted} ").resolve(lookup) == wanted
    assert lookup.asked == []


async def test_a_logon_id_in_another_case_is_the_customer_whose_whole_logon_id_it_is() -> None:
    jdoe = row("jdoe", "jane@example.com")
    lookup = FakeFind([row("jdoe.junior", "j@example.com"), jdoe, row("xjdoe", "x@example.com")])
    assert await CustomerRef("JDoe").resolve(lookup) == uuid.UUID(jdoe["customer_id"])
    assert [q.logon_id for q in lookup.asked] == ["JDoe"]  # found on the first page: no second query


async def test_an_e_mail_is_looked_up_as_a_logon_id_and_as_an_e_mail() -> None:
    jane = row("jane", "Jane@Example.com")
    lookup = FakeFind([jane, row("other", "jane@example.com.au")])
    assert await CustomerRef("jane@example.com").resolve(lookup) == uuid.UUID(jane["customer_id"])
    assert [(q.logon_id, q.email) for q in lookup.asked] == [("jane@example.com", None), (None, "jane@example.com")]


async def test_a_logon_id_found_on_a_later_page_is_found() -> None:
    wanted = row("ann", "ann@example.com", last_name="Zed")
    others = [row(f"ann{i}", f"a{i}@example.com", last_name="Abe") for i in range(150)]
    lookup = FakeFind([*others, wanted])
    assert await CustomerRef("ann").resolve(lookup) == uuid.UUID(wanted["customer_id"])
    assert [q.page.number for q in lookup.asked] == [1, 2]


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


async def test_more_customers_containing_it_than_csr_reads_asks_for_the_id() -> None:
    lookup = FakeFind([row(f"bo{i:04d}", f"b{i}@example.com") for i in range(600)] + [row("bo", "bo@example.com")])
    with pytest.raises(UsageError, match="more than 500 customers contain it; give the customer id"):
        await CustomerRef("bo").resolve(lookup)


async def test_what_is_no_search_term_is_said_without_asking() -> None:
    lookup = FakeFind([])
    with pytest.raises(UsageError, match="is not a customer id, logon id or e-mail"):
        await CustomerRef("x" * 101).resolve(lookup)
    assert lookup.asked == []
