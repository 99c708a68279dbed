"""Quotes (SRV-01, SRV-02): save a cart as a quote, e-mail a quote, convert one to a new cart. The
quote guards its own transitions (``domain.quotes``: only a cart is quoted, only an open quote is
e-mailed or converted, an expired one only at today's prices)."""

from __future__ import annotations

from contracts.orders import (
    ConvertQuoteResult,
    ConvertQuoteToOrderV1,
    EmailQuoteV1,
    QuoteEmailResult,
    QuoteResult,
    SaveAsQuoteV1,
)
from services.orders.application import edit_locks
from services.orders.application.editing import commit, ensure_new, load, load_for_edit, priced, save
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import cart, quotes
from services.orders.domain import order as order_rules


async def save_as_quote(uow: UnitOfWork, cmd: SaveAsQuoteV1) -> QuoteResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    cart.require_status(order)  # refused before its expiry is looked at or a quote number is taken
    expires_at = quotes.expiry(uow.now, cmd.expires_at, cmd.valid_days, uow.policy)
    products = await uow.catalog.products(ln.sku for ln in order.lines)
    number = order_rules.order_number(await uow.quotes.next_number())
    quote = quotes.save_as_quote(
        await priced(uow, order), products, uow.pricing, number, expires_at, uow.now, uow.actor.agent_id
    )
    guaranteed = f"saved as quote {number}, prices guaranteed until {expires_at:%Y-%m-%d}"
    saved = await save(uow, quote, "quote_saved", guaranteed)
    uow.emit(quotes.saved_event(saved))
    await edit_locks.release(uow, saved)
    return QuoteResult(
        quote_id=saved.order_id,
        quote_number=number,
        customer_id=saved.customer_id,
        version=saved.version,
        status=saved.status,
        currency=saved.currency,
        total=saved.totals.total,
        expires_at=expires_at,
    )


async def email_quote(uow: UnitOfWork, cmd: EmailQuoteV1) -> QuoteEmailResult:
    quote = await load(uow, cmd.quote_id, for_update=False)
    requested = quotes.email_request(quote, str(cmd.email) if cmd.email else None, uow.actor.agent_id, uow.now)
    uow.emit(requested)
    return QuoteEmailResult(quote_id=quote.order_id, quote_number=requested.quote_number, email=requested.email)


async def convert_quote(uow: UnitOfWork, cmd: ConvertQuoteToOrderV1) -> ConvertQuoteResult:
    quote = await load(uow, cmd.quote_id)
    await ensure_new(uow, cmd.order_id)
    products = await uow.catalog.products(ln.sku for ln in quote.lines)
    now, agent = uow.now, uow.actor.agent_id
    order, changes, honoured = quotes.convert(quote, products, cmd.order_id, cmd.accept_current_prices, now, agent)
    await edit_locks.claim(uow, order)
    prices = "quoted prices honoured" if honoured else "at current prices"
    created = await commit(uow, order, "created", f"converted from quote {quote.quote_number} ({prices})", new=True)
    done, converted = quotes.converted(quote, order.order_id, changes, honoured, now, agent)
    await save(uow, done, "converted", f"converted to cart {order.order_id}")
    uow.emit(converted)
    cart_now = await load(uow, order.order_id, for_update=False)
    return ConvertQuoteResult(
        order_id=created.order_id,
        quote_id=quote.order_id,
        quote_number=converted.quote_number,
        customer_id=created.customer_id,
        version=created.version,
        currency=created.currency,
        quoted_total=quote.totals.total,
        total=created.total,
        prices_honoured=honoured,
        changes=changes,
        payments=[order_rules.payment_summary(p) for p in cart_now.payments],
    )
