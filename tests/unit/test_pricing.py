"""Pricing with totals worked out by hand (the arithmetic is in each test's comments)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contracts.orders import ChargeDetail, PaymentView, ShipTo, SubtotalAdjustment
from services.orders.domain.pricing import CouponTerms, Rule, allocate, price_order, tax_rate
from tests.support.orders import DE, FR, IL, NOW, POLICY, line, order

D = Decimal


FUEL_RULE = Rule("FUEL-6", "10% off six canisters", "line", "percent", D(10), sku="FUEL", min_quantity=6)
BIG_BASKET = Rule("BIG", "$25 off $300", "order", "amount", D(25), currency="USD", min_subtotal=D(300))
TRAIL = CouponTerms("TRAIL", "10% off", "percent", D(10))


def test_line_rules_order_discounts_coupons_adjustment_and_tax_add_up() -> None:
    cart = order(
        [line(1, "TENT", 2, "149.995"), line(2, "FUEL", 6, "7.50"), line(3, "SPORK", 1, "12.00")],
        coupons=["TRAIL"],
        adjustment=SubtotalAdjustment(amount=D("5.00"), reason="late delivery", adjusted_by="csr", adjusted_at=NOW),
    )

    priced = price_order(cart, [FUEL_RULE, BIG_BASKET], [TRAIL], POLICY)

    # Lines: 149.995 rounds half-even to 150.00 -> 2 x 150.00 = 300.00; 6 x 7.50 = 45.00 less 10% = 40.50; 12.00.
    assert [(ln.subtotal, ln.discount, ln.net) for ln in priced.lines] == [
        (D("300.00"), D("0.00"), D("300.00")),
        (D("45.00"), D("4.50"), D("40.50")),
        (D("12.00"), D("0.00"), D("12.00")),
    ]
    t = priced.totals
    assert (t.merchandise, t.line_discounts, t.subtotal) == (D("357.00"), D("4.50"), D("352.50"))
    # Order level on 352.50: rule 25.00, coupon 10% = 35.25, CSR 5.00 -> 65.25.
    assert [(d.kind, d.code, d.amount) for d in priced.discounts] == [
        ("rule", "BIG", D("25.00")),
        ("coupon", "TRAIL", D("35.25")),
        ("adjustment", None, D("5.00")),
    ]
    assert t.discount_total == D("65.25")
    # 6525 cents shared by 300.00 : 40.50 : 12.00 -> 5553.19 / 749.68 / 222.13 -> 5553, 750 (largest rest), 222.
    assert [ln.order_discount for ln in priced.lines] == [D("55.53"), D("7.50"), D("2.22")]
    # Illinois 6.25%: 244.47 -> 15.28; 33.00 -> 2.06; 9.78 -> 0.61.
    assert [ln.tax for ln in priced.lines] == [D("15.28"), D("2.06"), D("0.61")]
    # One shipment of 352.50 merchandise: standard ships free from 150.
    assert (t.shipping, t.handling, t.tax) == (D("0.00"), D("0.00"), D("17.95"))
    assert t.total == D("305.20")  # 352.50 - 65.25 + 17.95
    assert sum(ln.total for ln in priced.lines) == t.total


def test_lines_shipped_apart_pay_each_shipment_and_their_own_tax() -> None:
    express_fr = ShipTo(address=FR, shipping_mode="express")
    cart = order(
        [line(1, "BOTTLE", 2, "19.90"), line(2, "FILTER", 1, "45.00", express_fr)],
        currency="EUR",
        ship_to=ShipTo(address=DE, shipping_mode="standard"),
    )

    priced = price_order(cart, [], [], POLICY)

    # Standard to Berlin: 5.95 + 2 x 0.50 = 6.95; express to Paris: 12.95 + 1 x 1.00 = 13.95.
    assert sorted(g.charge for g in priced.shipments) == [D("6.95"), D("13.95")]
    # DE 19% of 39.80 = 7.562 -> 7.56; FR 20% of 45.00 = 9.00.
    assert [ln.tax for ln in priced.lines] == [D("7.56"), D("9.00")]
    assert priced.totals.shipping == D("20.90")
    assert priced.totals.total == D("122.26")  # 84.80 + 20.90 + 16.56


def test_an_overridden_charge_replaces_the_calculated_one_and_stays_overridden() -> None:
    override = ChargeDetail(
        kind="shipping", calculated=D("6.95"), amount=D("2.00"), overridden=True, reason="goodwill", overridden_by="csr"
    )
    cart = order([line(1, "BOTTLE", 1, "35.00")], charges=[override])

    priced = price_order(cart, [], [], POLICY)

    shipping = priced.charges[0]
    # Standard: 6.95 + 1 x 0.50 = 7.45 calculated; the override of 2.00 is what is charged.
    assert (shipping.calculated, shipping.amount, shipping.overridden) == (D("7.45"), D("2.00"), True)
    assert priced.totals.total == D("39.19")  # 35.00 + 2.00 + 6.25% of 35.00 = 2.1875 -> 2.19


def test_discounts_never_take_the_subtotal_below_zero() -> None:
    big = CouponTerms("BIG50", "50 off", "amount", D(50), currency="USD")
    cart = order([line(1, "SPORK", 2, "12.00")], coupons=["BIG50"], ship_to=None)

    priced = price_order(cart, [], [big], POLICY)

    assert priced.discounts[0].amount == D("24.00") and "cut to" in (priced.discounts[0].note or "")
    assert priced.totals.total == D("0.00")


def test_coupon_below_its_threshold_or_in_another_currency_gives_nothing_yet() -> None:
    min100 = CouponTerms("TRAIL15", "15 off over 100", "amount", D(15), currency="USD", min_subtotal=D(100))
    euro = CouponTerms("EURO5", "5 off", "amount", D(5), currency="EUR")
    cart = order([line(1, "SPORK", 1, "12.00")], coupons=["TRAIL15", "EURO5"])

    priced = price_order(cart, [], [min100, euro], POLICY)

    assert [(d.code, d.amount) for d in priced.discounts] == [("TRAIL15", D("0.00")), ("EURO5", D("0.00"))]
    assert priced.totals.discount_total == D("0.00")


def test_the_best_line_rule_wins_and_amount_rules_count_per_unit() -> None:
    percent = Rule("P5", "5%", "line", "percent", D(5))
    per_unit = Rule("U1", "1 off each", "line", "amount", D(1), currency="USD", sku="TENT", min_quantity=3)

    two = price_order(order([line(1, "TENT", 2, "20.00")], ship_to=None), [percent, per_unit], [], POLICY)
    three = price_order(order([line(1, "TENT", 3, "20.00")], ship_to=None), [percent, per_unit], [], POLICY)

    assert (two.lines[0].discount, two.lines[0].discount_code) == (D("2.00"), "P5")  # 5% of 40.00
    assert (three.lines[0].discount, three.lines[0].discount_code) == (D("3.00"), "P5")  # 5% of 60 = 3.00 = 3 x 1.00
    four = price_order(order([line(1, "TENT", 4, "10.00")], ship_to=None), [percent, per_unit], [], POLICY)
    assert (four.lines[0].discount, four.lines[0].discount_code) == (D("4.00"), "U1")  # 4 x 1.00 beats 2.00


def test_open_payment_takes_what_the_fixed_ones_leave() -> None:
    fixed = PaymentView(
        payment_id=uuid.uuid4(), method="card", requested_amount=D("20.00"), added_by="csr", added_at=NOW
    )
    rest = PaymentView(payment_id=uuid.uuid4(), method="card", added_by="csr", added_at=NOW)
    cart = order([line(1, "SPORK", 5, "12.00")], ship_to=None, payments=[fixed, rest])

    priced = price_order(cart, [], [], POLICY)

    assert [p.amount for p in priced.payments] == [D("20.00"), D("40.00")]


@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [
        ("0.10", ["1", "1", "1"], ["0.04", "0.03", "0.03"]),  # ties go to the earlier line
        ("10.00", ["3", "0", "7"], ["3.00", "0.00", "7.00"]),
        ("0.00", ["5", "5"], ["0.00", "0.00"]),
        ("1.00", ["0", "0"], ["0.00", "0.00"]),
    ],
)
def test_allocation_adds_up_to_the_cent(total: str, weights: list[str], shares: list[str]) -> None:
    assert allocate(D(total), [D(w) for w in weights], "USD") == [D(s) for s in shares]


def test_allocation_shares_whole_yen_and_whole_fils() -> None:
    assert [str(s) for s in allocate(D(10), [D(1), D(1), D(1)], "JPY")] == ["4", "3", "3"]
    assert [str(s) for s in allocate(D("0.010"), [D(1), D(1), D(1)], "KWD")] == ["0.004", "0.003", "0.003"]


def test_tax_rate_prefers_the_region() -> None:
    assert tax_rate(IL, POLICY.tax_rates) == D("6.25")
    assert tax_rate(IL.model_copy(update={"region": "OR"}), POLICY.tax_rates) == D(0)
    assert tax_rate(DE, POLICY.tax_rates) == D(19)
    assert tax_rate(None, POLICY.tax_rates) == D(0)


def test_a_configuration_that_prices_in_a_currency_it_cannot_ship_is_refused_at_start() -> None:
    from pydantic import ValidationError

    from services.orders.settings import OrdersSettings

    settings = OrdersSettings()
    assert set(settings.alert_total_over) <= settings.offered_currencies  # the defaults cover what they price
    with pytest.raises(ValidationError, match="SEK"):
        OrdersSettings(alert_total_over={"SEK": D(50000)})
    with pytest.raises(ValidationError, match="default_shipping_mode"):
        OrdersSettings(default_shipping_mode="teleport")
