"""Loading and saving a customer record, as every use case on one does it."""

from __future__ import annotations

import uuid

from contracts import errors
from contracts.errors import Refused
from services.customers.application.unit_of_work import UnitOfWork
from services.customers.domain.customer import Customer, ProfileChange


async def customer_for_update(uow: UnitOfWork, customer_id: uuid.UUID, field: str = "payload.customer_id") -> Customer:
    """The customer, locked until the transaction ends: two commands on one customer (say, from
    two partitions) apply one after the other."""
    customer = await uow.customers.get(customer_id, for_update=True)
    if customer is None:
        raise Refused.field(errors.NOT_FOUND, field, f"no customer {customer_id}")
    return customer


async def known_customer(uow: UnitOfWork, customer_id: uuid.UUID) -> None:
    if await uow.customers.get(customer_id) is None:
        raise Refused.field(errors.NOT_FOUND, "payload.customer_id", f"no customer {customer_id}")


async def save_with_change(uow: UnitOfWork, customer: Customer, change: ProfileChange) -> None:
    """Save the new version of the customer and log who changed what."""
    await uow.customers.save(customer)
    await uow.customers.record_change(customer, change)
