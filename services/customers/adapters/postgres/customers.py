"""SQL of the customer record, its address book and its change log. Functions take a connection;
the caller owns the transaction."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from contracts.common import Address
from services.customers.application.unit_of_work import Taken
from services.customers.domain import address_book as addressbook
from services.customers.domain.customer import Customer, ProfileChange
from services.runtime.db import Connection

_CUSTOMER_COLUMNS = """customer_id, logon_id, guest, first_name, last_name, email, phone, mobile_phone,
    preferred_currency, preferred_language, email_format, demographics, attributes, account_id, status, version,
    created_at, created_by, updated_at, updated_by, challenge_question, failed_logons, locked_at,
    must_change_password, password_expires_at"""


def _customer(row: asyncpg.Record) -> Customer:
    values = dict(row)
    values["demographics"] = json.loads(values["demographics"])
    values["attributes"] = json.loads(values["attributes"])
    return Customer(**{k: v for k, v in values.items() if k != "password_hash"})


async def logon_id_taken(conn: Connection, logon_id: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM customers WHERE lower(logon_id) = lower($1)", logon_id))


async def load(conn: Connection, customer_id: uuid.UUID, *, for_update: bool = False) -> Customer | None:
    # FOR UPDATE: two commands on one customer (say, from two partitions) apply one after the other.
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_CUSTOMER_COLUMNS} FROM customers WHERE customer_id = $1{lock}", customer_id)  # noqa: S608
    return _customer(row) if row else None


async def load_by_logon(conn: Connection, logon_id: str) -> tuple[Customer, str | None] | None:
    """The customer and its password hash, locked for the logon decision."""
    row = await conn.fetchrow(
        f"SELECT {_CUSTOMER_COLUMNS}, password_hash FROM customers WHERE lower(logon_id) = lower($1) FOR UPDATE",  # noqa: S608
        logon_id,
    )
    return (_customer(row), row["password_hash"]) if row else None


async def insert_customer(conn: Connection, c: Customer, password_hash: str | None, answer_hash: str | None) -> None:
    await conn.execute(
        """INSERT INTO customers (customer_id, logon_id, password_hash, challenge_question, challenge_answer_hash,
               guest, first_name, last_name, email, phone, preferred_currency, preferred_language, email_format,
               demographics, status, version, created_at, created_by, updated_at, updated_by, mobile_phone,
               attributes, account_id)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14::jsonb,$15,$16,$17,$18,$19,$20,$21,$22::jsonb,$23)""",
        c.customer_id,
        c.logon_id,
        password_hash,
        c.challenge_question,
        answer_hash,
        c.guest,
        c.first_name,
        c.last_name,
        c.email,
        c.phone,
        c.preferred_currency,
        c.preferred_language,
        c.email_format,
        json.dumps(c.demographics),
        c.status,
        c.version,
        c.created_at,
        c.created_by,
        c.updated_at,
        c.updated_by,
        c.mobile_phone,
        json.dumps(c.attributes),
        c.account_id,
    )


async def save(conn: Connection, c: Customer) -> None:
    """Write the customer's profile and status (not secrets: see :func:`set_password`)."""
    await conn.execute(
        """UPDATE customers SET logon_id = $2, guest = $3, first_name = $4, last_name = $5, email = $6, phone = $7,
               mobile_phone = $8, preferred_currency = $9, preferred_language = $10, email_format = $11,
               demographics = $12::jsonb, attributes = $13::jsonb, account_id = $14, status = $15, version = $16,
               updated_at = $17, updated_by = $18, challenge_question = $19, failed_logons = $20, locked_at = $21,
               must_change_password = $22, password_expires_at = $23
           WHERE customer_id = $1""",
        c.customer_id,
        c.logon_id,
        c.guest,
        c.first_name,
        c.last_name,
        c.email,
        c.phone,
        c.mobile_phone,
        c.preferred_currency,
        c.preferred_language,
        c.email_format,
        json.dumps(c.demographics),
        json.dumps(c.attributes),
        c.account_id,
        c.status,
        c.version,
        c.updated_at,
        c.updated_by,
        c.challenge_question,
        c.failed_logons,
        c.locked_at,
        c.must_change_password,
        c.password_expires_at,
    )


async def set_password(conn: Connection, customer_id: uuid.UUID, password_hash: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE customers SET password_hash = $2, password_changed_at = $3 WHERE customer_id = $1",
        customer_id,
        password_hash,
        now,
    )


async def set_challenge_answer(conn: Connection, customer_id: uuid.UUID, answer_hash: str | None) -> None:
    await conn.execute(
        "UPDATE customers SET challenge_answer_hash = $2 WHERE customer_id = $1", customer_id, answer_hash
    )


async def record_change(conn: Connection, c: Customer, change: ProfileChange) -> None:
    await conn.execute(
        """INSERT INTO customer_changes (customer_id, version, changed_fields, before, after, reason, changed_by,
               changed_at)
           VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8)""",
        c.customer_id,
        c.version,
        change.fields,
        json.dumps(change.before, default=str),
        json.dumps(change.after, default=str),
        change.reason,
        c.updated_by,
        c.updated_at,
    )


