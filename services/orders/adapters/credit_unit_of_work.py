"""The unit of work of appeasements and store credit (MNY-07, MNY-08): the orders unit of work on
the message's transaction, with the store credit accounts, the appeasements and their limits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from contracts.orders import OrderView
from services.orders.adapters import money
from services.orders.adapters.deps import Ctx
from services.orders.adapters.store_credit_store import PgStoreCredit
from services.orders.adapters.unit_of_work import PostgresUnitOfWork
from services.orders.application.credit import Appeasement
from services.orders.domain.ledger import PaymentLedger, plan_refund, released


class PgGoodwill:
    """Appeasements (the ``appeasements`` table) and the order's card payments, on the message's
    transaction."""

    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def granted(self, appeasement_id: uuid.UUID) -> bool:
        found = await self._ctx.conn.fetchval("SELECT 1 FROM appeasements WHERE appeasement_id = $1", appeasement_id)
        return found is not None

    async def record(self, a: Appeasement) -> None:
        await self._ctx.conn.execute(
            "INSERT INTO appeasements (appeasement_id, order_id, customer_id, amount, currency, reason, note, payout,"
            " granted_by, granted_role, granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            a.appeasement_id,
            a.order_id,
            a.customer_id,
            a.amount,
            a.currency,
            a.reason,
            a.note,
            a.payout,
            a.granted_by,
            a.granted_role,
            a.at,
        )

    async def paid(self, order: OrderView) -> Decimal:
        """What the order's cards paid and were not given back (store credit is not a card)."""
        return _cards_only(order, await money.load(self._ctx, order)).totals().paid

    async def refund_to_cards(self, order: OrderView, amount: Decimal, reason: str) -> Decimal:
        """The refund planned over the cards' authorizations only (store credit an order also used
        is not where goodwill to the card goes), carried out like every movement of the ledger."""
        ledger = await money.load(self._ctx, order)
        planned = plan_refund(amount, _cards_only(order, ledger))
        _, done = await money.carry_out(self._ctx, order, ledger, planned, reason, "appeasement")
        return released(done)


def _cards_only(order: OrderView, ledger: PaymentLedger) -> PaymentLedger:
    cards = {p.payment_id for p in order.payments if p.method == "card"}
    return replace(ledger, movements=tuple(m for m in ledger.movements if m.payment_id in cards))


class PostgresCreditUnitOfWork(PostgresUnitOfWork):
    def __init__(self, ctx: Ctx) -> None:
        super().__init__(ctx)
        self.store_credit = PgStoreCredit(ctx.conn)
        self.goodwill = PgGoodwill(ctx)

    @property
    def appeasement_csr_limits(self) -> Mapping[str, Decimal]:
        return self.ctx.deps.settings.appeasement_csr_limits
