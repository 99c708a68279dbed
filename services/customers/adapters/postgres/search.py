"""Find customers and accounts (CUS-03, CUS-13) in PostgreSQL: partial, case-insensitive, combined
criteria (domain/search.py says which), paged; and exact ones, for a customer named by logon id or
e-mail.

Every criterion becomes ``search_key(column) LIKE search_key('%term%')``: case and accents ignored
in every script ("lukasz" finds "ŁUKASZ", "orsted" finds "Ørsted"; runtime migration 010), on an
expression with a trigram GIN index (migration 003), so PostgreSQL narrows the candidates through
the index instead of reading every customer.
The SQL text is assembled only from the fixed fragments below; the user's terms are always bind
parameters, with LIKE's wildcards escaped so that ``%`` and ``_`` match themselves.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from contracts.customers import FindCustomersV1
from services.customers.domain.search import CRITERIA, EXACT, criteria, exact
from services.runtime.db import Connection

_FRAGMENTS = {
    "logon_id": "search_key(c.logon_id) LIKE search_key({p})",
    "first_name": "search_key(c.first_name) LIKE search_key({p})",
    "last_name": "search_key(c.last_name) LIKE search_key({p})",
    "email": "search_key(c.email) LIKE search_key({p})",
    "phone": "c.phone_digits LIKE {p}",
    "postal_code": """EXISTS (SELECT 1 FROM addresses a WHERE a.customer_id = c.customer_id
                      AND search_key(a.postal_code) LIKE search_key({p}))""",
    "city": """EXISTS (SELECT 1 FROM addresses a WHERE a.customer_id = c.customer_id
                      AND search_key(a.city) LIKE search_key({p}))""",
    "account": """c.account_id IN (SELECT account_id FROM accounts
                      WHERE search_key(name) LIKE search_key({p})
                         OR search_key(account_number) LIKE search_key({p}))""",
}
# The whole value, ignoring case: one probe of the unique index on lower(logon_id) (migration 001)
# or of the b-tree on lower(email) (migration 004), never a trigram scan, whatever else is asked.
_EXACT_FRAGMENTS = {
    "exact_logon_id": "lower(c.logon_id) = lower({p})",
    "exact_email": "lower(c.email) = lower({p})",
}
assert set(_FRAGMENTS) == set(CRITERIA)  # a criterion the domain knows has its SQL here
assert set(_EXACT_FRAGMENTS) == set(EXACT)


def contains(term: str) -> str:
    """The LIKE pattern matching ``term`` anywhere, with its own wildcards taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def customers_sql(query: FindCustomersV1) -> tuple[str, list[Any]]:
    terms = criteria(query)
    where: list[str] = []
    args: list[Any] = []
    for name, term in terms.items():
        args.append(contains(term))
        where.append(_FRAGMENTS[name].format(p=f"${len(args)}"))
    for name, term in exact(query).items():
        args.append(term)
        where.append(_EXACT_FRAGMENTS[name].format(p=f"${len(args)}"))
    if not query.include_guests:
        where.append("NOT c.guest")
    args += [query.page.size + 1, (query.page.number - 1) * query.page.size]
    sql = f"""SELECT c.customer_id, c.logon_id, c.guest, c.status, c.first_name, c.last_name, c.email, c.phone,
                  acc.account_number, acc.name AS account_name,
                  (SELECT a.postal_code FROM addresses a WHERE a.customer_id = c.customer_id
                    ORDER BY a.default_billing DESC, a.created_at LIMIT 1) AS postal_code
             FROM customers c LEFT JOIN accounts acc ON acc.account_id = c.account_id
            WHERE {" AND ".join(where) or "true"}
            ORDER BY lower(c.last_name), lower(c.first_name), c.customer_id
            LIMIT ${len(args) - 1} OFFSET ${len(args)}"""  # noqa: S608 - fixed fragments; terms are parameters
    return sql, args


async def find_customers(conn: Connection, query: FindCustomersV1) -> list[asyncpg.Record]:
    sql, args = customers_sql(query)
    return await conn.fetch(sql, *args)


async def find_accounts(conn: Connection, text: str, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT a.*, (SELECT count(*) FROM customers c WHERE c.account_id = a.account_id) AS members
             FROM accounts a
            WHERE search_key(a.name) LIKE search_key($1) OR search_key(a.account_number) LIKE search_key($1)
            ORDER BY lower(a.name), a.account_id LIMIT $2 OFFSET $3""",
        contains(text),
        limit,
        offset,
    )
