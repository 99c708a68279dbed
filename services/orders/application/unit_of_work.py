"""The seam between the use cases and everything outside them: one unit of work per message.

A use case loads through the repositories, asks the domain, saves through the repositories and emits
its events; it never sees SQL, Kafka or the runtime. The transaction is the runtime's (one per
message, with the inbox and the outbox): what a use case saves and emits is committed together after
it returns, or not at all when it refuses or fails. ``adapters.unit_of_work`` is the PostgreSQL one;
tests/unit/fake_unit_of_work.py keeps everything in memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from contracts.envelope import Actor, Event
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
from services.orders.application.payments import Payments
from services.orders.domain.cards import CardFacts
from services.orders.domain.cart import CustomerName
from services.orders.domain.catalog import Coupon, Product
from services.orders.domain.locks import Taken
from services.orders.domain.policy import ShopPolicy
from services.orders.domain.pricing import PricingPolicy, Rule
from services.orders.domain.risk import BlockListEntry


class OrderExists(Exception):
    """The order id a channel chose is taken (found when the order is added, not before)."""


class Orders(Protocol):
    """Carts, quotes and orders with their versions, stock reservations and coupon redemptions."""

    async def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> OrderView | None: ...
    async def add(self, order: OrderView, change: str, reason: str) -> None:
        """Raises OrderExists when the id is taken."""

    async def update(self, order: OrderView, change: str, reason: str) -> None: ...
    async def next_number(self) -> int:
        """The next order sequence number (never handed out twice; gaps allowed)."""

    async def reserve_stock(self, order_id: uuid.UUID, lines: Sequence[tuple[int, str, int]]) -> None: ...
    async def release_stock(self, order_id: uuid.UUID) -> int:
        """Give back what the order reserved; the units released."""

    async def used_coupons(self, codes: Iterable[str], customer_id: uuid.UUID) -> set[str]: ...
    async def redeem_coupons(self, codes: Iterable[str], order_id: uuid.UUID, customer_id: uuid.UUID) -> None: ...
    async def recent_orders(self, customer_id: uuid.UUID, since: datetime, exclude: uuid.UUID) -> int:
        """Orders of the customer submitted since ``since``, other than ``exclude`` (SRV-05 velocity)."""

    async def ship_stock(self, order_id: uuid.UUID, lines: Sequence[tuple[int, str, int]]) -> None:
        """(line number, SKU, quantity) left the warehouse: reservations and stock on hand go down."""

    async def add_comment(self, order_id: uuid.UUID, comment: CommentView) -> None: ...


class Quotes(Protocol):
    """Quote numbers (SRV-01); a quote itself is kept as an order is."""

    async def next_number(self) -> int: ...


class Customers(Protocol):
    """What the customers service told us of its customers (their names, e-mail and language)."""

    async def known(self, customer_id: uuid.UUID) -> CustomerName | None: ...
    async def remember(self, customer_id: uuid.UUID, who: CustomerName) -> None:
        """Keep the customer's names, and put them on the customer's orders."""


class Cards(Protocol):
    """A card number as it is entered (MNY-01): opened from its seal, checked, and given to the card
    provider for a token. The number never leaves the adapter; the use case gets the card's facts."""

    async def enter(self, card: CardPaymentInput, payment_id: uuid.UUID, field: str) -> CardFacts: ...


class StoreCreditCover(Protocol):
    """Whether the customer's store credit in the order's currency covers an instruction now (MNY-08);
    refuses it (``invalid``, ``insufficient_store_credit``) when not. It is taken at submit."""

    async def covers(self, order: OrderView, amount: Decimal | None, field: str) -> None: ...


class Returns(Protocol):
    """Return orders (SRV-12)."""

    async def get(self, return_id: uuid.UUID, *, for_update: bool = False) -> ReturnOrderView | None: ...
    async def add(self, document: ReturnOrderView) -> None: ...
    async def update(self, document: ReturnOrderView) -> None: ...
    async def next_number(self) -> int: ...


class BlockList(Protocol):
    """The block list of typed holds (MNY-09): values kept normalized (domain/risk.py)."""

    async def matching(self, values: Sequence[tuple[str, str]]) -> list[BlockListEntry]: ...
    async def get(self, entry_id: uuid.UUID) -> BlockListEntry | None: ...
    async def add(self, entry: BlockListEntry, note: str) -> bool:
        """False when the entry id or the (kind, value) is already on the list."""

    async def remove(self, entry_id: uuid.UUID) -> list[uuid.UUID]:
        """Take the entry off; the orders it held."""

    async def holds(self, entry_id: uuid.UUID, order_id: uuid.UUID) -> None:
        """Record that the entry holds the order."""


class Catalog(Protocol):
    """Products with their stock, discount rules and coupons (ORD-01, ORD-05)."""

    async def products(self, skus: Iterable[str], *, for_update: bool = False) -> Mapping[str, Product]: ...
    async def active_rules(self) -> list[Rule]: ...
    async def coupons(self, codes: Iterable[str], *, for_update: bool = False) -> Mapping[str, Coupon]: ...
    async def upsert_product(self, cmd: UpsertProductV1) -> tuple[ProductView, bool]:
        """The product as kept now, and whether it is new."""

    async def adjust_stock(self, sku: str, delta: int, reason: str) -> ProductView:
        """Stock on hand moved by ``delta`` (the movement recorded with its reason)."""

    async def upsert_rule(self, cmd: UpsertDiscountRuleV1) -> int:
        """The rule's new version."""

    async def upsert_coupon(self, cmd: UpsertCouponV1) -> tuple[int, int]:
        """The coupon's new version and how often it was used."""


class Locks(Protocol):
    """Edit locks (SRV-06)."""

    async def take(self, order_id: uuid.UUID, until: datetime, *, force: bool = False) -> Taken | None:
        """Take or extend the actor's lock; None when another agent holds a live one (unless ``force``)."""

    async def live(self, order_id: uuid.UUID) -> LockView | None: ...
    async def release(self, order_id: uuid.UUID, agent_id: str | None) -> bool:
        """Drop the live lock of ``agent_id`` (of anyone when None); True when there was one."""


class UnitOfWork(Protocol):
    @property
    def orders(self) -> Orders: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def locks(self) -> Locks: ...
    @property
    def returns(self) -> Returns: ...
    @property
    def quotes(self) -> Quotes: ...
    @property
    def customers(self) -> Customers: ...
    @property
    def cards(self) -> Cards: ...
    @property
    def block_list(self) -> BlockList: ...
    @property
    def store_credit_cover(self) -> StoreCreditCover: ...
    @property
    def payments(self) -> Payments:
        """Money after the sale against the order's payment ledger (MNY-01..MNY-04)."""

    @property
    def now(self) -> datetime: ...
    @property
    def actor(self) -> Actor: ...
    @property
    def message_id(self) -> uuid.UUID:
        """The id of the message being handled: what ids that must come out the same when it is
        redelivered are derived from (a payment instruction, an idempotency key)."""

    @property
    def policy(self) -> ShopPolicy:
        """The shop's configuration the rules read (limits, shipping modes, alert rules, lock timeout)."""

    @property
    def pricing(self) -> PricingPolicy: ...
    @property
    def lock_timeout_s(self) -> float: ...
    def emit(self, event: Event) -> None:
        """Publish ``event`` once the unit of work commits."""
