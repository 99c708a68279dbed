"""What a search for customers (CUS-03) looks for: the criteria given, normalized, partial ones and
exact ones. How they are looked up is the postgres adapter's (adapters/postgres/search.py)."""

from __future__ import annotations

import re

from contracts.customers import FindCustomersV1

# Every criterion a search can combine, in the order the query names them.
CRITERIA = ("logon_id", "first_name", "last_name", "email", "phone", "postal_code", "city", "account")


def normalized(criterion: str, term: str) -> str:
    if criterion == "phone":
        return re.sub(r"\D", "", term)  # "(555) 010" finds "+1 555 010 1234"
    return term


# Criteria matching the whole value, ignoring case: how a caller names a customer.
EXACT = ("exact_logon_id", "exact_email")


def exact(query: FindCustomersV1) -> dict[str, str]:
    """The exact criteria given."""
    return {name: str(getattr(query, name)) for name in EXACT if getattr(query, name)}


def criteria(query: FindCustomersV1) -> dict[str, str]:
    """The criteria given, normalized. A phone criterion without digits is no criterion."""
    given = {name: getattr(query, name) for name in CRITERIA if getattr(query, name)}
    return {name: normalized(name, term) for name, term in given.items() if normalized(name, term)}
