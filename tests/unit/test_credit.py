"""Appeasements and store credit (MNY-07, MNY-08) on a unit of work in memory: the domain rules and
the use cases, each refusal with its code and nothing changed. The end-to-end tests
(tests/e2e/test_money_credit.py) prove the same through Kafka, PostgreSQL and stripe-mock."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from contracts import errors
from contracts.common import Money
from contracts.envelope import Actor, Role
from contracts.errors import Refused
from contracts.orders import (
    APPEASEMENT_REASONS,
    AppeasementGrantedV1,
    GrantAppeasementV1,
    IssueStoreCreditV1,
    LockView,
    OrderErrors,
    OrderUpdatedV1,
    OrderView,
    StoreCreditIssuedV1,
)
from services.orders.application.credit import Appeasement, grant_appeasement, issue_store_credit
from services.orders.domain.credit import CreditAccount, CreditMovement, require_balance
from tests.support.orders import NOW, SETTINGS, line, order
from tests.unit.fake_unit_of_work import FakeUnitOfWork

D = Decimal
CUSTOMER = uuid.uuid4()


@dataclass
class FakeStoreCredit:
    movements: list[CreditMovement] = field(default_factory=list)

    async def account(self, customer_id: uuid.UUID, currency: str, *, for_update: bool = False) -> CreditAccount:
        mine = tuple(m for m in self.movements if m.customer_id == customer_id and m.currency == currency)
        return CreditAccount(customer_id, currency, mine)

    async def add(self, movement: CreditMovement) -> None:
        self.movements.append(movement)


@dataclass
class FakeGoodwill:
    paid_by_order: dict[uuid.UUID, Decimal] = field(default_factory=dict)
    recorded: list[Appeasement] = field(default_factory=list)
    refunds: list[tuple[uuid.UUID, Decimal, str]] = field(default_factory=list)

    async def granted(self, appeasement_id: uuid.UUID) -> bool:
        return any(a.appeasement_id == appeasement_id for a in self.recorded)

    async def record(self, appeasement: Appeasement) -> None:
        self.recorded.append(appeasement)

    async def paid(self, order: OrderView) -> Decimal:
        return self.paid_by_order.get(order.order_id, D("0.00"))

    async def refund_to_cards(self, order: OrderView, amount: Decimal, reason: str) -> Decimal:
        self.paid_by_order[order.order_id] -= amount
        self.refunds.append((order.order_id, amount, reason))
        return amount


@dataclass
class FakeCreditUnitOfWork(FakeUnitOfWork):
    store_credit: FakeStoreCredit = field(default_factory=FakeStoreCredit)
    goodwill: FakeGoodwill = field(default_factory=FakeGoodwill)

    @property
    def appeasement_csr_limits(self) -> Mapping[str, Decimal]:
        return SETTINGS.appeasement_csr_limits


def placed(uow: FakeCreditUnitOfWork, *, paid: str = "50.00", status: str = "shipped") -> OrderView:
    o = order([line(1, "TENT", 5, "10.00")], customer_id=CUSTOMER, status=status, order_number="100123")
    uow.orders.saved[o.order_id] = o
    uow.goodwill.paid_by_order[o.order_id] = D(paid)
    return o


def grant(o: OrderView, amount: str, payout: str = "card", reason: str = "late_delivery", **kw: object) -> Any:
    return GrantAppeasementV1.model_validate(
        {
            "order_id": o.order_id,
            "amount": {"amount": amount, "currency": o.currency},
            "reason": reason,
            "payout": payout,
            **kw,
        }
    )


def supervisor() -> Actor:
    return Actor(agent_id="sup-1", role=Role.SUPERVISOR)


def nothing_changed(uow: FakeCreditUnitOfWork, o: OrderView) -> None:
    assert uow.orders.saved[o.order_id] == o and uow.orders.versions == []
    assert uow.emitted == [] and uow.store_credit.movements == [] and uow.goodwill.recorded == []
    assert uow.goodwill.refunds == []


def test_the_reason_codes_are_a_closed_documented_list_and_other_needs_a_note() -> None:
    assert APPEASEMENT_REASONS == ("late_delivery", "damaged_item", "service_failure", "price_match", "other")
    o = order([line(1, "TENT", 1, "10.00")])
    with pytest.raises(ValidationError):
        grant(o, "5.00", reason="because")
    with pytest.raises(ValidationError, match="note is required"):
        grant(o, "5.00", reason="other")
    with pytest.raises(ValidationError, match="more than zero"):
        grant(o, "0.00")
    assert grant(o, "5.00", reason="other", note="the box was wet").note == "the box was wet"


def test_the_default_csr_limit_covers_every_currency_the_shop_prices() -> None:
    assert set(SETTINGS.appeasement_csr_limits) >= SETTINGS.offered_currencies


async def test_a_csr_grants_to_the_card_up_to_the_limit_and_the_order_records_who() -> None:
    uow = FakeCreditUnitOfWork()
    o = placed(uow)
    result = await grant_appeasement(uow, grant(o, "20.00"))
    assert (result.refunded, result.payout, result.store_credit_balance) == (D("20.00"), "card", None)
    assert uow.goodwill.refunds == [(o.order_id, D("20.00"), "appeasement of 20.00 USD (late_delivery)")]
    assert uow.goodwill.paid_by_order[o.order_id] == D("30.00")
    [(_, version, change, reason)] = uow.orders.versions
    assert (version, change) == (o.version + 1, "appeasement_granted") and "late_delivery" in reason
    assert uow.orders.saved[o.order_id].updated_by == "csr-1"
    [event] = uow.events(AppeasementGrantedV1)
    assert (event.granted_by, event.granted_role, event.amount, event.payout) == ("csr-1", "csr", D("20.00"), "card")
    assert uow.events(OrderUpdatedV1) and uow.store_credit.movements == []


@pytest.mark.parametrize(
    ("amount", "payout", "code"),
    [
        ("50.01", "store_credit", OrderErrors.SUPERVISOR_REQUIRED),
        ("45.00", "card", OrderErrors.EXCEEDS_PAID),
        ("10.005", "card", errors.INVALID),
    ],
)
async def test_a_csr_is_refused_above_the_limit_or_what_was_paid_and_nothing_changes(
    amount: str, payout: str, code: str
) -> None:
    uow = FakeCreditUnitOfWork()
    o = placed(uow, paid="40.00")
    with pytest.raises(Refused) as refused:
        await grant_appeasement(uow, grant(o, amount, payout))
    assert refused.value.code == code
    nothing_changed(uow, o)


async def test_an_appeasement_in_another_currency_or_on_a_cart_is_refused() -> None:
    uow = FakeCreditUnitOfWork()
    o = placed(uow)
    wrong = GrantAppeasementV1(
        order_id=o.order_id, amount=Money(amount=D("5"), currency="EUR"), reason="price_match", payout="card"
    )
    with pytest.raises(Refused) as refused:
        await grant_appeasement(uow, wrong)
    assert refused.value.code == OrderErrors.CURRENCY_MISMATCH
    cart = placed(uow, status="cart")
    with pytest.raises(Refused) as refused:
        await grant_appeasement(uow, grant(cart, "5.00"))
    assert refused.value.code == errors.INVALID_STATE


async def test_a_supervisor_grants_above_the_limit_as_store_credit() -> None:
    uow = FakeCreditUnitOfWork(actor=supervisor())
    o = placed(uow)
    result = await grant_appeasement(uow, grant(o, "80.00", "store_credit", reason="damaged_item"))
    assert result.store_credit_balance == D("80.00") and result.refunded == 0
    [movement] = uow.store_credit.movements
    assert (movement.kind, movement.source, movement.amount, movement.order_id) == (
        "issued",
        "appeasement",
        D("80.00"),
        o.order_id,
    )
    [issued] = uow.events(StoreCreditIssuedV1)
    assert (issued.balance, issued.by, issued.customer_id) == (D("80.00"), "sup-1", CUSTOMER)
    [event] = uow.events(AppeasementGrantedV1)
    assert event.granted_role == "supervisor"


async def test_the_same_appeasement_id_grants_once() -> None:
    uow = FakeCreditUnitOfWork()
    o = placed(uow)
    command = grant(o, "5.00", "store_credit")
    await grant_appeasement(uow, command)
    with pytest.raises(Refused) as refused:
        await grant_appeasement(uow, command)
    assert refused.value.code == errors.CONFLICT and len(uow.store_credit.movements) == 1


async def test_a_supervisor_issues_store_credit_and_the_balance_is_the_sum_of_movements() -> None:
    uow = FakeCreditUnitOfWork(actor=supervisor())
    money = Money(amount=D("12.50"), currency="EUR")
    first = await issue_store_credit(uow, IssueStoreCreditV1(customer_id=CUSTOMER, amount=money, reason="loyalty"))
    second = await issue_store_credit(uow, IssueStoreCreditV1(customer_id=CUSTOMER, amount=money, reason="again"))
    assert (first.balance, second.balance) == (D("12.50"), D("25.00"))
    account = await uow.store_credit.account(CUSTOMER, "EUR")
    redeemed = CreditMovement(
        uuid.uuid4(), CUSTOMER, "redeemed", D("20.00"), "EUR", "order", "paid", "csr-1", NOW + timedelta(1)
    )
    assert account.moved(redeemed).balance == D("5.00")
    with pytest.raises(Refused) as refused:
        require_balance(account.moved(redeemed), D("5.01"), "payload.payment.amount")
    assert refused.value.code == OrderErrors.INSUFFICIENT_STORE_CREDIT


async def test_store_credit_finer_than_the_currency_is_refused() -> None:
    uow = FakeCreditUnitOfWork(actor=supervisor())
    command = IssueStoreCreditV1(customer_id=CUSTOMER, amount=Money(amount=D("1.5"), currency="JPY"), reason="x")
    with pytest.raises(Refused) as refused:
        await issue_store_credit(uow, command)
    assert refused.value.code == errors.INVALID and uow.store_credit.movements == [] and uow.emitted == []


async def test_a_grant_leaves_the_order_free_for_the_supervisor_but_waits_for_another_agents_lock() -> None:
    uow = FakeCreditUnitOfWork()
    o = placed(uow)
    await grant_appeasement(uow, grant(o, "5.00"))
    assert await uow.locks.live(o.order_id) is None  # taken for the grant only
    later = NOW + timedelta(hours=1)
    uow.locks.held[o.order_id] = LockView(
        order_id=o.order_id, agent_id="csr-2", role="csr", acquired_at=NOW, expires_at=later
    )
    saved = uow.orders.saved[o.order_id]
    with pytest.raises(Refused) as refused:
        await grant_appeasement(uow, grant(saved, "5.00"))
    assert refused.value.code == errors.LOCKED and len(uow.goodwill.recorded) == 1
