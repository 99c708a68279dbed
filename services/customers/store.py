"""SQL of the customers service. Functions take a connection; the caller owns the transaction."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from contracts.common import Address
from services.customers.domain import Customer
from services.runtime.db import Connection


async def logon_id_taken(conn: Connection, logon_id: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM customers WHERE lower(logon_id) = lower($1)", logon_id))


async def insert_customer(conn: Connection, c: Customer, password_hash: str | None, answer_hash: str | None) -> None:
    await conn.execute(
        """INSERT INTO customers (customer_id, logon_id, password_hash, challenge_question, challenge_answer_hash,
               guest, first_name, last_name, email, phone, preferred_currency, preferred_language, email_format,
               demographics, status, version, created_at, created_by, updated_at, updated_by)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14::jsonb,$15,$16,$17,$18,$19,$20)""",
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
    )


async def insert_address(
    conn: Connection,
    customer_id: uuid.UUID,
    address: Address,
    now: datetime,
    *,
    default_billing: bool,
    default_shipping: bool,
) -> uuid.UUID:
    address_id = uuid.uuid4()
    await conn.execute(
        """INSERT INTO addresses (address_id, customer_id, nickname, first_name, last_name, line1, line2, city,
               region, postal_code, country, phone, default_billing, default_shipping, created_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)""",
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
    )
    return address_id
