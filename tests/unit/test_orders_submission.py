"""Available to promise, the backorder choices, and the checks before submit (hand-checked)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contracts import errors
from contracts.common import Money
from contracts.envelope import Actor, Role
from contracts.orders import OrderErrors, PaymentView
from services.orders.domain import cart
from services.orders.domain.catalog import Product
from services.orders.domain.pricing import price_order
from services.orders.domain.submission import allocate_stock, problems, rejection, split_backorders, submitted
from services.runtime.handling import Rejected
from tests.support.orders import IL, NOW, POLICY, SETTINGS, line, order

D = Decimal


def product(sku: str, on_hand: int, reserved: int = 0, **kw: object) -> Product:
    fields: dict[str, object] = {
        "sku": sku,
        "name": sku,
        "prices": {"USD": D("10.00")},
        "trackable": False,
        "stocked": True,
        "backorderable": True,
        "active": True,
        "on_hand": on_hand,
        "reserved": reserved,
    }
    fields.update(kw)
    return Product(**fields)  # type: ignore[arg-type]


def card(amount: str | None = None) -> PaymentView:
    return PaymentView(
        payment_id=uuid.uuid4(),
        method="card",
        requested_amount=D(amount) if amount else None,
        brand="visa",
        last4="1111",
        expiry_month=12,
        expiry_year=2030,
        added_by="csr",
        added_at=NOW,
    )


def test_available_stock_is_reserved_line_by_line_and_the_rest_backordered() -> None:
    cart_ = order(
        [line(1, "A", 5, "10"), line(2, "A", 4, "10"), line(3, "B", 2, "10")], backorder_policy="ship_available"
    )
    products = {"A": product("A", on_hand=10, reserved=3), "B": product("B", 0, stocked=False)}

    allocation, found = allocate_stock(cart_, products)

    # A: 7 available -> line 1 gets 5, line 2 gets 2 and 2 are backordered; B is not counted.
    assert found == []
    assert allocation.reserve == {1: 5, 2: 2} and allocation.backorder == {2: 2}


def test_without_a_backorder_choice_a_shortfall_is_reported() -> None:
    cart_ = order([line(1, "A", 5, "10")])

    _, found = allocate_stock(cart_, {"A": product("A", on_hand=3)})

    assert [(f.field, f.code) for f in found] == [("lines[1].quantity", OrderErrors.INSUFFICIENT_STOCK)]
    assert "3 of 5 available" in found[0].message


def test_a_product_that_cannot_be_backordered_is_reported_whatever_the_choice() -> None:
    cart_ = order([line(1, "A", 5, "10")], backorder_policy="separate_order")

    _, found = allocate_stock(cart_, {"A": product("A", on_hand=3, backorderable=False)})

    assert found[0].code == OrderErrors.INSUFFICIENT_STOCK and "cannot be backordered" in found[0].message


def test_separate_order_splits_amounts_so_the_customer_pays_what_was_quoted() -> None:
    cart_ = order(
        [line(1, "A", 5, "10.00"), line(2, "B", 2, "20.00")], backorder_policy="separate_order", payments=[card()]
    )
    priced = price_order(cart_, [], [], POLICY)
    # 90.00 + shipping 6.95 + 7 x 0.50 = 10.45 + tax 3.125 -> 3.12 and 2.50 = 106.07
    assert priced.totals.total == D("106.07")
    allocation, _ = allocate_stock(priced, {"A": product("A", 3), "B": product("B", 9)})
    done = submitted(priced, allocation, "1000009", NOW, "csr")

    first, second = split_backorders(done, allocation, uuid.uuid4(), "1000017")

    # 2 of line 1 move: 20.00 and 2/5 of its tax 3.12 = 1.248 -> 1.25; the 3 kept carry 30.00 and 1.87.
    assert [(ln.line_no, ln.quantity, ln.tax, ln.total) for ln in second.lines] == [(1, 2, D("1.25"), D("21.25"))]
    assert [(ln.line_no, ln.quantity, ln.tax, ln.reserved_quantity) for ln in first.lines] == [
        (1, 3, D("1.87"), 3),
        (2, 2, D("2.50"), 2),
    ]
    assert second.totals.total == D("21.25") and second.totals.shipping == D("0.00")
    assert first.totals.total == D("84.82")  # 31.87 + 42.50 + 10.45
    assert first.totals.total + second.totals.total == priced.totals.total
    assert [p.amount for p in first.payments] == [D("84.82")] and [p.amount for p in second.payments] == [D("21.25")]
    assert second.backorder_of == first.order_id and first.backorder_order_id == second.order_id
    assert second.lines[0].backordered_quantity == 2 and second.order_number == "1000017"


def test_submit_lists_everything_missing_at_once() -> None:
    bare = price_order(order([], ship_to=None), [], [], POLICY)

    found = problems(bare, {}, {}, set(), NOW, POLICY)

    assert {f.code for f in found} == {"no_lines", "missing_billing_address", "missing_payment"}
    assert rejection(found).code == OrderErrors.INCOMPLETE_ORDER


def test_payments_must_cover_the_total_exactly_and_cards_must_still_be_valid() -> None:
    expired = card("5.00").model_copy(update={"expiry_month": 1, "expiry_year": 2026})
    short = price_order(order([line(1, "A", 1, "10.00")], billing_address=IL, payments=[expired]), [], [], POLICY)

    found = problems(short, {"A": product("A", 5)}, {}, set(), NOW, POLICY)

    assert {f.code for f in found} == {"payment_not_covered", OrderErrors.CARD_EXPIRED}


def test_one_kind_of_problem_gets_its_own_code() -> None:
    only_stock = allocate_stock(order([line(1, "A", 5, "10")]), {"A": product("A", 1)})[1]
    assert rejection(only_stock).code == OrderErrors.INSUFFICIENT_STOCK


def test_csr_limits_on_taking_money_off() -> None:
    csr = Actor(agent_id="csr-1", role=Role.CSR)
    limits = cart.Limits.of(Role.CSR, SETTINGS)
    priced = price_order(order([line(1, "A", 3, "100.00")]), [], [], POLICY)  # subtotal 300.00

    # 10% of 300.00 = 30.00 is less than 50.00: a CSR may take off 30.00, not 30.01.
    ok = cart.adjust_subtotal(priced, Money(amount=D("30.00"), currency="USD"), "goodwill", csr, NOW, limits)
    assert ok.adjustment is not None and ok.adjustment.adjusted_by == "csr-1"
    with pytest.raises(Rejected) as refused:
        cart.adjust_subtotal(priced, Money(amount=D("30.01"), currency="USD"), "goodwill", csr, NOW, limits)
    assert refused.value.code == errors.LIMIT_EXCEEDED
    with pytest.raises(Rejected) as other:
        cart.adjust_subtotal(priced, Money(amount=D("5"), currency="EUR"), "goodwill", csr, NOW, limits)
    assert other.value.code == OrderErrors.CURRENCY_MISMATCH


def test_editing_a_submitted_order_or_a_stale_version_is_refused() -> None:
    placed = order([line(1, "A", 1, "10")], status="submitted", order_number="1000009", version=4)

    with pytest.raises(Rejected) as state:
        cart.require_status(placed)
    with pytest.raises(Rejected) as stale:
        cart.require_version(placed, 3)

    assert state.value.code == errors.INVALID_STATE and stale.value.code == errors.STALE_VERSION
    cart.require_status(placed.model_copy(update={"holds": ["payment"]}), payment_hold_too=True)
