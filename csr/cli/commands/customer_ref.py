"""A customer as the caller names them: the customer id (a UUID), the logon id or the e-mail
address; left out, the customer of the call in progress (``csr call start``).

A logon id or an e-mail is looked up with the customers service's find query by its whole value,
ignoring case (FindCustomersV1 ``exact_logon_id``, ``exact_email``: one index probe each, no
paging): logon ids are unique ignoring case, e-mail addresses need not be, and text with an @ may
be either. None or more than one match is a usage error (exit 2, nothing sent) that says what to
type instead and, with ``--json``, lists the candidates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from contracts.customers import FindCustomersV1
from csr.cli.call_context import load_call
from csr.cli.runner import Lookup, Reference
from csr.client.errors import UsageError

PAGE_SIZE = 100  # the most the find query returns at once: more customers sharing an e-mail is ambiguous anyway


class UnknownCustomer(UsageError):
    kind = "unknown_customer"


class AmbiguousCustomer(UsageError):
    """More than one customer has this e-mail (a guest and a registered customer, say)."""

    kind = "ambiguous_customer"

    def __init__(self, message: str, candidates: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.candidates = candidates

    def json_details(self) -> dict[str, Any]:
        return {"candidates": self.candidates}


@dataclass(frozen=True)
class CustomerRef(Reference):
    """What was typed for a customer, resolved to the customer's id when the command is sent."""

    text: str
    option: str = "CUSTOMER"

    async def resolve(self, lookup: Lookup) -> uuid.UUID:
        text = self.text.strip()
        try:
            return uuid.UUID(text)
        except ValueError:
            pass
        matches = await exact_matches(lookup, text, self.option)
        if not matches:
            how = "logon id or e-mail" if "@" in text else "logon id"
            raise UnknownCustomer(
                f"{self.option} {text!r}: no customer has this {how} (give the customer id, a logon id or an "
                "e-mail; `csr customer find` searches by name)"
            )
        if len(matches) > 1:
            listed = "; ".join(f"{m['customer_id']} {m['first_name']} {m['last_name']}" for m in matches)
            raise AmbiguousCustomer(
                f"{self.option} {text!r} names {len(matches)} customers ({listed}): give the customer id",
                [_candidate(m) for m in matches],
            )
        return uuid.UUID(str(matches[0]["customer_id"]))


def customer_ref(text: str | None, option: str = "CUSTOMER") -> CustomerRef:
    """The customer typed, else the customer of the call in progress."""
    if text is not None and text.strip():
        return CustomerRef(text, option)
    call = load_call()
    if call is None:
        raise UsageError(
            f"give {option} (a customer id, logon id or e-mail), or start a call: csr call start <customer>"
        )
    return CustomerRef(str(call.customer_id), option)


def optional_customer(text: str | None, option: str = "--customer") -> CustomerRef | None:
    """A filter: the customer typed, or no filter (the call in progress does not narrow a search)."""
    return CustomerRef(text, option) if text is not None and text.strip() else None


async def exact_matches(lookup: Lookup, text: str, option: str) -> list[dict[str, Any]]:
    """The customers whose whole logon id (or, for text with an @, e-mail) is ``text``, ignoring case."""
    found: dict[str, dict[str, Any]] = {}
    for query in _exact_queries(text, option):
        for row in (await lookup.ask(query))["customers"]:
            found[str(row["customer_id"])] = row
    return list(found.values())


def _exact_queries(text: str, option: str) -> list[FindCustomersV1]:
    """One exact query per thing ``text`` can be: a logon id and, with an @, an e-mail (a logon id
    may contain an @ too). Text that can be neither is said at once, nothing asked."""
    criteria = ("exact_logon_id", "exact_email") if "@" in text else ("exact_logon_id",)
    queries = []
    for criterion in criteria:
        try:
            queries.append(FindCustomersV1.model_validate({criterion: text, "page": {"size": PAGE_SIZE}}))
        except ValidationError:
            continue  # not a well-formed logon id (or e-mail): no customer can have it
    if not queries:
        raise UsageError(f"{option} {text!r} is not a customer id, logon id or e-mail")
    return queries


def _candidate(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": str(row["customer_id"]),
        "logon_id": row.get("logon_id"),
        "email": row.get("email"),
        "first_name": row.get("first_name"),
        "last_name": row.get("last_name"),
        "guest": row.get("guest"),
    }
