"""Carts (ORD-02), shipping and billing (ORD-03), order attributes (ORD-07), and the bad input a
cart command can get: each a specific rejection that changes nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.orders import (
    AddCartLineV1,
    ChangeCartLineV1,
    FindOrdersV1,
    OrderErrors,
    OrderPage,
    RemoveCartLineV1,
    SaveCartV1,
    SetBillingAddressV1,
    SetOrderAttributesV1,
    SetShippingV1,
    ShipTo,
    TakeOverLockV1,
    UnlockOrderV1,
)
from csr.client import OmsClient
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    address,
    new_cart,
    rejected,
    send_with,
    view,
)
from tests.support.system import System, first_event


@pytest.mark.capability("ORD-02", "ORD-11")
async def test_a_csr_builds_a_cart_line_by_line_at_catalog_prices(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    tent = await add_product(feed, usd="249.00", name="Ridge 2P tent", on_hand=10)
    pad = await add_product(feed, usd="39.00", name="Foam pad", on_hand=2)
    order_id = await new_cart(csr)

    first = await add_line(csr, order_id, tent, 1)
    more = await add_line(csr, order_id, tent, 1, expected_version=2)  # the same product again: same line
    short = await add_line(csr, order_id, pad, 3)
    changed = accepted(await csr.send(ChangeCartLineV1(order_id=order_id, line_no=1, quantity=3)))
    removed = accepted(await csr.send(RemoveCartLineV1(order_id=order_id, line_no=2, expected_version=5)))

    assert (first["line_no"], more["line_no"], short["line_no"]) == (1, 1, 2)
    assert short["warnings"] == [f"{pad}: 2 available of 3 wanted; 1 would be backordered"]
    assert [changed["version"], removed["version"]] == [5, 6] and removed["total"] == "747.00"
    details = await view(csr, order_id)
    assert details.order.status == "cart" and details.order.order_number is None
    assert [(ln.line_no, ln.sku, ln.quantity, ln.unit_price) for ln in details.order.lines] == [
        (1, tent, 3, Decimal("249.00"))
    ]
    assert [v.change for v in details.versions] == [
        "created",
        "line_added",
        "line_added",
        "line_added",
        "line_changed",
        "line_removed",
    ]
    event = await first_event(
        system, "orders.events", lambda e: e.type == "OrderUpdated" and e.payload["order_id"] == str(order_id)
    )
    assert event.actor is not None
    assert event.payload["change"] == "created" and event.actor.agent_id == "csr-alice"


@pytest.mark.capability("ORD-02")
async def test_a_guest_gets_a_cart_and_a_guest_customer_id(csr: OmsClient, channel: OmsClient) -> None:
    order_id = await new_cart(channel, customer_id=None, first_name="Guest", last_name="Walker")

    details = await view(csr, order_id)

    assert details.order.guest and details.order.customer_id is not None
    assert details.order.created_by == "web-shop"


@pytest.mark.capability("ORD-02", "ORD-12")
async def test_a_saved_cart_is_found_and_resumed_later(feed: OmsClient, csr: OmsClient) -> None:
    sku = await add_product(feed)
    customer_id = uuid.uuid4()
    order_id = await new_cart(csr, customer_id=customer_id)
    await add_line(csr, order_id, sku, 2)

    accepted(await csr.send(SaveCartV1(order_id=order_id, label="birthday presents")))
    found = OrderPage.model_validate(accepted(await csr.send(FindOrdersV1(customer_id=customer_id, status="cart"))))
    resumed = await add_line(csr, order_id, sku, 1, expected_version=found.items[0].version)

    assert [(o.order_id, o.label, o.line_count) for o in found.items] == [(order_id, "birthday presents", 1)]
    assert resumed["version"] == 4
    details = await view(csr, order_id)
    assert details.order.saved_at is not None and details.order.lines[0].quantity == 3


@pytest.mark.capability("ORD-03")
async def test_shipping_per_order_and_per_line_with_mode_charges_and_billing_from_the_address_book(
    feed: OmsClient, csr: OmsClient
) -> None:
    bottle = await add_product(feed, usd="20.00")
    kayak = await add_product(feed, usd="100.00")
    order_id = await new_cart(csr)
    await add_line(csr, order_id, bottle, 2)
    await add_line(csr, order_id, kayak, 1)
    book_entry = uuid.uuid4()
    home = address(first_name="Jane", last_name="Doe")
    cabin = address(first_name="Joe", last_name="Doe", line1="7 Lake Rd", city="Ely", region="MN", postal_code="55731")

    accepted(await csr.send(SetShippingV1(order_id=order_id, ship_to=ShipTo(address=home, shipping_mode="standard"))))
    accepted(
        await csr.send(
            SetShippingV1(order_id=order_id, ship_to=ShipTo(address=cabin, shipping_mode="express"), line_nos=[2])
        )
    )
    accepted(await csr.send(SetBillingAddressV1(order_id=order_id, address=home, source_address_id=book_entry)))

    order = (await view(csr, order_id)).order
    # Standard to Springfield: 6.95 + 2 x 0.50 = 7.95; express to Ely: 14.95 + 1 x 1.00 = 15.95.
    assert sorted((g.ship_to.shipping_mode, g.line_nos, g.charge) for g in order.shipments) == [
        ("express", [2], Decimal("15.95")),
        ("standard", [1], Decimal("7.95")),
    ]
    assert order.totals.shipping == Decimal("23.90")
    assert order.billing_address == home and order.billing_source_address_id == book_entry
    assert order.lines[1].ship_to is not None and order.lines[1].ship_to.address.city == "Ely"


@pytest.mark.capability("ORD-07")
async def test_order_attributes_are_set_and_removed(csr: OmsClient) -> None:
    order_id = await new_cart(csr)

    accepted(
        await csr.send(
            SetOrderAttributesV1(order_id=order_id, set={"gift_message": "Happy trails!", "delivery_note": "porch"})
        )
    )
    accepted(await csr.send(SetOrderAttributesV1(order_id=order_id, remove=["delivery_note"])))

    details = await view(csr, order_id)
    assert details.order.attributes == {"gift_message": "Happy trails!"}
    assert details.versions[-1].change == "attributes_changed"


# --- bad input: a specific rejection, nothing changed, the service still answering ------------------


@pytest.fixture(scope="module")
async def cart_with_a_line(feed: OmsClient, csr: OmsClient) -> dict[str, Any]:
    sku = await add_product(feed, usd="10.00", eur=None)
    order_id = await new_cart(csr)
    await add_line(csr, order_id, sku, 1)
    return {"order_id": order_id, "sku": sku}


@pytest.mark.capability("ORD-02", "PLT-02")
@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"quantity": 0}, errors.INVALID, "payload.quantity"),
        ({"quantity": -2}, errors.INVALID, "payload.quantity"),
        ({"quantity": 1000}, errors.LIMIT_EXCEEDED, "payload.quantity"),  # above max_line_quantity (999)
        ({"quantity": 5_000_000}, errors.INVALID, "payload.quantity"),
        ({"sku": "NO-SUCH-SKU"}, OrderErrors.UNKNOWN_SKU, "payload.sku"),
        ({"expected_version": 1}, errors.STALE_VERSION, "payload.expected_version"),
        (
            {"ship_to": {"address": address().model_dump(mode="json"), "shipping_mode": "teleport"}},
            OrderErrors.UNKNOWN_SHIPPING_MODE,
            "payload.ship_to.shipping_mode",
        ),
    ],
)
async def test_bad_line_input_is_rejected_and_changes_nothing(
    system: System, csr: OmsClient, cart_with_a_line: dict[str, Any], payload: dict[str, Any], code: str, field: str
) -> None:
    order_id, sku = cart_with_a_line["order_id"], cart_with_a_line["sku"]
    before = (await view(csr, order_id)).order

    reply = await send_with(csr, AddCartLineV1(order_id=order_id, sku=sku, quantity=1), **payload)

    rejected(reply, code, field)
    after = (await view(csr, order_id)).order
    assert after == before
    assert await system.services["orders"].still_healthy()


@pytest.mark.capability("ORD-02", "ORD-05")
async def test_a_product_not_priced_in_the_carts_currency_or_no_longer_sold_is_refused(
    feed: OmsClient, csr: OmsClient
) -> None:
    dollars_only = await add_product(feed, usd="10.00", eur=None)
    retired = await add_product(feed, active=False)
    order_id = await new_cart(csr, currency="EUR")

    rejected(
        await csr.send(AddCartLineV1(order_id=order_id, sku=dollars_only, quantity=1)), OrderErrors.CURRENCY_MISMATCH
    )
    rejected(await csr.send(AddCartLineV1(order_id=order_id, sku=retired, quantity=1)), OrderErrors.PRODUCT_INACTIVE)

    assert (await view(csr, order_id)).order.version == 1


@pytest.mark.capability("ORD-02", "SRV-06")
async def test_two_agents_editing_the_same_cart_the_second_is_told_it_is_stale(
    system: System, feed: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    sku = await add_product(feed)
    order_id = await new_cart(csr)
    seen = (await view(csr, order_id)).order.version

    # The cart is locked to the CSR who started it (SRV-06): the supervisor takes it over, edits, lets go.
    accepted(await supervisor.send(TakeOverLockV1(order_id=order_id)))
    accepted(await supervisor.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=1, expected_version=seen)))
    accepted(await supervisor.send(UnlockOrderV1(order_id=order_id)))
    reply = await csr.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=5, expected_version=seen))

    rejected(reply, errors.STALE_VERSION, "payload.expected_version")
    order = (await view(csr, order_id)).order
    assert [ln.quantity for ln in order.lines] == [1] and order.updated_by == "sup-sam"


@pytest.mark.capability("ORD-02")
async def test_an_unknown_cart_or_line_is_not_found(csr: OmsClient, cart_with_a_line: dict[str, Any]) -> None:
    order_id = cart_with_a_line["order_id"]
    before = (await view(csr, order_id)).order

    rejected(await csr.send(RemoveCartLineV1(order_id=uuid.uuid4(), line_no=1)), errors.NOT_FOUND, "payload.order_id")
    rejected(await csr.send(RemoveCartLineV1(order_id=order_id, line_no=9)), errors.NOT_FOUND, "payload.line_no")

    assert (await view(csr, order_id)).order == before
