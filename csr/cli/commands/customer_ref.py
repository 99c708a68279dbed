"""A customer as the caller names them: the customer id (a UUID), the logon id or the e-mail
address; left out, the customer of the call in progress (``csr call start``).

A logon id or an e-mail is looked up with the customers service's find query (FindCustomersV1,
which matches any part, ignoring case and accents) and kept only when the whole value is the
same, ignoring case: logon ids are unique ignoring case, e-mail addresses need not be. None or
more than one exact match is a usage error (exit 2, nothing sent) that says what to type instead
and, with ``--json``, lists the candidates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from contracts.customers import FindCustomersV1
from csr.cli.call_context import load_call
from csr.cli.runner import Lookup, Reference
from csr.client.errors import UsageError

PAGE_SIZE = 100  # the most the find query returns at once
MAX_PAGES = 5  # beyond 500 customers containing the text, the caller must be named by id


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
    """The customers whose logon id (or, for text with an @, e-mail) is ``text``, ignoring case."""
    wanted = text.casefold()
    fields = ("logon_id", "email") if "@" in text else ("logon_id",)
    found: dict[str, dict[str, Any]] = {}
    for field in fields:
        for row in await _containing(lookup, field, text, option):
            if str(row.get(field) or "").casefold() == wanted:
                found[str(row["customer_id"])] = row
    return list(found.values())


async def _containing(lookup: Lookup, field: str, text: str, option: str) -> list[dict[str, Any]]:
    """Every customer whose ``field`` contains ``text``, page by page, up to MAX_PAGES."""
    rows: list[dict[str, Any]] = []
    for number in range(1, MAX_PAGES + 1):
        try:
            query = FindCustomersV1.model_validate({field: text, "page": {"number": number, "size": PAGE_SIZE}})
        except ValidationError:
            raise UsageError(f"{option} {text!r} is not a customer id, logon id or e-mail") from None
        result = await lookup.ask(query)
        rows.extend(result["customers"])
        unique = field == "logon_id"  # logon ids are unique ignoring case: the first one found is it
        if unique and any(str(r.get(field) or "").casefold() == text.casefold() for r in result["customers"]):
            return rows
        if not result["has_more"]:
            return rows
    raise UsageError(f"{option} {text!r}: more than {MAX_PAGES * PAGE_SIZE} customers contain it; give the customer id")


def _candidate(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": str(row["customer_id"]),
        "logon_id": row.get("logon_id"),
        "email": row.get("email"),
        "first_name": row.get("first_name"),
        "last_name": row.get("last_name"),
        "guest": row.get("guest"),
    }
