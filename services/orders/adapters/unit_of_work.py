"""The unit of work on PostgreSQL: the repositories over the message's own connection and
transaction (the runtime's, with its inbox and outbox), the clock, the actor and the outbox of the
message being handled."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import asyncpg

from contracts import errors
from contracts.errors import Refused
from contracts.orders import (
    CardPaymentInput,
    CommentView,
    LockView,
    OrderView,
    ProductView,
    ReturnOrderView,
    UpsertCouponV1,
    UpsertDiscountRuleV1,
    UpsertProductV1,
)
from services.orders.adapters import card_entry, catalog_store, order_store, servicing_store
from services.orders.adapters.block_list_store import PgBlockList
from services.orders.adapters.deps import Ctx, OrdersDeps
from services.orders.adapters.money import PostgresPayments
from services.orders.adapters.store_credit_store import PgStoreCredit
from services.orders.application.unit_of_work import OrderExists
from services.orders.domain import cards
from services.orders.domain.cards import CardFacts
from services.orders.domain.cart import CustomerName
from services.orders.domain.catalog import Coupon, Product
from services.orders.domain.credit import require_balance
from services.orders.domain.locks import Taken
from services.orders.domain.policy import ShopPolicy
from services.orders.domain.pricing import PricingPolicy, Rule
from services.runtime.unit_of_work import MessageUnitOfWork


class PostgresOrders:
    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> OrderView | None:
        return await order_store.load_order(self._ctx.conn, order_id, for_update=for_update)

    async def add(self, order: OrderView, change: str, reason: str) -> None:
        try:
            await order_store.insert_order(self._ctx.conn, order, change, reason)
        except asyncpg.UniqueViolationError:
            raise OrderExists(str(order.order_id)) from None

    async def update(self, order: OrderView, change: str, reason: str) -> None:
        await order_store.update_order(self._ctx.conn, order, change, reason)

    async def next_number(self) -> int:
        return await self._ctx.deps.order_numbers.next(self._ctx.conn)

    async def reserve_stock(self, order_id: uuid.UUID, lines: Sequence[tuple[int, str, int]]) -> None:
        await order_store.reserve_stock(self._ctx.conn, order_id, lines, self._ctx.now)

    async def release_stock(self, order_id: uuid.UUID) -> int:
        return await order_store.release_stock(self._ctx.conn, order_id)

    async def used_coupons(self, codes: Iterable[str], customer_id: uuid.UUID) -> set[str]:
        return await order_store.used_coupons(self._ctx.conn, codes, customer_id)

    async def redeem_coupons(self, codes: Iterable[str], order_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        await order_store.redeem_coupons(self._ctx.conn, list(codes), order_id, customer_id, self._ctx.now)

    async def recent_orders(self, customer_id: uuid.UUID, since: datetime, exclude: uuid.UUID) -> int:
        return await servicing_store.recent_orders(self._ctx.conn, customer_id, since, exclude)

    async def ship_stock(self, order_id: uuid.UUID, lines: Sequence[tuple[int, str, int]]) -> None:
        await servicing_store.ship_stock(self._ctx.conn, order_id, lines)

    async def add_comment(self, order_id: uuid.UUID, comment: CommentView) -> None:
        await order_store.insert_comment(self._ctx.conn, order_id, comment)


class PostgresQuotes:
    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def next_number(self) -> int:
        return await servicing_store.next_quote_sequence(self._ctx.conn)


class PostgresCustomers:
    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def known(self, customer_id: uuid.UUID) -> CustomerName | None:
        return await order_store.customer(self._ctx.conn, customer_id)

    async def remember(self, customer_id: uuid.UUID, who: CustomerName) -> None:
        await order_store.remember_customer(self._ctx.conn, customer_id, who, self._ctx.now)


class PostgresStoreCreditCover:
    """The customer's store credit account, read on the message's transaction (MNY-08)."""

    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def covers(self, order: OrderView, amount: Decimal | None, field: str) -> None:
        if amount is None or amount <= 0:
            raise Refused.field(errors.INVALID, field, "give the store credit to use, more than zero")
        account = await PgStoreCredit(self._ctx.conn).account(order.customer_id, order.currency)
        require_balance(account, amount, field)


class PostgresCards:
    """Sealed card numbers opened with the service's key, then tokenized by the provider (MNY-01)."""

    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def enter(self, card: CardPaymentInput, payment_id: uuid.UUID, field: str) -> CardFacts:
        ctx = self._ctx
        number = ctx.deps.open_secret(card.card_number, f"{field}.card_number")
        facts = cards.inspect_card(number, card.expiry_month, card.expiry_year, ctx.now, f"{field}.card_number")
        return await card_entry.tokenized(ctx, facts, number, card, payment_id, field)


