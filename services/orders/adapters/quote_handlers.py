"""Quotes (SRV-01, SRV-02): save a cart as a quote, find and e-mail quotes, convert one to a cart."""

from __future__ import annotations

from contracts import errors
from contracts.orders import (
    ConvertQuoteResult,
    ConvertQuoteToOrderV1,
    EmailQuoteV1,
    FindQuotesV1,
    QuoteConvertedV1,
    QuoteEmailResult,
    QuotePage,
    QuoteResult,
    SaveAsQuoteV1,
)
from services.orders.adapters import catalog_store, servicing_store
from services.orders.adapters.deps import Ctx
from services.orders.adapters.editing import commit, editable, ensure_new, load, priced, save
from services.orders.adapters.use_cases import uow_of
from services.orders.application import edit_locks
from services.orders.domain import order as order_rules
from services.orders.domain import quotes
from services.runtime.handling import Rejected


async def save_as_quote(ctx: Ctx, cmd: SaveAsQuoteV1) -> QuoteResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    expires_at = quotes.expiry(ctx.now, cmd.expires_at, cmd.valid_days, ctx.deps.settings)
    products = await catalog_store.products(ctx.conn, (ln.sku for ln in order.lines))
    number = order_rules.order_number(await servicing_store.next_quote_sequence(ctx.conn))
    quote = quotes.save_as_quote(
        await priced(ctx, order), products, ctx.deps.pricing, number, expires_at, ctx.now, ctx.actor.agent_id
    )
    saved = await save(
        ctx, quote, "quote_saved", f"saved as quote {number}, prices guaranteed until {expires_at:%Y-%m-%d}"
    )
    ctx.emit(quotes.saved_event(saved))
    await edit_locks.release(uow_of(ctx), saved)
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


async def email_quote(ctx: Ctx, cmd: EmailQuoteV1) -> QuoteEmailResult:
    """No new version: an e-mail does not change the quote; QuoteEmailRequestedV1 records who asked."""
    quote = await load(ctx, cmd.quote_id, for_update=False)
    quotes.require_quote(quote)
    quotes.require_valid(quote, ctx.now)
    email = str(cmd.email) if cmd.email else quote.email
    if email is None:
        raise Rejected.field(errors.INVALID, "payload.email", "the quote has no e-mail address: give one")
    ctx.emit(quotes.email_event(quote, email, ctx.actor.agent_id))
    assert quote.quote_number is not None
    return QuoteEmailResult(quote_id=quote.order_id, quote_number=quote.quote_number, email=email)


async def convert_quote(ctx: Ctx, cmd: ConvertQuoteToOrderV1) -> ConvertQuoteResult:
    quote = await load(ctx, cmd.quote_id)
    await ensure_new(ctx, cmd.order_id)
    products = await catalog_store.products(ctx.conn, (ln.sku for ln in quote.lines))
    agent = ctx.actor.agent_id
    order, changes, honoured = quotes.convert(quote, products, cmd.order_id, cmd.accept_current_prices, ctx.now, agent)
    await edit_locks.claim(uow_of(ctx), order)
    prices = "quoted prices honoured" if honoured else "at current prices"
    created = await commit(ctx, order, "created", f"converted from quote {quote.quote_number} ({prices})", new=True)
    await save(ctx, quotes.converted(quote, order.order_id), "converted", f"converted to cart {order.order_id}")
    assert quote.quote_number is not None
    ctx.emit(
        QuoteConvertedV1(
            quote_id=quote.order_id,
            quote_number=quote.quote_number,
            order_id=order.order_id,
            customer_id=quote.customer_id,
            prices_honoured=honoured,
            changes=changes,
            converted_by=agent,
            converted_at=ctx.now,
        )
    )
    return ConvertQuoteResult(
        order_id=created.order_id,
        quote_id=quote.order_id,
        quote_number=quote.quote_number,
        customer_id=created.customer_id,
        version=created.version,
        currency=created.currency,
        quoted_total=quote.totals.total,
        total=created.total,
        prices_honoured=honoured,
        changes=changes,
        payments=[order_rules.payment_summary(p) for p in (await load(ctx, order.order_id, for_update=False)).payments],
    )


async def find_quotes(ctx: Ctx, query: FindQuotesV1) -> QuotePage:
    found, total = await servicing_store.find_quotes(ctx.conn, query, ctx.now)
    return QuotePage(
        items=[quotes.summary(q, ctx.now) for q in found], total=total, page=query.page, page_size=query.page_size
    )
