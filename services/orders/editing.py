"""The steps every change to a cart or order shares: load it locked, check its version and state,
price it again, stamp a new version, save it with its version row, emit the event, reply."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from contracts import errors
from contracts.orders import (
    CardPaymentInput,
    CreateCartV1,
    InvoicePaymentInput,
    OrderChangeResult,
    OrderView,
    PaymentView,
    PlaceOrderV2,
)
from services.orders import cards, cart, catalog_store, domain, pricing, store
from services.orders.deps import Ctx
from services.runtime.handling import Rejected


async def load(ctx: Ctx, order_id: uuid.UUID, *, for_update: bool = True) -> OrderView:
    order = await store.load_order(ctx.conn, order_id, for_update=for_update)
    if order is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.order_id", f"no cart or order {order_id}")
    return order


async def editable(
    ctx: Ctx, order_id: uuid.UUID, expected_version: int | None, *, payment_hold_too: bool = False
) -> OrderView:
    order = await load(ctx, order_id)
    cart.require_version(order, expected_version)
    cart.require_status(order, payment_hold_too=payment_hold_too)
    return order


async def ensure_new(ctx: Ctx, order_id: uuid.UUID) -> None:
    if await store.load_order(ctx.conn, order_id) is not None:
        raise Rejected.field(errors.CONFLICT, "payload.order_id", f"order {order_id} already exists")


async def known_customer(ctx: Ctx, cmd: CreateCartV1 | PlaceOrderV2) -> cart.CustomerName | None:
    """What the customers service told us about this customer, when the command lacks it."""
    if cmd.customer_id is None or (cmd.first_name and cmd.last_name and cmd.email):
        return None
    return await store.customer(ctx.conn, cmd.customer_id)


async def priced(ctx: Ctx, order: OrderView) -> OrderView:
    """A cart is priced again from the catalog on every change; a submitted order keeps its prices."""
    if order.status != "cart":
        return pricing.with_payment_amounts(order)
    products = await catalog_store.products(ctx.conn, (ln.sku for ln in order.lines))
    rules = await catalog_store.active_rules(ctx.conn, ctx.now)
    coupons = await catalog_store.coupons(ctx.conn, order.coupons)
    fresh = cart.refresh_from_catalog(order, products)
    return pricing.price_order(fresh, rules, [c.terms for c in coupons.values()], ctx.deps.pricing)


async def commit(
    ctx: Ctx,
    order: OrderView,
    change: str,
    reason: str,
    *,
    new: bool = False,
    line_no: int | None = None,
    payment_id: uuid.UUID | None = None,
    warnings: Sequence[str] = (),
) -> OrderChangeResult:
    saved = domain.next_version(await priced(ctx, order), ctx.now, ctx.actor.agent_id)
    if new:
        await store.insert_order(ctx.conn, saved, change, reason)
    else:
        await store.update_order(ctx.conn, saved, change, reason)
    ctx.emit(domain.updated_event(saved, change, reason))
    return result(saved, line_no=line_no, payment_id=payment_id, warnings=warnings)


def result(
    order: OrderView,
    *,
    line_no: int | None = None,
    payment_id: uuid.UUID | None = None,
    comment_id: uuid.UUID | None = None,
    warnings: Sequence[str] = (),
) -> OrderChangeResult:
    return OrderChangeResult(
        order_id=order.order_id,
        customer_id=order.customer_id,
        version=order.version,
        status=order.status,
        holds=order.holds,
        currency=order.currency,
        total=order.totals.total,
        line_no=line_no,
        payment_id=payment_id,
        comment_id=comment_id,
        warnings=list(warnings),
    )


def payment_instruction(
    ctx: Ctx, order: OrderView, payment: CardPaymentInput | InvoicePaymentInput, field: str
) -> PaymentView:
    """A payment instruction as it may be kept: a card is opened here, validated, and reduced to a
    token, brand, last four and expiry; the number goes out of scope with this function."""
    amount = cart.payment_amount(order, payment.amount, f"{field}.amount")
    common = {"payment_id": uuid.uuid4(), "requested_amount": amount, "added_by": ctx.actor.agent_id}
    if isinstance(payment, InvoicePaymentInput):
        return PaymentView(method="invoice", purchase_order=payment.purchase_order, added_at=ctx.now, **common)
    facts = cards.inspect_card(
        ctx.deps.open_secret(payment.card_number, f"{field}.card_number"),
        payment.expiry_month,
        payment.expiry_year,
        ctx.now,
        f"{field}.card_number",
    )
    return PaymentView(
        method="card",
        brand=facts.brand,
        last4=facts.last4,
        expiry_month=facts.expiry_month,
        expiry_year=facts.expiry_year,
        holder_name=payment.holder_name,
        token=facts.token,
        added_at=ctx.now,
        **common,
    )