class PostgresReturns:
    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def get(self, return_id: uuid.UUID, *, for_update: bool = False) -> ReturnOrderView | None:
        return await servicing_store.load_return(self._ctx.conn, return_id, for_update=for_update)

    async def add(self, document: ReturnOrderView) -> None:
        await servicing_store.insert_return(self._ctx.conn, document)

    async def update(self, document: ReturnOrderView) -> None:
        await servicing_store.update_return(self._ctx.conn, document)

    async def next_number(self) -> int:
        return await servicing_store.next_return_sequence(self._ctx.conn)


class PostgresCatalog:
    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def products(self, skus: Iterable[str], *, for_update: bool = False) -> Mapping[str, Product]:
        return await catalog_store.products(self._ctx.conn, skus, for_update=for_update)

    async def active_rules(self) -> list[Rule]:
        return await catalog_store.active_rules(self._ctx)

    async def coupons(self, codes: Iterable[str], *, for_update: bool = False) -> Mapping[str, Coupon]:
        return await catalog_store.coupons(self._ctx.conn, codes, for_update=for_update)

    async def upsert_product(self, cmd: UpsertProductV1) -> tuple[ProductView, bool]:
        return await catalog_store.upsert_product(self._ctx.conn, cmd, self._ctx.actor.agent_id, self._ctx.now)

    async def adjust_stock(self, sku: str, delta: int, reason: str) -> ProductView:
        ctx = self._ctx
        view = await catalog_store.adjust_stock(ctx.conn, sku, delta, reason, ctx.actor.agent_id, ctx.now)
        assert view is not None  # the use case read the product for update
        return view

    async def upsert_rule(self, cmd: UpsertDiscountRuleV1) -> int:
        return await catalog_store.upsert_rule(self._ctx, cmd)

    async def upsert_coupon(self, cmd: UpsertCouponV1) -> tuple[int, int]:
        return await catalog_store.upsert_coupon(self._ctx.conn, cmd, self._ctx.actor.agent_id, self._ctx.now)


class PostgresLocks:
    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def take(self, order_id: uuid.UUID, until: datetime, *, force: bool = False) -> Taken | None:
        ctx = self._ctx
        actor = ctx.actor
        return await servicing_store.take_lock(
            ctx.conn, order_id, actor.agent_id, actor.role.value, ctx.now, until, force=force
        )

    async def live(self, order_id: uuid.UUID) -> LockView | None:
        return await servicing_store.live_lock(self._ctx.conn, order_id, self._ctx.now)

    async def release(self, order_id: uuid.UUID, agent_id: str | None) -> bool:
        return await servicing_store.release_lock(self._ctx.conn, order_id, agent_id, self._ctx.now)


class PostgresUnitOfWork(MessageUnitOfWork[OrdersDeps]):
    def __init__(self, ctx: Ctx) -> None:
        super().__init__(ctx)
        self.orders = PostgresOrders(ctx)
        self.catalog = PostgresCatalog(ctx)
        self.locks = PostgresLocks(ctx)
        self.returns = PostgresReturns(ctx)
        self.payments = PostgresPayments(ctx)
        self.quotes = PostgresQuotes(ctx)
        self.customers = PostgresCustomers(ctx)
        self.cards = PostgresCards(ctx)
        self.block_list = PgBlockList(ctx)
        self.store_credit_cover = PostgresStoreCreditCover(ctx)

    @property
    def policy(self) -> ShopPolicy:
        return self.ctx.deps.settings

    @property
    def pricing(self) -> PricingPolicy:
        return self.ctx.deps.pricing

    @property
    def lock_timeout_s(self) -> float:
        return self.ctx.deps.settings.lock_timeout_s
