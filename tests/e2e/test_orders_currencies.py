"""Every currency the shop prices in is one it can take orders in, and each is rounded by its own
rules (ORD-05, ORD-03, SRV-01): the cart, the quote and submit check the same things."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contracts.common import Money
from contracts.orders import (
    CreateCartV1,
    OrderErrors,
    PlaceOrderV2,
    SaveAsQuoteV1,
    SetBillingAddressV1,
    SetShippingV1,
    ShipTo,
)
from csr.client import OmsClient
from tests.support.builders import unique
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    address,
    card,
    new_cart,
    pay_by_card,
    rejected,
    submit,
    view,
)
from tests.support.system import System

D = Decimal


@pytest.mark.capability("ORD-02", "ORD-05")
async def test_a_cart_or_order_in_a_currency_the_shop_does_not_ship_is_refused_at_once(
    system: System, feed: OmsClient, csr: OmsClient, channel: OmsClient
) -> None:
    # A product may carry a price in Swedish kronor (an upstream catalog serves several shops),
    # but no shipping mode is offered in SEK: no cart, no order, no quote can be made in it.
    sku = await add_product(feed, prices=[Money(amount=D("99.00"), currency="SEK")])
    cart_id = uuid.uuid4()

    cart = await csr.send(
        CreateCartV1(order_id=cart_id, customer_id=uuid.uuid4(), first_name="Sven", last_name="Berg", currency="SEK")
    )
    order = await channel.send(
        PlaceOrderV2(
            order_id=uuid.uuid4(),
            customer_id=uuid.uuid4(),
            first_name="Sven",
            last_name="Berg",
            email="sven@example.com",
            currency="SEK",
            lines=[{"sku": sku, "quantity": 1}],
            ship_to=ShipTo(address=address(country="SE", region=None, postal_code="111 22"), shipping_mode="standard"),
            billing_address=address(country="SE", region=None, postal_code="111 22"),
            payments=[card(channel)],
        )
    )

    for reply in (cart, order):
        rejected(reply, OrderErrors.CURRENCY_NOT_OFFERED, "payload.currency")
        assert "SEK" in (reply.message or "") and "USD" in (reply.message or "")
    assert await system.fetch("orders", "SELECT 1 FROM orders WHERE order_id = $1", cart_id) == []


@pytest.mark.capability("SRV-01", "ORD-03")
async def test_a_mode_not_offered_in_the_carts_currency_is_refused_where_it_is_chosen(
    feed: OmsClient, csr: OmsClient
) -> None:
    # "overnight" is offered in USD and EUR, not in CHF: a CHF cart cannot be shipped by it, so it
    # can never be quoted or submitted with a shipping charge of 0.00 for it.
    chf_sku = await add_product(feed, usd=None, prices=[Money(amount=D("30.00"), currency="CHF")])
    swiss = await new_cart(csr, currency="CHF")
    await add_line(csr, swiss, chf_sku, 1)
    zurich = address(country="CH", region=None, postal_code="8001")

    refused_mode = await csr.send(
        SetShippingV1(order_id=swiss, ship_to=ShipTo(address=zurich, shipping_mode="overnight"))
    )
    default_mode = await csr.send(SetShippingV1(order_id=swiss, ship_to=ShipTo(address=zurich)))
    quote = await csr.send(SaveAsQuoteV1(order_id=swiss))

    rejected(refused_mode, OrderErrors.UNKNOWN_SHIPPING_MODE, "payload.ship_to.shipping_mode")
    accepted(default_mode)
    accepted(quote)
    order = (await view(csr, swiss)).order
    assert order.status == "quote" and order.totals.shipping == D("9.00")  # standard, in CHF


@pytest.mark.capability("ORD-05", "ORD-09")
async def test_yen_have_no_decimals_and_dinars_three(feed: OmsClient, csr: OmsClient) -> None:
    yen_sku = await add_product(feed, usd=None, prices=[Money(amount=D("1234.5"), currency="JPY")])
    dinar_sku = await add_product(feed, usd=None, prices=[Money(amount=D("3.3335"), currency="KWD")])
    tokyo = address(first_name="Haruki", last_name=unique("Sato"), country="JP", region=None, postal_code="100-0001")
    kuwait = address(first_name="Fatima", last_name=unique("Sabah"), country="KW", region=None, postal_code="13001")
    totals = {}
    for currency, sku, where in (("JPY", yen_sku, tokyo), ("KWD", dinar_sku, kuwait)):
        order_id = await new_cart(csr, currency=currency)
        await add_line(csr, order_id, sku, 3)
        accepted(await csr.send(SetShippingV1(order_id=order_id, ship_to=ShipTo(address=where))))
        accepted(await csr.send(SetBillingAddressV1(order_id=order_id, address=where)))
        await pay_by_card(csr, order_id)
        number = (await submit(csr, order_id)).order_number
        order = (await view(csr, order_id)).order
        assert order.order_number == number and order.status == "submitted"
        totals[currency] = order

    yen = totals["JPY"]
    # 1234.5 -> 1234 (half-even to the yen) x 3 = 3702; standard in JPY: 800 + 100 per item = 1100.
    assert [str(ln.unit_price) for ln in yen.lines] == ["1234"]
    assert (str(yen.totals.subtotal), str(yen.totals.shipping), str(yen.totals.total)) == ("3702", "1100", "4802")
    assert str(yen.payments[0].amount) == "4802"
    dinar = totals["KWD"]
    # 3.3335 -> 3.334 (half-even to the fils) x 3 = 10.002; standard in KWD: 2.250 + 0.150 x 3 = 2.700.
    assert [str(ln.unit_price) for ln in dinar.lines] == ["3.334"]
    assert (str(dinar.totals.subtotal), str(dinar.totals.shipping)) == ("10.002", "2.700")
    assert str(dinar.totals.total) == "12.702"
