"""A unit of work in memory, for fast tests of the orders use cases: what a use case saved, reserved,
redeemed, locked and emitted is kept in plain dicts and lists to look at afterwards."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from contracts import errors
from contracts.common import Money
from contracts.envelope import Actor, Event, Role
from contracts.errors import Refused
from contracts.orders import (
    CardPaymentInput,
    CommentView,
    LockView,
    MoneyCause,
    OrderErrors,
    OrderView,
    ProductView,
    ReturnOrderView,
    ShipmentRecord,
    UpsertCouponV1,
    UpsertDiscountRuleV1,
    UpsertProductV1,
)
from services.orders.application.unit_of_work import OrderExists
from services.orders.domain import cards
from services.orders.domain.cards import CardFacts
from services.orders.domain.cart import CustomerName
from services.orders.domain.catalog import Coupon, Product
from services.orders.domain.locks import Taken
from services.orders.domain.pricing import PricingPolicy, Rule
from services.orders.domain.risk import BlockListEntry
from services.orders.settings import OrdersSettings
from tests.support.orders import NOW, POLICY, SETTINGS

E = TypeVar("E", bound=Event)


@dataclass
class FakeOrders:
    saved: dict[uuid.UUID, OrderView] = field(default_factory=dict)
    versions: list[tuple[uuid.UUID, int, str, str]] = field(default_factory=list)  # id, version, change, reason
    reserved: dict[uuid.UUID, list[tuple[int, str, int]]] = field(default_factory=dict)
    redeemed: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    numbers: int = 100000
    recent: int = 0
    shipped: list[tuple[uuid.UUID, int, str, int]] = field(default_factory=list)
    comments: list[tuple[uuid.UUID, CommentView]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    async def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> OrderView | None:
        return self.saved.get(order_id)

    async def add(self, order: OrderView, change: str, reason: str) -> None:
        if order.order_id in self.saved:
            raise OrderExists(str(order.order_id))
        await self.update(order, change, reason)

    async def update(self, order: OrderView, change: str, reason: str) -> None:
        self.saved[order.order_id] = order
        self.versions.append((order.order_id, order.version, change, reason))

    async def next_number(self) -> int:
        self.numbers += 1
        return self.numbers

    async def reserve_stock(self, order_id: uuid.UUID, lines: Sequence[tuple[int, str, int]]) -> None:
        self.reserved.setdefault(order_id, []).extend(ln for ln in lines if ln[2] > 0)

    async def release_stock(self, order_id: uuid.UUID) -> int:
        return sum(qty for _, _, qty in self.reserved.pop(order_id, []))

    async def used_coupons(self, codes: Iterable[str], customer_id: uuid.UUID) -> set[str]:
        return self.used & set(codes)

    async def redeem_coupons(self, codes: Iterable[str], order_id: uuid.UUID, customer_id: uuid.UUID) -> None:
        self.redeemed += [(code, order_id) for code in codes]

    async def recent_orders(self, customer_id: uuid.UUID, since: datetime, exclude: uuid.UUID) -> int:
        return self.recent

    async def ship_stock(self, order_id: uuid.UUID, lines: Sequence[tuple[int, str, int]]) -> None:
        self.shipped += [(order_id, *ln) for ln in lines]

    async def add_comment(self, order_id: uuid.UUID, comment: CommentView) -> None:
        self.comments.append((order_id, comment))


@dataclass
class FakeQuotes:
    numbers: int = 700000

    async def next_number(self) -> int:
        self.numbers += 1
        return self.numbers


@dataclass
class FakeCustomers:
    names: dict[uuid.UUID, CustomerName] = field(default_factory=dict)

    async def known(self, customer_id: uuid.UUID) -> CustomerName | None:
        return self.names.get(customer_id)

    async def remember(self, customer_id: uuid.UUID, who: CustomerName) -> None:
        self.names[customer_id] = who


@dataclass
class FakeCards:
    """Card numbers come in the clear here (no seal, no provider): the card's facts with a made-up
    token; what was entered is kept to look at."""

    now: datetime
    entered: list[uuid.UUID] = field(default_factory=list)

    async def enter(self, card: CardPaymentInput, payment_id: uuid.UUID, field: str) -> CardFacts:
        facts = cards.inspect_card(
            card.card_number, card.expiry_month, card.expiry_year, self.now, f"{field}.card_number"
        )
        self.entered.append(payment_id)
        return dataclasses.replace(facts, token=f"tok-{payment_id}")


@dataclass
class FakeReturns:
    saved: dict[uuid.UUID, ReturnOrderView] = field(default_factory=dict)
    numbers: int = 500000

    async def get(self, return_id: uuid.UUID, *, for_update: bool = False) -> ReturnOrderView | None:
        return self.saved.get(return_id)

    async def add(self, document: ReturnOrderView) -> None:
        self.saved[document.return_id] = document

    async def update(self, document: ReturnOrderView) -> None:
        self.saved[document.return_id] = document

    async def next_number(self) -> int:
        self.numbers += 1
        return self.numbers


@dataclass
class FakeCatalog:
    items: dict[str, Product] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    coupon_terms: dict[str, Coupon] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    rule_versions: dict[str, int] = field(default_factory=dict)

    async def products(self, skus: Iterable[str], *, for_update: bool = False) -> Mapping[str, Product]:
        return {sku: self.items[sku] for sku in skus if sku in self.items}

    async def active_rules(self) -> list[Rule]:
        return list(self.rules)

    async def coupons(self, codes: Iterable[str], *, for_update: bool = False) -> Mapping[str, Coupon]:
        return {code: self.coupon_terms[code] for code in codes if code in self.coupon_terms}

    async def upsert_product(self, cmd: UpsertProductV1) -> tuple[ProductView, bool]:
        old = self.items.get(cmd.sku)
        on_hand = cmd.on_hand if cmd.on_hand is not None else (old.on_hand if old else 0)
        self.items[cmd.sku] = Product(
            sku=cmd.sku,
            name=cmd.name,
            prices={p.currency: p.amount for p in cmd.prices},
            trackable=cmd.trackable,
            stocked=cmd.stocked,
            backorderable=cmd.backorderable,
            active=cmd.active,
            on_hand=on_hand,
            reserved=old.reserved if old else 0,
        )
        self.versions[cmd.sku] = self.versions.get(cmd.sku, 0) + 1
        return self.view(cmd.sku), old is None

    async def adjust_stock(self, sku: str, delta: int, reason: str) -> ProductView:
        product = self.items[sku]
        self.items[sku] = dataclasses.replace(product, on_hand=product.on_hand + delta)
        self.versions[sku] = self.versions.get(sku, 0) + 1
        return self.view(sku)

    async def upsert_rule(self, cmd: UpsertDiscountRuleV1) -> int:
        self.rule_versions[cmd.code] = self.rule_versions.get(cmd.code, 0) + 1
        return self.rule_versions[cmd.code]

    async def upsert_coupon(self, cmd: UpsertCouponV1) -> tuple[int, int]:
        self.rule_versions[cmd.code] = self.rule_versions.get(cmd.code, 0) + 1
        used = self.coupon_terms[cmd.code].uses if cmd.code in self.coupon_terms else 0
        return self.rule_versions[cmd.code], used

    def view(self, sku: str) -> ProductView:
        p = self.items[sku]
        return ProductView(
            sku=p.sku,
            name=p.name,
            description=None,
            category=None,
            prices=[Money(amount=a, currency=c) for c, a in p.prices.items()],
            trackable=p.trackable,
            stocked=p.stocked,
            backorderable=p.backorderable,
            active=p.active,
            on_hand=p.on_hand,
            reserved=p.reserved,
            available=max(p.on_hand - p.reserved, 0),
            version=self.versions.get(sku, 1),
            updated_at=NOW,
        )


@dataclass
class FakeLocks:
    """Live locks by order; the clock is the unit of work's, read through ``now``."""

    now: datetime
    held: dict[uuid.UUID, LockView] = field(default_factory=dict)
    agent_id: str = "csr-1"
    role: str = "csr"

    async def take(self, order_id: uuid.UUID, until: datetime, *, force: bool = False) -> Taken | None:
        current = await self.live(order_id)
        if current is not None and current.agent_id != self.agent_id and not force:
            return None
        mine = current is not None and current.agent_id == self.agent_id
        lock = LockView(
            order_id=order_id, agent_id=self.agent_id, role=self.role, acquired_at=self.now, expires_at=until
        )
        self.held[order_id] = lock
        previous = current.agent_id if current is not None and not mine else None
        return Taken(lock, new=not mine, previous_agent_id=previous)

    async def live(self, order_id: uuid.UUID) -> LockView | None:
        lock = self.held.get(order_id)
        return lock if lock is not None and lock.expires_at > self.now else None

    async def release(self, order_id: uuid.UUID, agent_id: str | None) -> bool:
        lock = await self.live(order_id)
        if lock is None or (agent_id is not None and lock.agent_id != agent_id):
            return False
        del self.held[order_id]
        return True


