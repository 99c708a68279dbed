"""Find customers (CUS-03)."""

from __future__ import annotations

from contracts import errors
from contracts.customers import FindCustomersV1, FoundCustomers
from contracts.errors import Refused
from services.customers.application.unit_of_work import UnitOfWork
from services.customers.domain import search


async def find_customers(uow: UnitOfWork, query: FindCustomersV1) -> FoundCustomers:
    if not search.criteria(query) and not search.exact(query):
        raise Refused(
            errors.INVALID,
            "give at least one criterion: logon id, first or last name, phone, e-mail, postal code, city or "
            "account (any part), or the exact logon id or e-mail",
        )
    return await uow.views.found_customers(query)