async def changes(conn: Connection, customer_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT version, changed_fields, before, after, reason, changed_by, changed_at FROM customer_changes
           WHERE customer_id = $1 ORDER BY change_id DESC LIMIT $2 OFFSET $3""",
        customer_id,
        limit,
        offset,
    )


# --- address book --------------------------------------------------------------------------------

_ADDRESS_FIELDS = ("nickname", "first_name", "last_name", "line1", "line2", "city", "region", "postal_code", "country")


def _address(row: asyncpg.Record) -> Address:
    return Address(**{f: row[f] for f in (*_ADDRESS_FIELDS, "phone")})


async def address_book(conn: Connection, customer_id: uuid.UUID) -> list[addressbook.Entry]:
    rows = await conn.fetch(
        "SELECT * FROM addresses WHERE customer_id = $1 ORDER BY created_at, address_id", customer_id
    )
    return [addressbook.Entry(r["address_id"], _address(r), r["default_billing"], r["default_shipping"]) for r in rows]


async def address_rows(conn: Connection, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT * FROM addresses WHERE customer_id = $1 ORDER BY created_at, address_id", customer_id
    )
    return [
        {
            "address_id": r["address_id"],
            "address": _address(r),
            "default_billing": r["default_billing"],
            "default_shipping": r["default_shipping"],
            "created_at": r["created_at"],
            "updated_at": r["updated_at"],
            "updated_by": r["updated_by"],
        }
        for r in rows
    ]


async def insert_address(
    conn: Connection,
    customer_id: uuid.UUID,
    address: Address,
    now: datetime,
    *,
    default_billing: bool,
    default_shipping: bool,
    by: str = "unknown",
    address_id: uuid.UUID | None = None,
) -> uuid.UUID:
    address_id = address_id or uuid.uuid4()
    await conn.execute(
        """INSERT INTO addresses (address_id, customer_id, nickname, first_name, last_name, line1, line2, city,
               region, postal_code, country, phone, default_billing, default_shipping, created_at, created_by,
               updated_at, updated_by)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$15,$16)""",
        address_id,
        customer_id,
        address.nickname,
        address.first_name,
        address.last_name,
        address.line1,
        address.line2,
        address.city,
        address.region,
        address.postal_code,
        address.country,
        address.phone,
        default_billing,
        default_shipping,
        now,
        by,
    )
    return address_id


async def save_book_change(
    conn: Connection, customer_id: uuid.UUID, change: addressbook.BookChange, now: datetime, by: str
) -> None:
    if change.change == "deleted":
        await conn.execute(
            "DELETE FROM addresses WHERE customer_id = $1 AND address_id = $2", customer_id, change.address_id
        )
    # Defaults are cleared first and set after: the one-default-per-customer unique indexes are
    # checked row by row, so moving a default in one statement could collide with itself.
    await conn.execute(
        "UPDATE addresses SET default_billing = false, default_shipping = false"
        " WHERE customer_id = $1 AND (default_billing OR default_shipping)",
        customer_id,
    )
    if change.change == "added" and change.after is not None:
        await insert_address(
            conn,
            customer_id,
            change.after,
            now,
            default_billing=False,
            default_shipping=False,
            by=by,
            address_id=change.address_id,
        )
    if change.change == "modified" and change.after is not None:
        a = change.after
        await conn.execute(
            """UPDATE addresses SET nickname = $3, first_name = $4, last_name = $5, line1 = $6, line2 = $7, city = $8,
                   region = $9, postal_code = $10, country = $11, phone = $12, updated_at = $13, updated_by = $14
               WHERE customer_id = $1 AND address_id = $2""",
            customer_id,
            change.address_id,
            a.nickname,
            a.first_name,
            a.last_name,
            a.line1,
            a.line2,
            a.city,
            a.region,
            a.postal_code,
            a.country,
            a.phone,
            now,
            by,
        )
    for column, address_id in (
        ("default_billing", change.default_billing),
        ("default_shipping", change.default_shipping),
    ):
        if address_id is not None:
            await conn.execute(
                f"UPDATE addresses SET {column} = true WHERE customer_id = $1 AND address_id = $2",  # noqa: S608
                customer_id,
                address_id,
            )


class PostgresCustomers:
    """The customer records in this service's database (application.unit_of_work.Customers)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def logon_id_taken(self, logon_id: str) -> bool:
        return await logon_id_taken(self._conn, logon_id)

    async def get(self, customer_id: uuid.UUID, *, for_update: bool = False) -> Customer | None:
        return await load(self._conn, customer_id, for_update=for_update)

    async def get_by_logon_for_update(self, logon_id: str) -> tuple[Customer, str | None] | None:
        return await load_by_logon(self._conn, logon_id)

    async def add(self, customer: Customer, password_hash: str | None, answer_hash: str | None) -> None:
        try:
            await insert_customer(self._conn, customer, password_hash, answer_hash)
        except asyncpg.UniqueViolationError:
            raise Taken(f"logon id {customer.logon_id!r}") from None

    async def save(self, customer: Customer) -> None:
        try:
            await save(self._conn, customer)
        except asyncpg.UniqueViolationError:
            raise Taken(f"logon id {customer.logon_id!r}") from None

    async def set_password(self, customer_id: uuid.UUID, password_hash: str, now: datetime) -> None:
        await set_password(self._conn, customer_id, password_hash, now)

    async def set_challenge_answer(self, customer_id: uuid.UUID, answer_hash: str | None) -> None:
        await set_challenge_answer(self._conn, customer_id, answer_hash)

    async def record_change(self, customer: Customer, change: ProfileChange) -> None:
        await record_change(self._conn, customer, change)

    async def add_address(self, customer_id: uuid.UUID, address: Address, now: datetime, *, by: str) -> None:
        await insert_address(self._conn, customer_id, address, now, default_billing=True, default_shipping=True, by=by)

    async def address_book(self, customer_id: uuid.UUID) -> list[addressbook.Entry]:
        return await address_book(self._conn, customer_id)

    async def save_book_change(
        self, customer_id: uuid.UUID, change: addressbook.BookChange, now: datetime, by: str
    ) -> None:
        await save_book_change(self._conn, customer_id, change, now, by)