@dataclass
class FakeStoreCreditCover:
    """Balances per (customer, currency); an instruction above it is refused like the real one."""

    balances: dict[tuple[uuid.UUID, str], Decimal] = field(default_factory=dict)

    async def covers(self, order: OrderView, amount: Decimal | None, field_name: str) -> None:
        if amount is None or amount <= 0:
            raise Refused.field(errors.INVALID, field_name, "give the store credit to use, more than zero")
        if self.balances.get((order.customer_id, order.currency), Decimal(0)) < amount:
            raise Refused.field(OrderErrors.INSUFFICIENT_STORE_CREDIT, field_name, "more than the balance")


@dataclass
class FakeBlockList:
    entries: dict[uuid.UUID, BlockListEntry] = field(default_factory=dict)
    held: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)

    async def matching(self, values: Sequence[tuple[str, str]]) -> list[BlockListEntry]:
        return [e for e in self.entries.values() if (e.kind, e.value) in set(values)]

    async def get(self, entry_id: uuid.UUID) -> BlockListEntry | None:
        return self.entries.get(entry_id)

    async def add(self, entry: BlockListEntry, note: str) -> bool:
        taken = any((e.kind, e.value) == (entry.kind, entry.value) for e in self.entries.values())
        if taken or entry.entry_id in self.entries:
            return False
        self.entries[entry.entry_id] = entry
        return True

    async def remove(self, entry_id: uuid.UUID) -> list[uuid.UUID]:
        self.entries.pop(entry_id, None)
        orders = sorted(o for e, o in self.held if e == entry_id)
        self.held = {(e, o) for e, o in self.held if e != entry_id}
        return orders

    async def holds(self, entry_id: uuid.UUID, order_id: uuid.UUID) -> None:
        self.held.add((entry_id, order_id))


