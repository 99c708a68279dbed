"""A whole order in one command (PlaceOrderV2) against a unit of work in memory: built by the cart's
rules, its card entered through the card port, submitted like a cart (tests/e2e/test_orders_submit.py
proves it through Kafka and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts.errors import Refused
from contracts.orders import (
    CardPaymentInput,
    InvoicePaymentInput,
    OrderErrors,
    OrderLineInput,
    OrderPlacedV1,
    PlaceOrderV2,
    ShipTo,
)
from services.orders.application.place_order import place_order_v2
from services.orders.domain.catalog import Product
from tests.support.orders import IL
from tests.unit.fake_unit_of_work import FakeUnitOfWork

D = Decimal


def tent() -> Product:
    return Product("TENT", "Trail tent", {"USD": D("10.00")}, False, True, True, True, 10, 0)


def placing(*skus: str) -> PlaceOrderV2:
    card = CardPaymentInput.model_construct(
        method="card", card_number="4111111111111111", expiry_month=12, expiry_year=2035, holder_name="Jane Doe"
    )
    # The command as a channel sends it, its card in the clear for the fake card port (a real one is sealed).
    return PlaceOrderV2(
        currency="USD",
        email="jane@example.com",
        lines=[OrderLineInput(sku=sku, quantity=2) for sku in skus],
        ship_to=ShipTo(address=IL, shipping_mode="standard"),
        payments=[InvoicePaymentInput(method="invoice", purchase_order="PO-1")],
    ).model_copy(update={"payments": [card]})


async def test_a_whole_order_is_built_by_the_carts_rules_and_submitted_with_its_card_token() -> None:
    uow = FakeUnitOfWork()
    uow.catalog.items["TENT"] = tent()
    cmd = placing("TENT")

    result = await place_order_v2(uow, cmd)

    saved = uow.orders.saved[cmd.order_id]
    assert (saved.status, saved.order_number, saved.billing_address) == ("submitted", result.order_number, IL)
    assert uow.orders.reserved[cmd.order_id] == [(1, "TENT", 2)]
    (payment,) = saved.payments
    assert uow.cards.entered == [payment.payment_id] and payment.token == f"tok-{payment.payment_id}"
    assert [e.order_number for e in uow.events(OrderPlacedV1)] == [result.order_number]


async def test_an_unknown_product_is_refused_by_its_lines_field_and_nothing_is_kept() -> None:
    uow = FakeUnitOfWork()
    uow.catalog.items["TENT"] = tent()

    with pytest.raises(Refused) as refused:
        await place_order_v2(uow, placing("TENT", "NOPE"))

    assert refused.value.code == OrderErrors.UNKNOWN_SKU
    assert [e.field for e in refused.value.field_errors] == ["payload.lines[1].sku"]
    assert not uow.orders.saved and not uow.cards.entered and not uow.emitted
