"""Appeasements and store credit (MNY-07, MNY-08): which message goes to which use case. Included
from the service's wiring with one line (``credit_messages.register(h)``)."""

from __future__ import annotations

from contracts.orders import GetStoreCreditV1, GrantAppeasementV1, IssueStoreCreditV1, StoreCreditView
from services.orders.adapters.credit_unit_of_work import PostgresCreditUnitOfWork
from services.orders.adapters.deps import Ctx, OrdersDeps
from services.orders.adapters.store_credit_store import store_credit_view
from services.orders.application import credit
from services.runtime.handling import Handlers
from services.runtime.unit_of_work import UseCases

# The credit use cases ask for more than the orders unit of work: the store credit accounts and the
# appeasements (application/credit.py, CreditUnitOfWork).
_handler = UseCases(PostgresCreditUnitOfWork)


async def get_store_credit(ctx: Ctx, query: GetStoreCreditV1) -> StoreCreditView:
    """A query changes nothing and reads straight from the movements."""
    return await store_credit_view(ctx.conn, query.customer_id, query.currency, query.limit)


def register(h: Handlers[OrdersDeps]) -> None:
    h.command(GrantAppeasementV1)(_handler(credit.grant_appeasement))  # MNY-07
    h.command(IssueStoreCreditV1)(_handler(credit.issue_store_credit))  # MNY-08
    h.query(GetStoreCreditV1)(get_store_credit)  # MNY-08
