"""The unit of work of appeasements and store credit (MNY-07, MNY-08): the orders unit of work on
the message's transaction, with the store credit accounts, the appeasements and their limits."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from contracts import errors
from contracts.errors import Refused
from contracts.orders import OrderView
from services.orders.adapters.deps import Ctx
from services.orders.adapters.store_credit_store import PgGoodwill, PgStoreCredit
from services.orders.adapters.unit_of_work import PostgresUnitOfWork
from services.orders.domain.credit import require_balance


class PostgresCreditUnitOfWork(PostgresUnitOfWork):
    def __init__(self, ctx: Ctx) -> None:
        super().__init__(ctx)
        self.store_credit = PgStoreCredit(ctx.conn)
        self.goodwill = PgGoodwill(ctx.conn)

    @property
    def appeasement_csr_limits(self) -> Mapping[str, Decimal]:
        return self.ctx.deps.settings.appeasement_csr_limits


async def store_credit_covers(ctx: Ctx, order: OrderView, amount: Decimal | None, field: str) -> None:
    """A store credit instruction is refused when it asks for more than the balance now (it is
    taken at submit: a balance spent meanwhile is a decline there, like a card's)."""
    if amount is None or amount <= 0:
        raise Refused.field(errors.INVALID, field, "give the store credit to use, more than zero")
    account = await PgStoreCredit(ctx.conn).account(order.customer_id, order.currency)
    require_balance(account, amount, field)
