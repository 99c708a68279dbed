"""The orders service's keys in the one global lock order (services/runtime/ordered_locks.py).

Every statement that writes a product's stock or a coupon's uses takes its key first; so do the
reads that decide on them (``FOR UPDATE``). The spaces are ranked as one message takes them: the
customer (a one-command order looks its customer up first), then the products, then the coupons
(submit prices with the products, then redeems the coupons). A message that needs them the other
way round is not wrong: the keys below are tried instead of waited for (ordered_locks.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from services.runtime import ordered_locks
from services.runtime.db import Connection

CUSTOMER = 6_171
PRODUCT = 6_172
COUPON = 6_173


async def products(conn: Connection, skus: Iterable[str]) -> None:
    await ordered_locks.take(conn, (ordered_locks.key(PRODUCT, sku) for sku in skus))


async def coupons(conn: Connection, codes: Iterable[str]) -> None:
    await ordered_locks.take(conn, (ordered_locks.key(COUPON, code) for code in codes))


async def customer(conn: Connection, customer_id: uuid.UUID) -> None:
    await ordered_locks.take(conn, [ordered_locks.key(CUSTOMER, str(customer_id))])