class FakePayments:
    """The payment ledger summed per order, as a provider that authorizes every instruction would
    leave it: what submit secures, a change adds or gives back, a cancel or a return gives back.
    The ledger itself is tested in tests/unit/test_payment_ledger.py and tests/e2e/test_money.py."""

    def __init__(self) -> None:
        self.secured_by_order: dict[uuid.UUID, Decimal] = {}
        self.refunds: list[tuple[uuid.UUID, Decimal, str]] = []
        self.causes: list[MoneyCause] = []  # why each call moved money, in the order asked

    async def authorize_at_submit(
        self, order: OrderView, later: list[Event] | None = None, *, cause: MoneyCause
    ) -> OrderView:
        self.causes.append(cause)
        usable = sum((p.amount for p in order.payments if p.status != "declined"), Decimal(0))
        self.secured_by_order.setdefault(order.order_id, usable)
        return order

    async def capture_shipment(self, order: OrderView, shipment: ShipmentRecord) -> None:
        return None

    async def release_all(self, order: OrderView, reason: str, cause: MoneyCause) -> Decimal:
        """Voids of an invoice give nothing back (nothing was billed); cards get their hold back."""
        self.causes.append(cause)
        secured = self.secured_by_order.pop(order.order_id, Decimal("0.00"))
        return secured if any(p.method == "card" for p in order.payments) else Decimal("0.00")

    async def secured(self, order: OrderView) -> Decimal:
        return self.secured_by_order.get(order.order_id, Decimal("0.00"))

    async def settle_change(self, order: OrderView, amount_due: Decimal, reason: str, cause: MoneyCause) -> OrderView:
        self.causes.append(cause)
        self.secured_by_order[order.order_id] = await self.secured(order) + amount_due
        return order

    async def refund_return(self, order: OrderView, amount: Decimal, reason: str, cause: MoneyCause) -> Decimal:
        self.secured_by_order[order.order_id] = await self.secured(order) - amount
        self.refunds.append((order.order_id, amount, reason))
        self.causes.append(cause)
        return amount

    async def record_outside_result(
        self, order: OrderView, payment_id: uuid.UUID, outcome: str, reference: str | None
    ) -> None:
        return None


@dataclass
class FakeUnitOfWork:
    actor: Actor = field(default_factory=lambda: Actor(agent_id="csr-1", role=Role.CSR))
    now: datetime = NOW
    message_id: uuid.UUID = field(default_factory=uuid.uuid4)
    policy: OrdersSettings = field(default_factory=lambda: SETTINGS)
    pricing: PricingPolicy = field(default_factory=lambda: POLICY)
    lock_timeout_s: float = 900
    orders: FakeOrders = field(default_factory=FakeOrders)
    catalog: FakeCatalog = field(default_factory=FakeCatalog)
    returns: FakeReturns = field(default_factory=FakeReturns)
    payments: FakePayments = field(default_factory=FakePayments)
    quotes: FakeQuotes = field(default_factory=FakeQuotes)
    customers: FakeCustomers = field(default_factory=FakeCustomers)
    block_list: FakeBlockList = field(default_factory=FakeBlockList)
    store_credit_cover: FakeStoreCreditCover = field(default_factory=FakeStoreCreditCover)
    locks: FakeLocks = field(init=False)
    cards: FakeCards = field(init=False)
    emitted: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.locks = FakeLocks(self.now, agent_id=self.actor.agent_id, role=self.actor.role.value)
        self.cards = FakeCards(self.now)

    def emit(self, event: Event) -> None:
        self.emitted.append(event)

    def events(self, kind: type[E]) -> list[E]:
        return [e for e in self.emitted if isinstance(e, kind)]
