"""Submit (ORD-09), available to promise and the three backorder choices (ORD-04), payment declined
and re-submit (ORD-10), one-command orders (PlaceOrderV2), clone (ORD-14) and comments (ORD-15)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from contracts import errors
from contracts.common import Money, luhn_ok
from contracts.envelope import Role
from contracts.orders import (
    AddCartLineV1,
    AddOrderCommentV1,
    AddPaymentInstructionV1,
    ApplyCouponV1,
    CloneOrderV1,
    CloneResult,
    FindOrdersV1,
    GetCatalogProductV1,
    OrderErrors,
    OrderLineInput,
    OrderPage,
    PlaceOrderV2,
    RecordPaymentResultV1,
    RemovePaymentInstructionV1,
    SetBackorderPolicyV1,
    SetOrderAttributesV1,
    SetShippingV1,
    ShipTo,
    SubmitOrderV1,
    SubmitResult,
)
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.orders import (
    CARDS,
    accepted,
    add_line,
    add_product,
    address,
    card,
    new_cart,
    pay_by_card,
    product,
    ready_cart,
    rejected,
    ship_and_bill,
    view,
)
from tests.support.system import System, first_event

D = Decimal


@pytest.fixture(scope="session")
async def gateway(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("payment-gateway", Role.SYSTEM) as client:
        yield client


async def reserved(client: OmsClient, sku: str) -> tuple[int, int]:
    seen = accepted(await client.send(GetCatalogProductV1(sku=sku)))
    return seen["reserved"], seen["available"]


async def submit(client: OmsClient, order_id: uuid.UUID) -> SubmitResult:
    return SubmitResult.model_validate(accepted(await client.send(SubmitOrderV1(order_id=order_id))))


@pytest.mark.capability("ORD-09", "ORD-04", "NTF-01")
async def test_a_complete_cart_is_submitted_with_a_number_to_read_out_stock_reserved_and_fulfilment_told(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    registration = register_customer(csr)
    customer_id = accepted(await csr.send(registration))["customer_id"]
    tent = await add_product(feed, usd="249.00", on_hand=10, trackable=True, name="Ridge 2P tent")
    pad = await add_product(feed, usd="39.00", on_hand=10, name="Foam pad")
    order_id = await ready_cart(csr, [(tent, 1), (pad, 2)], customer_id=customer_id, email=str(registration.email))

    placed = await submit(csr, order_id)

    assert luhn_ok(placed.order_number) and placed.status == "submitted" and placed.backordered == {}
    # 249.00 + 78.00 = 327.00; free standard shipping from 150; Illinois 6.25% = 20.4375 -> 20.44 (15.56 + 4.88)
    assert placed.total == D("347.44")
    assert await reserved(csr, tent) == (1, 9) and await reserved(csr, pad) == (2, 8)
    event = await first_event(
        system, "orders.events", lambda e: e.type == "OrderPlaced" and e.payload["order_id"] == str(order_id)
    )
    p = event.payload
    assert (p["order_number"], p["status"], p["total"], p["placed_by"]) == (
        placed.order_number,
        "submitted",
        "347.44",
        "csr-alice",
    )
    assert p["ship_to"]["address"]["city"] == "Springfield" and p["ship_to"]["shipping_mode"] == "standard"
    assert [(x["method"], x["brand"], x["last4"], x["amount"]) for x in p["payments"]] == [
        ("card", "visa", "1111", "347.44")
    ]
    assert [(ln["sku"], ln["reserved_quantity"], ln["trackable"]) for ln in p["lines"]] == [
        (tent, 1, True),
        (pad, 2, False),
    ]
    mail = await system.mailbox().wait_for_async(
        lambda m: str(registration.email) in m.rcpt_tos and placed.order_number in (m.subject or ""), timeout=60
    )
    assert "347.44" in mail.body(("plain",))


@pytest.mark.capability("ORD-09")
async def test_submit_lists_everything_missing_and_changes_nothing(feed: OmsClient, csr: OmsClient) -> None:
    sku = await add_product(feed, on_hand=5)
    order_id = await new_cart(csr)
    await add_line(csr, order_id, sku, 2)
    before = (await view(csr, order_id)).order

    reply = await csr.send(SubmitOrderV1(order_id=order_id))

    rejected(reply, OrderErrors.INCOMPLETE_ORDER)
    assert {(e.field, e.code) for e in reply.field_errors} == {
        ("ship_to", "missing_ship_to"),
        ("billing_address", "missing_billing_address"),
        ("payments", "missing_payment"),
    }
    assert (await view(csr, order_id)).order == before
    assert await reserved(csr, sku) == (0, 5)


@pytest.mark.capability("ORD-04", "ORD-09")
async def test_not_enough_stock_asks_for_a_backorder_choice_then_ships_what_is_available(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, on_hand=3)
    order_id = await ready_cart(csr, [(sku, 5)])

    refused = await csr.send(SubmitOrderV1(order_id=order_id))
    rejected(refused, OrderErrors.INSUFFICIENT_STOCK, "lines[1].quantity")
    assert "3 of 5 available" in (refused.message or "") and await reserved(csr, sku) == (0, 3)

    accepted(await csr.send(SetBackorderPolicyV1(order_id=order_id, policy="ship_available")))
    placed = await submit(csr, order_id)

    assert placed.backordered == {1: 2} and await reserved(csr, sku) == (3, 0)
    line = (await view(csr, order_id)).order.lines[0]
    assert (line.quantity, line.reserved_quantity, line.backordered_quantity) == (5, 3, 2)
    event = await first_event(
        system, "orders.events", lambda e: e.type == "OrderPlaced" and e.payload["order_id"] == str(order_id)
    )
    assert event.payload["backorder_policy"] == "ship_available"
    assert event.payload["lines"][0]["backordered_quantity"] == 2


@pytest.mark.capability("ORD-04")
async def test_ship_complete_reserves_what_there_is_and_waits_for_the_rest(feed: OmsClient, csr: OmsClient) -> None:
    scarce = await add_product(feed, on_hand=1)
    plenty = await add_product(feed, on_hand=50)
    order_id = await ready_cart(csr, [(scarce, 2), (plenty, 4)])
    accepted(await csr.send(SetBackorderPolicyV1(order_id=order_id, policy="ship_complete")))

    placed = await submit(csr, order_id)

    assert placed.backordered == {1: 1} and placed.backorder_order_id is None
    order = (await view(csr, order_id)).order
    assert order.backorder_policy == "ship_complete"
    assert [(ln.reserved_quantity, ln.backordered_quantity) for ln in order.lines] == [(1, 1), (4, 0)]


@pytest.mark.capability("ORD-04", "ORD-09")
async def test_backorders_move_to_a_separate_order_and_the_two_totals_make_the_quote(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    scarce = await add_product(feed, usd="10.00", on_hand=3)
    plenty = await add_product(feed, usd="20.00", on_hand=50)
    order_id = await ready_cart(csr, [(scarce, 5), (plenty, 1)])
    accepted(await csr.send(SetBackorderPolicyV1(order_id=order_id, policy="separate_order")))
    quoted = (await view(csr, order_id)).order.totals.total

    placed = await submit(csr, order_id)

    assert placed.backorder_order_id is not None and placed.backorder_order_number is not None
    first = (await view(csr, order_id)).order
    second = (await view(csr, placed.backorder_order_id)).order
    assert [(ln.sku, ln.quantity, ln.reserved_quantity) for ln in first.lines] == [(scarce, 3, 3), (plenty, 1, 1)]
    assert [(ln.sku, ln.quantity, ln.backordered_quantity) for ln in second.lines] == [(scarce, 2, 2)]
    assert second.backorder_of == order_id and second.status == "submitted" and luhn_ok(second.order_number or "")
    assert first.totals.total + second.totals.total == quoted
    assert sum(p.amount for p in first.payments) == first.totals.total
    assert [(p.brand, p.amount) for p in second.payments] == [("visa", second.totals.total)]
    await first_event(
        system,
        "orders.events",
        lambda e: e.type == "OrderPlaced" and e.payload["backorder_of"] == str(order_id),
    )


@pytest.mark.capability("ORD-04")
async def test_a_product_that_cannot_be_backordered_is_refused_whatever_the_choice(
    feed: OmsClient, csr: OmsClient
) -> None:
    last_ones = await add_product(feed, on_hand=2, backorderable=False)
    order_id = await ready_cart(csr, [(last_ones, 3)])
    accepted(await csr.send(SetBackorderPolicyV1(order_id=order_id, policy="ship_available")))

    reply = await csr.send(SubmitOrderV1(order_id=order_id))

    rejected(reply, OrderErrors.INSUFFICIENT_STOCK, "lines[1].quantity")
    assert (await view(csr, order_id)).order.status == "cart" and await reserved(csr, last_ones) == (0, 2)


@pytest.mark.capability("ORD-09", "ORD-02")
async def test_a_submitted_order_cannot_be_edited_through_cart_commands(feed: OmsClient, csr: OmsClient) -> None:
    sku = await add_product(feed)
    order_id = await ready_cart(csr, [(sku, 1)])
    await submit(csr, order_id)
    before = (await view(csr, order_id)).order
    ship_to = ShipTo(address=address(city="Chicago"), shipping_mode="express")

    for command in [
        AddCartLineV1(order_id=order_id, sku=sku, quantity=1),
        SetShippingV1(order_id=order_id, ship_to=ship_to),
        ApplyCouponV1(order_id=order_id, code="ANY"),
        SetOrderAttributesV1(order_id=order_id, set={"note": "x"}),
        AddPaymentInstructionV1(order_id=order_id, payment=card(csr)),
        SubmitOrderV1(order_id=order_id),
    ]:
        rejected(await csr.send(command), errors.INVALID_STATE)

    assert (await view(csr, order_id)).order == before


@pytest.mark.capability("ORD-10", "ORD-08", "ORD-12")
async def test_a_declined_payment_holds_the_order_until_payments_are_updated_and_it_is_resubmitted(
    system: System, feed: OmsClient, csr: OmsClient, gateway: OmsClient
) -> None:
    sku = await add_product(feed, usd="80.00", on_hand=10)
    order_id = await ready_cart(csr, [(sku, 2)])
    placed = await submit(csr, order_id)
    declined = (await view(csr, order_id)).order.payments[0].payment_id
    decline = RecordPaymentResultV1(order_id=order_id, payment_id=declined, outcome="declined", reason="do not honour")

    rejected(await csr.send(decline), errors.FORBIDDEN)
    held = accepted(await gateway.send(decline))

    assert held["holds"] == ["payment"] and held["status"] == "submitted"
    on_hold = OrderPage.model_validate(
        accepted(await csr.send(FindOrdersV1(hold="payment", order_number=placed.order_number)))
    )
    assert [o.order_id for o in on_hold.items] == [order_id]
    rejected(await csr.send(SubmitOrderV1(order_id=order_id)), "payment_declined", f"payments[{declined}]")
    rejected(await csr.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=1)), errors.INVALID_STATE)

    accepted(await csr.send(RemovePaymentInstructionV1(order_id=order_id, payment_id=declined)))
    await pay_by_card(csr, order_id, CARDS["mastercard"])
    again = await submit(csr, order_id)

    assert (again.order_number, again.holds, again.total) == (placed.order_number, [], placed.total)
    assert await reserved(csr, sku) == (2, 8)  # reserved once, not again
    order = (await view(csr, order_id)).order
    # The new card is authorized at the re-submit where a card provider runs (MNY-02), else it waits
    # for the payment system's result.
    status = "pending" if system.stack.stripe_api_base is None else "authorized"
    assert [(p.brand, p.last4, p.status) for p in order.payments] == [("mastercard", "4444", status)]
    event = await first_event(
        system,
        "orders.events",
        lambda e: (
            e.type == "OrderUpdated" and e.payload["order_id"] == str(order_id) and e.payload["change"] == "resubmitted"
        ),
    )
    assert event.payload["holds"] == [] and event.payload["payments"][0]["brand"] == "mastercard"


@pytest.mark.capability("ORD-09", "ORD-08", "ORD-03")
async def test_a_channel_places_a_complete_order_in_one_command(
    system: System, feed: OmsClient, channel: OmsClient
) -> None:
    skus = [await add_product(feed, usd=price, on_hand=20) for price in ("59.00", "12.00", "7.50")]
    command = PlaceOrderV2(
        customer_id=uuid.uuid4(),
        first_name="Ana",
        last_name="Lima",
        email="ana.lima@example.com",
        currency="USD",
        lines=[OrderLineInput(sku=sku, quantity=q) for sku, q in zip(skus, (1, 2, 4), strict=True)],
        ship_to=ShipTo(address=address(first_name="Ana", last_name="Lima", region="OR"), shipping_mode="express"),
        payments=[card(channel, CARDS["amex"])],
    )

    placed = SubmitResult.model_validate(accepted(await channel.send(command)))

    # 59.00 + 24.00 + 30.00 = 113.00; express 14.95 + 7 x 1.00 = 21.95; Oregon: no tax.
    assert placed.total == D("134.95") and luhn_ok(placed.order_number)
    details = await view(channel, command.order_id)
    assert details.order.billing_address == command.ship_to.address  # type: ignore[union-attr]
    assert [(v.version, v.change) for v in details.versions] == [(1, "placed")]
    event = await first_event(
        system, "orders.events", lambda e: e.type == "OrderPlaced" and e.payload["order_id"] == str(command.order_id)
    )
    assert [(p["brand"], p["last4"]) for p in event.payload["payments"]] == [("amex", "0005")]


@pytest.mark.capability("ORD-09", "ORD-08")
async def test_a_one_command_order_with_a_bad_card_or_sku_is_refused_and_nothing_is_kept(
    system: System, feed: OmsClient, channel: OmsClient
) -> None:
    sku = await add_product(feed)
    good = PlaceOrderV2(
        currency="USD",
        lines=[OrderLineInput(sku=sku, quantity=1)],
        ship_to=ShipTo(address=address(), shipping_mode="standard"),
        payments=[card(channel, "4111111111111112")],
    )
    unknown = good.model_copy(update={"lines": [OrderLineInput(sku="NO-SUCH", quantity=1)], "order_id": uuid.uuid4()})

    rejected(await channel.send(good), OrderErrors.INVALID_CARD_NUMBER, "payload.payments[0].card_number")
    rejected(await channel.send(unknown), OrderErrors.UNKNOWN_SKU, "payload.lines[0].sku")

    rows = await system.fetch(
        "orders", "SELECT 1 FROM orders WHERE order_id = ANY($1::uuid[])", [good.order_id, unknown.order_id]
    )
    assert rows == [] and await reserved(channel, sku) == (0, 100)


@pytest.mark.capability("ORD-14")
async def test_an_order_is_cloned_into_a_cart_at_current_prices_saying_what_changed(
    feed: OmsClient, csr: OmsClient
) -> None:
    same = await add_product(feed, usd="10.00")
    dearer = await add_product(feed, usd="20.00", on_hand=100)
    retired = await add_product(feed, usd="5.00")
    order_id = await ready_cart(csr, [(same, 1), (dearer, 3), (retired, 2)])
    accepted(await csr.send(SetOrderAttributesV1(order_id=order_id, set={"gift_message": "Enjoy"})))
    await submit(csr, order_id)
    accepted(await feed.send(product(dearer, usd="22.50", on_hand=1)))
    accepted(await feed.send(product(retired, active=False)))

    clone = CloneResult.model_validate(accepted(await csr.send(CloneOrderV1(source_order_id=order_id))))

    assert [(c.sku, c.kind, c.old_unit_price, c.new_unit_price) for c in clone.changes] == [
        (dearer, "price_changed", D("20.00"), D("22.50")),
        (dearer, "unavailable", None, None),
        (retired, "dropped", None, None),
    ]
    cart = (await view(csr, clone.order_id)).order
    assert (cart.status, cart.cloned_from, cart.order_number, cart.payments) == ("cart", order_id, None, [])
    assert [(ln.line_no, ln.sku, ln.quantity, ln.unit_price) for ln in cart.lines] == [
        (1, same, 1, D("10.00")),
        (2, dearer, 3, D("22.50")),
    ]
    assert cart.attributes == {"gift_message": "Enjoy"} and cart.ship_to is not None


@pytest.mark.capability("ORD-15")
async def test_comments_internal_or_for_the_customer_are_kept_and_announced(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    order_id = await new_cart(csr, email="walker@example.com")
    version = (await view(csr, order_id)).order.version

    internal = accepted(await csr.send(AddOrderCommentV1(order_id=order_id, text="Asked for gift wrap")))
    to_customer = accepted(
        await csr.send(AddOrderCommentV1(order_id=order_id, text="Your tent ships Monday.", visibility="customer"))
    )

    details = await view(csr, order_id)
    assert [(c.text, c.visibility, c.added_by) for c in details.comments] == [
        ("Asked for gift wrap", "internal", "csr-alice"),
        ("Your tent ships Monday.", "customer", "csr-alice"),
    ]
    assert details.order.version == version  # a comment is not a change of the order
    event = await first_event(
        system,
        "orders.events",
        lambda e: e.type == "OrderCommentAdded" and e.payload["comment_id"] == to_customer["comment_id"],
    )
    assert (event.payload["visibility"], event.payload["email"]) == ("customer", "walker@example.com")
    assert internal["comment_id"] != to_customer["comment_id"]


@pytest.mark.capability("ORD-08")
async def test_several_payment_instructions_must_cover_the_total(feed: OmsClient, csr: OmsClient) -> None:
    sku = await add_product(feed, usd="100.00")
    order_id = await new_cart(csr, account_id="ACME-42")
    await add_line(csr, order_id, sku, 1)
    await ship_and_bill(csr, order_id, mode="pickup", region="OR")  # 100.00, no shipping, no tax
    invoice = {"method": "invoice", "purchase_order": "PO-7781", "amount": Money(amount=D("30"), currency="USD")}
    accepted(await csr.send(AddPaymentInstructionV1.model_validate({"order_id": order_id, "payment": invoice})))
    await pay_by_card(csr, order_id, CARDS["discover"], amount=Money(amount=D("60"), currency="USD"))

    short = await csr.send(SubmitOrderV1(order_id=order_id))

    rejected(short, "payment_not_covered", "payments")
    await pay_by_card(csr, order_id, CARDS["visa2"])  # open amount: takes the remaining 10.00
    placed = await submit(csr, order_id)
    order = (await view(csr, order_id)).order
    assert placed.total == D("100.00")
    assert [(p.method, p.purchase_order or p.brand, p.amount) for p in order.payments] == [
        ("invoice", "PO-7781", D("30.00")),
        ("card", "discover", D("60.00")),
        ("card", "visa", D("10.00")),
    ]
