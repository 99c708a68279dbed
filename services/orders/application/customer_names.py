"""What orders keeps of the customers service's customers (their names, e-mail and language), from its
events: a new cart for a known customer is filled in from it, and the customer's orders show the name."""

from __future__ import annotations

from contracts.customers import CustomerRegisteredV1, CustomerUpdatedV1
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain.cart import CustomerName


async def on_customer_registered(uow: UnitOfWork, event: CustomerRegisteredV1) -> None:
    who = CustomerName(event.first_name, event.last_name, event.email, event.preferred_language)
    await uow.customers.remember(event.customer_id, who)


async def on_customer_updated(uow: UnitOfWork, event: CustomerUpdatedV1) -> None:
    who = CustomerName(event.first_name, event.last_name, event.email, event.preferred_language)
    await uow.customers.remember(event.customer_id, who)
