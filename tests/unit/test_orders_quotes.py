"""The quote use cases (SRV-01, SRV-02) against a unit of work in memory: a cart saved as a quote,
e-mailed, converted to a new cart. The quote guards its own transitions; each test fails when a use
case skips a step (a guard, the number, an event, the lock) that tests/e2e/test_servicing_quotes.py
proves through Kafka and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.errors import Refused
from contracts.orders import (
    ConvertQuoteToOrderV1,
    EmailQuoteV1,
    OrderErrors,
    OrderLockChangedV1,
    OrderView,
    QuoteConvertedV1,
    QuoteEmailRequestedV1,
    QuoteSavedV1,
    SaveAsQuoteV1,
)
from services.orders.application import quotes
from services.orders.domain import order as order_rules
from services.orders.domain.catalog import Product
from tests.support.orders import NOW, line, order
from tests.unit.fake_unit_of_work import FakeUnitOfWork

D = Decimal


def tent(price: str = "10.00") -> Product:
    return Product("TENT", "TENT", {"USD": D(price)}, False, True, True, True, 10, 0)


def with_cart(uow: FakeUnitOfWork, **kw: Any) -> OrderView:
    cart = order([line(1, "TENT", 2, "10.00")], email="jane@example.com", **kw)
    uow.orders.saved[cart.order_id] = cart
    uow.catalog.items["TENT"] = tent()
    return cart


async def quoted(uow: FakeUnitOfWork) -> OrderView:
    cart = with_cart(uow)
    await quotes.save_as_quote(uow, SaveAsQuoteV1(order_id=cart.order_id, valid_days=7))
    uow.emitted.clear()
    return uow.orders.saved[cart.order_id]


async def test_a_cart_saved_as_a_quote_is_numbered_announced_and_let_go() -> None:
    uow = FakeUnitOfWork()
    cart = with_cart(uow)

    result = await quotes.save_as_quote(uow, SaveAsQuoteV1(order_id=cart.order_id, valid_days=7))

    saved = uow.orders.saved[cart.order_id]
    assert result.quote_number == order_rules.order_number(700001) == saved.quote_number
    assert (saved.status, result.expires_at) == ("quote", NOW + timedelta(days=7))
    assert [e.quote_number for e in uow.events(QuoteSavedV1)] == [result.quote_number]
    assert [e.change for e in uow.events(OrderLockChangedV1)] == ["locked", "unlocked"]


async def test_only_a_cart_is_quoted_and_no_number_is_taken_for_another() -> None:
    uow = FakeUnitOfWork()
    submitted = with_cart(uow, status="submitted", order_number="1000017")

    with pytest.raises(Refused) as refused:
        await quotes.save_as_quote(uow, SaveAsQuoteV1(order_id=submitted.order_id))

    assert refused.value.code == errors.INVALID_STATE
    assert uow.quotes.numbers == 700000 and not uow.events(QuoteSavedV1)


async def test_a_quote_is_emailed_while_valid_and_refused_once_expired() -> None:
    uow = FakeUnitOfWork()
    quote = await quoted(uow)

    sent = await quotes.email_quote(uow, EmailQuoteV1(quote_id=quote.order_id))
    assert sent.email == "jane@example.com" and len(uow.events(QuoteEmailRequestedV1)) == 1

    later = FakeUnitOfWork(now=NOW + timedelta(days=8), orders=uow.orders, catalog=uow.catalog)
    with pytest.raises(Refused) as refused:
        await quotes.email_quote(later, EmailQuoteV1(quote_id=quote.order_id))
    assert refused.value.code == OrderErrors.QUOTE_EXPIRED and not later.emitted


async def test_a_cart_or_an_order_is_not_emailed_as_a_quote() -> None:
    uow = FakeUnitOfWork()
    cart = with_cart(uow)
    with pytest.raises(Refused) as refused:
        await quotes.email_quote(uow, EmailQuoteV1(quote_id=cart.order_id))
    assert refused.value.code == errors.NOT_FOUND


async def test_a_converted_quote_honours_its_prices_and_is_converted_only_once() -> None:
    uow = FakeUnitOfWork()
    quote = await quoted(uow)
    uow.catalog.items["TENT"] = tent("12.00")  # the price went up since

    result = await quotes.convert_quote(uow, ConvertQuoteToOrderV1(quote_id=quote.order_id))

    new_cart = uow.orders.saved[result.order_id]
    assert (new_cart.status, new_cart.lines[0].unit_price, result.prices_honoured) == ("cart", D("10.00"), True)
    assert uow.orders.saved[quote.order_id].status == "converted"
    (converted,) = uow.events(QuoteConvertedV1)
    assert converted.order_id == result.order_id and [c.kind for c in converted.changes] == ["price_changed"]
    with pytest.raises(Refused) as again:
        await quotes.convert_quote(uow, ConvertQuoteToOrderV1(quote_id=quote.order_id, order_id=uuid.uuid4()))
    assert again.value.code == errors.INVALID_STATE
