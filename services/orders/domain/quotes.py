"""Quotes (SRV-01, SRV-02), pure: a cart saved with guaranteed prices until it expires, and the new
cart made from it, with every product and price change since it was saved."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from contracts import errors
from contracts.errors import Refused
from contracts.orders import (
    OrderErrors,
    OrderLineDetail,
    OrderView,
    PaymentView,
    QuoteChange,
    QuoteConvertedV1,
    QuoteEmailRequestedV1,
    QuoteSavedV1,
    QuoteSummaryView,
)
from services.orders.domain.cart import require_status
from services.orders.domain.catalog import Product
from services.orders.domain.order import line_views
from services.orders.domain.policy import ShopPolicy
from services.orders.domain.pricing import PricingPolicy, money
from services.orders.domain.submission import line_problems, mode_problems, rejection


def expiry(now: datetime, expires_at: datetime | None, valid_days: int | None, settings: ShopPolicy) -> datetime:
    """When the quote's guarantee ends: as asked (in the future, within the configured maximum), or
    the default validity."""
    if expires_at is None:
        return now + timedelta(days=valid_days or settings.quote_valid_days)
    latest = now + timedelta(days=settings.quote_max_valid_days)
    if expires_at <= now:
        raise Refused.field(errors.INVALID, "payload.expires_at", "a quote must expire in the future")
    if expires_at > latest:
        raise Refused.field(
            errors.LIMIT_EXCEEDED,
            "payload.expires_at",
            f"a quote is valid for at most {settings.quote_max_valid_days} days (until {latest:%Y-%m-%d %H:%M} UTC)",
        )
    return expires_at


def save_as_quote(
    order: OrderView,
    products: Mapping[str, Product],
    policy: PricingPolicy,
    number: str,
    expires_at: datetime,
    now: datetime,
    agent: str,
) -> OrderView:
    """The priced cart becomes a quote: its unit prices are what is guaranteed. Only a cart becomes
    a quote. It is checked as submit checks it (lines sold in its currency, every shipment in a mode
    offered in that currency), except for what may still change before it is converted (stock,
    addresses, billing, payment): a quote whose prices submit could not honour is never saved, let
    alone e-mailed. A quote without an address has no shipping or tax yet; its e-mail says so."""
    require_status(order)
    found = [*line_problems(order, products), *mode_problems(order, policy)]
    if found:
        raise rejection(found, "saved as a quote")
    return order.model_copy(
        update={
            "status": "quote",
            "quote_number": number,
            "quoted_at": now,
            "quoted_by": agent,
            "expires_at": expires_at,
            "assigned_to": None,
            "pending_since": None,
        }
    )


QuoteStatus = Literal["open", "expired", "converted"]


def status_of(quote: OrderView, now: datetime) -> QuoteStatus:
    if quote.status == "converted":
        return "converted"
    assert quote.expires_at is not None
    return "open" if now < quote.expires_at else "expired"


def require_quote(order: OrderView, field: str = "payload.quote_id") -> None:
    if order.quote_number is None:
        raise Refused.field(errors.NOT_FOUND, field, f"{order.order_id} is not a quote")
    if order.status == "converted":
        raise Refused(
            errors.INVALID_STATE, f"quote {order.quote_number} was already converted to order {order.converted_to}"
        )


def require_valid(quote: OrderView, now: datetime) -> None:
    if status_of(quote, now) == "expired":
        assert quote.expires_at is not None
        raise Refused(
            OrderErrors.QUOTE_EXPIRED,
            f"quote {quote.quote_number} expired on {quote.expires_at:%Y-%m-%d %H:%M} UTC: its prices are no"
            " longer guaranteed; convert it accepting current prices",
        )


# --- convert (SRV-02) -----------------------------------------------------------------------------


def convert(
    quote: OrderView,
    products: Mapping[str, Product],
    order_id: uuid.UUID,
    accept_current_prices: bool,
    now: datetime,
    agent: str,
) -> tuple[OrderView, list[QuoteChange], bool]:
    """A new cart from the quote: the cart, every change since the quote was saved, and whether the
    quoted prices are honoured (while the quote is valid, unless the CSR takes today's prices)."""
    require_quote(quote)
    if not accept_current_prices:
        require_valid(quote, now)
    honour = not accept_current_prices
    lines: list[OrderLineDetail] = []
    changes: list[QuoteChange] = []
    for old in quote.lines:
        product = products.get(old.sku)
        price = product.price_in(quote.currency) if product and product.active else None
        if product is None or price is None:
            changes.append(
                QuoteChange(
                    line_no=None,
                    sku=old.sku,
                    kind="discontinued",
                    quoted_unit_price=old.unit_price,
                    message=f"{old.sku} ({old.name}) is no longer sold: its line is dropped",
                )
            )
            continue
        line_no = len(lines) + 1
        lines.append(_line(old, line_no, money(price, quote.currency), honour))
        changes += _changes(line_no, old, product, money(price, quote.currency), honour)
    cart = _cart(quote, order_id, lines, changes, now, agent)
    return cart, changes, honour


def _line(old: OrderLineDetail, line_no: int, price: Decimal, honour: bool) -> OrderLineDetail:
    return old.model_copy(
        update={
            "line_no": line_no,
            "unit_price": old.unit_price if honour else price,
            "guaranteed_price": old.unit_price if honour else None,
            "reserved_quantity": 0,
            "backordered_quantity": 0,
            "shipped_quantity": 0,
            "returned_quantity": 0,
        }
    )


def _changes(line_no: int, old: OrderLineDetail, product: Product, price: Decimal, honour: bool) -> list[QuoteChange]:
    found = []
    if price != old.unit_price:
        kept = f"the quoted {old.unit_price} is honoured" if honour else f"today's {price} applies"
        found.append(
            QuoteChange(
                line_no=line_no,
                sku=old.sku,
                kind="price_changed",
                quoted_unit_price=old.unit_price,
                current_unit_price=price,
                honoured=honour,
                message=f"{old.sku}: quoted at {old.unit_price}, now {price}; {kept}",
            )
        )
    if product.name != old.name:
        found.append(
            QuoteChange(
                line_no=line_no,
                sku=old.sku,
                kind="product_changed",
                message=f"{old.sku} was {old.name!r} when quoted; it is now {product.name!r}",
            )
        )
    available = product.available
    if available is not None and available < old.quantity:
        found.append(
            QuoteChange(
                line_no=line_no,
                sku=old.sku,
                kind="out_of_stock",
                message=f"{old.sku}: {available} of {old.quantity} available now; the rest would be backordered",
            )
        )
    return found


def _cart(
    quote: OrderView,
    order_id: uuid.UUID,
    lines: list[OrderLineDetail],
    changes: list[QuoteChange],
    now: datetime,
    agent: str,
) -> OrderView:
    return OrderView(
        order_id=order_id,
        status="cart",
        customer_id=quote.customer_id,
        guest=quote.guest,
        account_id=quote.account_id,
        first_name=quote.first_name,
        last_name=quote.last_name,
        email=quote.email,
        phone=quote.phone,
        language=quote.language,
        currency=quote.currency,
        label=f"from quote {quote.quote_number}",
        lines=lines,
        ship_to=quote.ship_to,
        billing_address=quote.billing_address,
        billing_source_address_id=quote.billing_source_address_id,
        backorder_policy=quote.backorder_policy,
        coupons=quote.coupons,
        charges=[c for c in quote.charges if c.overridden],
        adjustment=quote.adjustment,
        attributes=quote.attributes,
        payments=_carried_payments(quote, order_id),
        quote_id=quote.order_id,
        quote_number=None,
        quote_changes=changes,
        last_line_no=len(lines),
        version=0,
        created_at=now,
        created_by=agent,
        updated_at=now,
        updated_by=agent,
    )


def _carried_payments(quote: OrderView, order_id: uuid.UUID) -> list[PaymentView]:
    """The quote's payment instructions go with it to the cart (they were silently dropped): a
    caller who gave a card for the quote is not asked for it again. A declined one stays behind.
    Each gets an id of its own in the new cart, derived from the old one so that converting is
    deterministic (the same command handled again makes the same cart)."""
    return [
        p.model_copy(update={"payment_id": uuid.uuid5(order_id, str(p.payment_id)), "status": "pending"})
        for p in quote.payments
        if p.status != "declined"
    ]


def converted(
    quote: OrderView, order_id: uuid.UUID, changes: list[QuoteChange], honoured: bool, now: datetime, agent: str
) -> tuple[OrderView, QuoteConvertedV1]:
    """The quote once a cart was made from it (only an open quote is converted, and only once), and
    the event that tells so."""
    require_quote(quote)
    assert quote.quote_number is not None
    done = quote.model_copy(update={"status": "converted", "converted_to": order_id})
    return done, QuoteConvertedV1(
        quote_id=quote.order_id,
        quote_number=quote.quote_number,
        order_id=order_id,
        customer_id=quote.customer_id,
        prices_honoured=honoured,
        changes=changes,
        converted_by=agent,
        converted_at=now,
    )


def email_request(quote: OrderView, email: str | None, agent: str, now: datetime) -> QuoteEmailRequestedV1:
    """An open, valid quote e-mailed (SRV-01), to the address given or the quote's own. It makes no
    new version: an e-mail does not change the quote; the event records who asked."""
    require_quote(quote)
    require_valid(quote, now)
    to = email or quote.email
    if to is None:
        raise Refused.field(errors.INVALID, "payload.email", "the quote has no e-mail address: give one")
    return email_event(quote, to, agent)


# --- events and views -----------------------------------------------------------------------------


def saved_event(quote: OrderView) -> QuoteSavedV1:
    assert quote.quote_number and quote.expires_at and quote.quoted_at
    return QuoteSavedV1(
        quote_id=quote.order_id,
        quote_number=quote.quote_number,
        customer_id=quote.customer_id,
        currency=quote.currency,
        lines=line_views(quote),
        total=quote.totals.total,
        expires_at=quote.expires_at,
        saved_at=quote.quoted_at,
    )


def email_event(quote: OrderView, email: str, agent: str) -> QuoteEmailRequestedV1:
    assert quote.quote_number and quote.expires_at
    return QuoteEmailRequestedV1(
        quote_id=quote.order_id,
        quote_number=quote.quote_number,
        customer_id=quote.customer_id,
        currency=quote.currency,
        lines=line_views(quote),
        total=quote.totals.total,
        expires_at=quote.expires_at,
        requested_by=agent,
        email=email,
        language=quote.language,
    )


def summary(quote: OrderView, now: datetime) -> QuoteSummaryView:
    assert quote.quote_number and quote.expires_at and quote.quoted_at
    return QuoteSummaryView(
        quote_id=quote.order_id,
        quote_number=quote.quote_number,
        status=status_of(quote, now),
        customer_id=quote.customer_id,
        customer_name=" ".join(n for n in (quote.first_name, quote.last_name) if n) or None,
        currency=quote.currency,
        total=quote.totals.total,
        line_count=len(quote.lines),
        quoted_at=quote.quoted_at,
        quoted_by=quote.quoted_by or quote.updated_by,
        expires_at=quote.expires_at,
        converted_to=quote.converted_to,
    )
