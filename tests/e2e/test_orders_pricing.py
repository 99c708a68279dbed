"""Pricing through the system (ORD-05) and CSR adjustments with their limits (ORD-06). Totals are
worked out by hand in the comments; docs/orders.md gives the rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.common import Money
from contracts.orders import (
    AdjustSubtotalV1,
    ApplyCouponV1,
    OrderErrors,
    OverrideChargeV1,
    SetShippingV1,
    ShipTo,
    SubmitOrderV1,
    TakeOverLockV1,
    UpsertCouponV1,
    UpsertDiscountRuleV1,
)
from csr.client import OmsClient
from tests.support.builders import unique
from tests.support.orders import accepted, add_line, add_product, address, new_cart, ready_cart, rejected, view

D = Decimal
NOW = datetime.now(UTC)


def coupon(**overrides: Any) -> UpsertCouponV1:
    fields: dict[str, Any] = {
        "code": unique("C").upper(),
        "description": "test coupon",
        "kind": "percent",
        "value": D(5),
        "valid_from": NOW - timedelta(days=1),
        "valid_to": NOW + timedelta(days=30),
    }
    fields.update(overrides)
    return UpsertCouponV1.model_validate(fields)


async def add_coupon(supervisor: OmsClient, **overrides: Any) -> str:
    command = coupon(**overrides)
    accepted(await supervisor.send(command))
    return command.code


@pytest.mark.capability("ORD-05")
async def test_line_rule_coupon_shipping_and_tax_make_a_hand_checked_total(
    feed: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    sku = await add_product(feed, usd="12.50")
    rule = UpsertDiscountRuleV1(
        code=unique("R").upper(), description="10% off 4 or more", level="line", kind="percent", value=D(10),
        sku=sku, min_quantity=4,
    )  # fmt: skip
    accepted(await supervisor.send(rule))
    code = await add_coupon(supervisor, value=D(5))
    order_id = await ready_cart(csr, [(sku, 4)])

    accepted(await csr.send(ApplyCouponV1(order_id=order_id, code=code.lower())))  # codes are case-insensitive

    order = (await view(csr, order_id)).order
    line = order.lines[0]
    # 4 x 12.50 = 50.00, less 10% = 45.00 net; coupon 5% of 45.00 = 2.25.
    assert (line.subtotal, line.discount, line.discount_code, line.net) == (
        D("50.00"),
        D("5.00"),
        rule.code,
        D("45.00"),
    )
    assert [(d.kind, d.code, d.amount) for d in order.discounts] == [("coupon", code, D("2.25"))]
    # Illinois 6.25% of 42.75 = 2.671875 -> 2.67; standard shipping 6.95 + 4 x 0.50 = 8.95.
    assert (order.totals.tax, order.totals.shipping) == (D("2.67"), D("8.95"))
    assert order.totals.total == D("54.37")  # 45.00 - 2.25 + 8.95 + 2.67
    assert order.payments[0].amount == D("54.37")  # the open card instruction follows the total


@pytest.mark.capability("ORD-05")
async def test_an_order_level_rule_applies_from_its_threshold_in_its_currency(
    feed: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    # Only this test orders in CHF, so the rule touches no other test's totals.
    rule = UpsertDiscountRuleV1(
        code=unique("R").upper(), description="5% off from CHF 100", level="order", kind="percent", value=D(5),
        currency="CHF", min_subtotal=D(100),
    )  # fmt: skip
    accepted(await supervisor.send(rule))
    sku = await add_product(feed, usd=None, prices=[Money(amount=D("60.00"), currency="CHF")])
    order_id = await new_cart(csr, currency="CHF")
    await add_line(csr, order_id, sku, 1)
    zurich = ShipTo(
        address=address(region=None, city="Zurich", postal_code="8001", country="CH"), shipping_mode="standard"
    )
    accepted(await csr.send(SetShippingV1(order_id=order_id, ship_to=zurich)))
    below = (await view(csr, order_id)).order

    await add_line(csr, order_id, sku, 1)

    above = (await view(csr, order_id)).order
    assert below.discounts == [] and below.totals.subtotal == D("60.00")
    # 120.00 >= 100: 5% = 6.00 off; CHF standard shipping 9.00; Swiss 8.1% of 114.00 = 9.234 -> 9.23.
    assert [(d.code, d.amount) for d in above.discounts] == [(rule.code, D("6.00"))]
    assert (above.totals.shipping, above.totals.tax, above.totals.total) == (D("9.00"), D("9.23"), D("132.23"))


@pytest.mark.capability("ORD-05")
@pytest.mark.parametrize(
    ("terms", "code"),
    [
        ({"valid_from": NOW - timedelta(days=30), "valid_to": NOW - timedelta(days=1)}, OrderErrors.COUPON_EXPIRED),
        (
            {"valid_from": NOW + timedelta(days=1), "valid_to": NOW + timedelta(days=9)},
            OrderErrors.COUPON_NOT_YET_VALID,
        ),
        ({"kind": "amount", "value": D(5), "currency": "EUR"}, OrderErrors.CURRENCY_MISMATCH),
        ({"active": False}, OrderErrors.UNKNOWN_COUPON),
    ],
)
async def test_a_coupon_that_cannot_be_redeemed_is_refused_and_changes_nothing(
    feed: OmsClient, csr: OmsClient, supervisor: OmsClient, terms: dict[str, Any], code: str
) -> None:
    coupon_code = await add_coupon(supervisor, **terms)
    order_id = await new_cart(csr)
    await add_line(csr, order_id, await add_product(feed), 1)
    before = (await view(csr, order_id)).order

    rejected(await csr.send(ApplyCouponV1(order_id=order_id, code=coupon_code)), code, "payload.code")
    rejected(await csr.send(ApplyCouponV1(order_id=order_id, code="NEVER-ISSUED")), OrderErrors.UNKNOWN_COUPON)

    assert (await view(csr, order_id)).order == before


@pytest.mark.capability("ORD-05", "ORD-09")
async def test_coupon_usage_limits_and_once_per_customer(
    feed: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    sku = await add_product(feed)
    once = await add_coupon(supervisor, once_per_customer=True)
    single = await add_coupon(supervisor, max_uses=1)
    customer = uuid.uuid4()
    first = await ready_cart(csr, [(sku, 1)], customer_id=customer)
    racing = await ready_cart(csr, [(sku, 1)])
    for code in (once, single):
        accepted(await csr.send(ApplyCouponV1(order_id=first, code=code)))
    accepted(await csr.send(ApplyCouponV1(order_id=racing, code=single)))
    accepted(await csr.send(SubmitOrderV1(order_id=first)))

    again = await new_cart(csr, customer_id=customer)
    used = await csr.send(ApplyCouponV1(order_id=again, code=once))
    late = await csr.send(SubmitOrderV1(order_id=racing))  # applied while it was still available

    rejected(used, OrderErrors.COUPON_ALREADY_USED, "payload.code")
    rejected(late, OrderErrors.COUPON_USED_UP, f"coupons[{single}]")
    rejected(await csr.send(ApplyCouponV1(order_id=again, code=single)), OrderErrors.COUPON_USED_UP)
    assert (await view(csr, racing)).order.status == "cart"


# --- CSR adjustments (ORD-06) -----------------------------------------------------------------------------


@pytest.fixture
async def cart_of_300(feed: OmsClient, csr: OmsClient) -> uuid.UUID:
    sku = await add_product(feed, usd="100.00")
    order_id = await new_cart(csr)
    await add_line(csr, order_id, sku, 3)
    overnight = ShipTo(address=address(region="OR"), shipping_mode="overnight")  # Oregon: no sales tax
    accepted(await csr.send(SetShippingV1(order_id=order_id, ship_to=overnight)))
    return order_id


def usd(amount: str) -> Money:
    return Money(amount=D(amount), currency="USD")


@pytest.mark.capability("ORD-06")
async def test_csr_overrides_shipping_and_takes_an_amount_off_within_limits_with_reason_and_agent(
    csr: OmsClient, cart_of_300: uuid.UUID
) -> None:
    order_id = cart_of_300
    # Overnight: 29.95 + 3 x 2.00 = 35.95. A CSR may reduce a charge by up to 25.00.
    accepted(await csr.send(OverrideChargeV1(order_id=order_id, charge="shipping", amount=usd("15.00"), reason="late")))
    accepted(
        await csr.send(OverrideChargeV1(order_id=order_id, charge="handling", amount=usd("3.50"), reason="gift wrap"))
    )
    # 10% of 300.00 = 30.00 < 50.00: a CSR may subtract up to 30.00.
    accepted(await csr.send(AdjustSubtotalV1(order_id=order_id, amount=usd("30.00"), reason="damaged box")))

    details = await view(csr, order_id)
    order = details.order
    shipping, handling = order.charges
    assert (shipping.calculated, shipping.amount, shipping.reason, shipping.overridden_by) == (
        D("35.95"), D("15.00"), "late", "csr-alice",
    )  # fmt: skip
    assert (handling.calculated, handling.amount) == (D("0.00"), D("3.50"))
    assert order.adjustment is not None and (order.adjustment.reason, order.adjustment.adjusted_by) == (
        "damaged box",
        "csr-alice",
    )
    assert order.totals.total == D("288.50")  # 300.00 - 30.00 + 15.00 + 3.50
    assert [v.change for v in details.versions][-3:] == ["charge_overridden", "charge_overridden", "subtotal_adjusted"]
    assert "late" in details.versions[-3].reason and details.versions[-3].changed_by == "csr-alice"

    accepted(await csr.send(OverrideChargeV1(order_id=order_id, charge="shipping", amount=None, reason="undo")))
    assert (await view(csr, order_id)).order.totals.shipping == D("35.95")


@pytest.mark.capability("ORD-06")
@pytest.mark.parametrize(
    "command",
    [
        lambda o: AdjustSubtotalV1(order_id=o, amount=usd("30.01"), reason="too generous"),
        # 35.95 down to 5.00 is 30.95 off, more than a CSR's 25.00
        lambda o: OverrideChargeV1(order_id=o, charge="shipping", amount=usd("5.00"), reason="free-ish shipping"),
    ],
    ids=["subtotal", "shipping"],
)
async def test_beyond_the_csr_limit_is_refused_but_a_supervisor_may(
    csr: OmsClient, supervisor: OmsClient, cart_of_300: uuid.UUID, command: Any
) -> None:
    order_id = cart_of_300
    before = (await view(csr, order_id)).order

    reply = await csr.send(command(order_id))

    rejected(reply, errors.LIMIT_EXCEEDED, "payload.amount")
    assert (await view(csr, order_id)).order == before
    accepted(await supervisor.send(TakeOverLockV1(order_id=order_id)))  # the CSR's cart is locked to her (SRV-06)
    accepted(await supervisor.send(command(order_id)))


@pytest.mark.capability("ORD-06")
async def test_adjustments_in_another_currency_or_by_a_channel_are_refused(
    csr: OmsClient, channel: OmsClient, cart_of_300: uuid.UUID
) -> None:
    order_id = cart_of_300
    euros = Money(amount=D("5"), currency="EUR")

    rejected(
        await csr.send(AdjustSubtotalV1(order_id=order_id, amount=euros, reason="x")), OrderErrors.CURRENCY_MISMATCH
    )
    rejected(await channel.send(AdjustSubtotalV1(order_id=order_id, amount=usd("1"), reason="x")), errors.FORBIDDEN)

    assert (await view(csr, order_id)).order.adjustment is None
