"""Quotes (SRV-01): save a cart as a quote with prices guaranteed until it expires, find quotes,
e-mail a quote to the customer. Convert a quote to an order (SRV-02): every product and price change
since the quote was saved is shown, the quoted prices are honoured while the quote is valid, and an
expired quote is refused at its old prices."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.customers import CustomerHistory, GetCustomerHistoryV1
from contracts.orders import (
    AddCartLineV1,
    ConvertQuoteResult,
    ConvertQuoteToOrderV1,
    EmailQuoteV1,
    FindQuotesV1,
    GetOrderV1,
    OrderErrors,
    QuotePage,
    QuoteResult,
    SaveAsQuoteV1,
)
from csr.client import OmsClient
from tests.support.builders import register_customer, unique
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    event_of,
    new_cart,
    pay_by_card,
    product,
    rejected,
    ship_and_bill,
    submit,
    view,
)
from tests.support.system import System, eventually, first_event

D = Decimal


async def quote_cart(csr: OmsClient, skus: list[tuple[str, int]], **cart: object) -> uuid.UUID:
    order_id = await new_cart(csr, **cart)
    for sku, quantity in skus:
        await add_line(csr, order_id, sku, quantity)
    return order_id


async def save_quote(csr: OmsClient, order_id: uuid.UUID, **kw: object) -> QuoteResult:
    return QuoteResult.model_validate(accepted(await csr.send(SaveAsQuoteV1(order_id=order_id, **kw))))


async def find(csr: OmsClient, **criteria: object) -> QuotePage:
    return QuotePage.model_validate(accepted(await csr.send(FindQuotesV1.model_validate(criteria))))


async def reprice(feed: OmsClient, sku: str, usd: str, **kw: Any) -> None:
    accepted(await feed.send(product(sku, usd=usd, **kw)))


@pytest.mark.capability("SRV-01", "CUS-11", "NTF-01")
async def test_a_cart_saved_as_a_quote_is_found_e_mailed_and_in_the_customers_history(
    system: System, feed: OmsClient, csr: OmsClient, channel: OmsClient
) -> None:
    registration = register_customer(csr, first_name="Quinn", last_name=unique("Quote"))
    customer_id = uuid.UUID(accepted(await csr.send(registration))["customer_id"])
    tent = await add_product(feed, usd="120.00", name="Ridge 2P tent")
    pad = await add_product(feed, usd="15.50", name="Foam pad")
    order_id = await quote_cart(
        csr,
        [(tent, 1), (pad, 2)],
        customer_id=customer_id,
        first_name="Quinn",
        last_name=registration.last_name,
        email=str(registration.email),
    )
    cart_total = (await view(csr, order_id)).order.totals.total

    quote = await save_quote(csr, order_id, valid_days=10)

    assert (quote.quote_id, quote.status, quote.customer_id, quote.total) == (
        order_id,
        "quote",
        customer_id,
        cart_total,
    )
    assert timedelta(days=9, hours=23) < quote.expires_at - datetime.now(UTC) <= timedelta(days=10)
    saved = await first_event(
        system, "orders.events", lambda e: e.type == "QuoteSaved" and e.payload["quote_id"] == str(order_id)
    )
    assert (saved.payload["quote_number"], saved.payload["total"]) == (quote.quote_number, str(cart_total))
    assert [ln["sku"] for ln in saved.payload["lines"]] == [tent, pad]
    details = await view(csr, order_id)
    assert (details.order.status, details.order.quote_number, details.order.quoted_by) == (
        "quote",
        quote.quote_number,
        "csr-alice",
    )
    assert details.lock is None  # saving the quote ends the agent's work on the cart

    # Find by number, by customer, by name, by status.
    by_number = await find(csr, quote_number=quote.quote_number)
    assert [(q.quote_id, q.status, q.line_count, q.total) for q in by_number.items] == [
        (order_id, "open", 2, cart_total)
    ]
    assert by_number.items[0].customer_name == f"Quinn {registration.last_name}"
    assert [q.quote_id for q in (await find(csr, customer_id=customer_id)).items] == [order_id]
    assert [q.quote_id for q in (await find(csr, customer_name=registration.last_name, status="open")).items] == [
        order_id
    ]
    assert (await find(csr, customer_id=customer_id, status="expired")).items == []

    # A quote is not edited any more: it is converted to be ordered.
    before = (await view(csr, order_id)).order
    rejected(await csr.send(AddCartLineV1(order_id=order_id, sku=pad, quantity=1)), errors.INVALID_STATE)
    assert (await view(csr, order_id)).order == before

    # E-mail it: the customer receives the quote with its lines, total and expiry.
    rejected(await channel.send(EmailQuoteV1(quote_id=order_id)), errors.FORBIDDEN)
    sent = accepted(await csr.send(EmailQuoteV1(quote_id=order_id)))
    assert (sent["quote_number"], sent["email"]) == (quote.quote_number, str(registration.email))
    mail = await system.mailbox().wait_for_async(
        lambda m: str(registration.email) in m.rcpt_tos and quote.quote_number in (m.subject or ""), timeout=60
    )
    body = mail.body(("plain",))
    assert mail.subject == f"Your quote {quote.quote_number}"
    assert "Dear Quinn" in body and f"Total: ${cart_total}" in body
    assert "Ridge 2P tent" in body and "Foam pad" in body
    assert f"{quote.expires_at:%Y}" in body
    assert (await view(csr, order_id)).order.version == before.version  # an e-mail makes no new version

    # The customers service shows the quote in the customer's history (CUS-11).
    async def in_history() -> bool:
        page = CustomerHistory.model_validate(accepted(await csr.send(GetCustomerHistoryV1(customer_id=customer_id))))
        return [(q.quote_number, q.total, q.lines) for q in page.quotes] == [(quote.quote_number, cart_total, 2)]

    await eventually(in_history, timeout=30)


@pytest.mark.capability("SRV-01")
async def test_bad_quotes_are_refused_and_change_nothing(feed: OmsClient, csr: OmsClient) -> None:
    sku = await add_product(feed)
    order_id = await quote_cart(csr, [(sku, 1)])
    empty = await new_cart(csr)
    before = (await view(csr, order_id)).order
    now = datetime.now(UTC)

    rejected(
        await csr.send(SaveAsQuoteV1(order_id=order_id, expires_at=now - timedelta(hours=1))),
        errors.INVALID,
        "payload.expires_at",
    )
    rejected(
        await csr.send(SaveAsQuoteV1(order_id=order_id, expires_at=now + timedelta(days=91))),
        errors.LIMIT_EXCEEDED,
        "payload.expires_at",
    )
    rejected(
        await csr.send(SaveAsQuoteV1(order_id=order_id, expected_version=before.version - 1)), errors.STALE_VERSION
    )
    rejected(await csr.send(SaveAsQuoteV1(order_id=empty)), "no_lines", "lines")
    rejected(await csr.send(SaveAsQuoteV1(order_id=uuid.uuid4())), errors.NOT_FOUND)
    assert (await view(csr, order_id)).order == before
    assert (await view(csr, empty)).order.status == "cart"

    # Not a quote: neither e-mailed nor converted.
    rejected(await csr.send(EmailQuoteV1(quote_id=order_id)), errors.NOT_FOUND)
    rejected(await csr.send(ConvertQuoteToOrderV1(quote_id=order_id)), errors.NOT_FOUND)
    rejected(await csr.send(ConvertQuoteToOrderV1(quote_id=uuid.uuid4())), errors.NOT_FOUND)
    assert (await view(csr, order_id)).order == before

    # A quote whose customer has no e-mail address needs one.
    no_mail = await quote_cart(csr, [(sku, 1)], email=None)
    await save_quote(csr, no_mail)
    rejected(await csr.send(EmailQuoteV1(quote_id=no_mail)), errors.INVALID, "payload.email")


@pytest.mark.capability("SRV-02")
async def test_converting_a_valid_quote_shows_every_change_and_honours_the_quoted_prices(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    up, down, gone, same = (unique("SKU-UP-").upper(), unique("SKU-DN-").upper(), unique("SKU-GO-").upper(),
                            unique("SKU-SM-").upper())  # fmt: skip
    for sku, price in ((up, "20.00"), (down, "30.00"), (gone, "5.00"), (same, "8.00")):
        await reprice(feed, sku, price, name=f"Item {sku[:6]}", on_hand=50)
    quote_id = await quote_cart(csr, [(up, 1), (down, 2), (gone, 1), (same, 1)])
    await pay_by_card(csr, quote_id)  # the caller gives a card with the quote
    quote = await save_quote(csr, quote_id)

    # Since the quote: one price up, one down, one product withdrawn, one renamed.
    await reprice(feed, up, "25.00", name=f"Item {up[:6]}", on_hand=50)
    await reprice(feed, down, "27.00", name=f"Item {down[:6]}", on_hand=50)
    await reprice(feed, gone, "5.00", name=f"Item {gone[:6]}", on_hand=50, active=False)
    await reprice(feed, same, "8.00", name="Item renamed", on_hand=50)

    new_id = uuid.uuid4()
    converted = ConvertQuoteResult.model_validate(
        accepted(await csr.send(ConvertQuoteToOrderV1(quote_id=quote_id, order_id=new_id)))
    )

    assert (converted.order_id, converted.quote_number, converted.prices_honoured) == (
        new_id,
        quote.quote_number,
        True,
    )
    assert converted.quoted_total == quote.total
    found = {(c.sku, c.kind): c for c in converted.changes}
    assert set(found) == {(up, "price_changed"), (down, "price_changed"), (gone, "discontinued"),
                          (same, "product_changed")}  # fmt: skip
    assert (found[up, "price_changed"].quoted_unit_price, found[up, "price_changed"].current_unit_price) == (
        D("20.00"),
        D("25.00"),
    )
    assert found[up, "price_changed"].honoured is True and found[down, "price_changed"].honoured is True
    assert found[down, "price_changed"].current_unit_price == D("27.00")
    assert found[gone, "discontinued"].line_no is None

    cart = (await view(csr, new_id)).order
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.guaranteed_price) for ln in cart.lines] == [
        (up, 1, D("20.00"), D("20.00")),
        (down, 2, D("30.00"), D("30.00")),
        (same, 1, D("8.00"), D("8.00")),
    ]
    assert (cart.status, cart.quote_id, cart.quote_changes) == ("cart", quote_id, converted.changes)
    assert converted.total == cart.totals.total
    event = await first_event(
        system, "orders.events", lambda e: e.type == "QuoteConverted" and e.payload["quote_id"] == str(quote_id)
    )
    assert (event.payload["order_id"], event.payload["prices_honoured"], len(event.payload["changes"])) == (
        str(new_id),
        True,
        4,
    )

    # The cart keeps the quoted prices through completion and submit; the card the caller gave for
    # the quote came with it (brand and last four in the reply), so it is not asked for again.
    quoted_card = (await view(csr, quote_id)).order.payments
    assert [(p.method, p.last4) for p in converted.payments] == [(p.method, p.last4) for p in quoted_card] != []
    await ship_and_bill(csr, new_id)
    placed = await submit(csr, new_id)
    order = (await view(csr, new_id)).order
    assert [ln.unit_price for ln in order.lines] == [D("20.00"), D("30.00"), D("8.00")]
    assert placed.total == order.totals.total
    placed_event = await event_of(system, "OrderPlaced", new_id)
    assert [ln["unit_price"] for ln in placed_event["lines"]] == ["20.00", "30.00", "8.00"]

    # The quote is converted now: found as such, and not converted twice.
    summary = (await find(csr, quote_number=quote.quote_number)).items[0]
    assert (summary.status, summary.converted_to) == ("converted", new_id)
    again = uuid.uuid4()
    rejected(await csr.send(ConvertQuoteToOrderV1(quote_id=quote_id, order_id=again)), errors.INVALID_STATE)
    rejected(await csr.send(GetOrderV1(order_id=again)), errors.NOT_FOUND)


@pytest.mark.capability("SRV-02", "SRV-01")
async def test_an_expired_quote_is_refused_at_its_old_prices_and_converted_only_at_todays(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="40.00")
    quote_id = await quote_cart(csr, [(sku, 2)])
    quote = await save_quote(csr, quote_id, expires_at=datetime.now(UTC) + timedelta(seconds=3))
    await reprice(feed, sku, "44.00")

    async def expired() -> bool:
        return (await find(csr, quote_number=quote.quote_number)).items[0].status == "expired"

    await eventually(expired, timeout=30)
    assert [q.quote_id for q in (await find(csr, quote_number=quote.quote_number, status="expired")).items] == [
        quote_id
    ]
    before = await view(csr, quote_id)

    at_old_prices = uuid.uuid4()
    refused = rejected(
        await csr.send(ConvertQuoteToOrderV1(quote_id=quote_id, order_id=at_old_prices)), OrderErrors.QUOTE_EXPIRED
    )
    assert refused.message is not None and quote.quote_number in refused.message
    rejected(await csr.send(EmailQuoteV1(quote_id=quote_id)), OrderErrors.QUOTE_EXPIRED)
    rejected(await csr.send(GetOrderV1(order_id=at_old_prices)), errors.NOT_FOUND)
    assert await view(csr, quote_id) == before

    today = uuid.uuid4()
    converted = ConvertQuoteResult.model_validate(
        accepted(await csr.send(ConvertQuoteToOrderV1(quote_id=quote_id, order_id=today, accept_current_prices=True)))
    )
    assert converted.prices_honoured is False
    assert [(c.kind, c.quoted_unit_price, c.current_unit_price, c.honoured) for c in converted.changes] == [
        ("price_changed", D("40.00"), D("44.00"), False)
    ]
    cart = (await view(csr, today)).order
    assert [(ln.unit_price, ln.guaranteed_price, ln.subtotal) for ln in cart.lines] == [(D("44.00"), None, D("88.00"))]
    event = await first_event(
        system, "orders.events", lambda e: e.type == "QuoteConverted" and e.payload["quote_id"] == str(quote_id)
    )
    assert (event.payload["order_id"], event.payload["prices_honoured"]) == (str(today), False)
