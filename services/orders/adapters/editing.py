"""The steps every change to a cart or order shares: load it locked, check the agent's edit lock,
its version and state, price it again, apply the alert rules to a cart, stamp a new version, derive
its holds and what fulfilment must be told, save it with its version row, emit the events, reply."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from contracts import errors
from contracts.envelope import Event
from contracts.orders import (
    CardPaymentInput,
    CreateCartV1,
    InvoicePaymentInput,
    OrderChangeResult,
    OrderView,
    PaymentView,
    PlaceOrderV2,
)
from services.orders.adapters import catalog_store, locks, order_store, servicing_store
from services.orders.adapters.deps import Ctx
from services.orders.domain import alerts, cards, cart, holds, pricing
from services.orders.domain import order as order_rules
from services.runtime.handling import Rejected


async def load(ctx: Ctx, order_id: uuid.UUID, *, for_update: bool = True) -> OrderView:
    order = await order_store.load_order(ctx.conn, order_id, for_update=for_update)
    if order is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.order_id", f"no cart or order {order_id}")
    return order


async def load_for_edit(ctx: Ctx, order_id: uuid.UUID, expected_version: int | None) -> OrderView:
    """The order, locked for this transaction, once the agent may work it (SRV-06) and the version the
    agent saw is still the current one."""
    order = await load(ctx, order_id)
    await locks.claim(ctx, order)
    cart.require_version(order, expected_version)
    return order


async def editable(
    ctx: Ctx, order_id: uuid.UUID, expected_version: int | None, *, payment_hold_too: bool = False
) -> OrderView:
    order = await load_for_edit(ctx, order_id, expected_version)
    cart.require_status(order, payment_hold_too=payment_hold_too)
    return order


async def ensure_new(ctx: Ctx, order_id: uuid.UUID) -> None:
    if await order_store.load_order(ctx.conn, order_id) is not None:
        raise Rejected.field(errors.CONFLICT, "payload.order_id", f"order {order_id} already exists")


async def known_customer(ctx: Ctx, cmd: CreateCartV1 | PlaceOrderV2) -> cart.CustomerName | None:
    """What the customers service told us about this customer, when the command lacks it."""
    if cmd.customer_id is None or (cmd.first_name and cmd.last_name and cmd.email):
        return None
    return await order_store.customer(ctx.conn, cmd.customer_id)


async def priced(ctx: Ctx, order: OrderView) -> OrderView:
    """A cart is priced again from the catalog on every change; a submitted order keeps its prices."""
    if order.status != "cart":
        return pricing.with_payment_amounts(order)
    products = await catalog_store.products(ctx.conn, (ln.sku for ln in order.lines))
    rules = await catalog_store.active_rules(ctx)
    coupons = await catalog_store.coupons(ctx.conn, order.coupons)
    fresh = cart.refresh_from_catalog(order, products)
    return pricing.price_order(fresh, rules, [c.terms for c in coupons.values()], ctx.deps.pricing)


async def with_alerts(ctx: Ctx, order: OrderView) -> tuple[OrderView, list[str]]:
    """The system's alert rules applied to ``order`` as priced (SRV-05); also what was raised now."""
    rules = alerts.AlertRules.of(ctx.deps.settings)
    recent = 0
    if rules.max_orders and order.lines:
        since = ctx.now - timedelta(minutes=rules.window_minutes)
        recent = await servicing_store.recent_orders(ctx.conn, order.customer_id, since, order.order_id)
    order, raised = alerts.apply(order, alerts.findings(order, recent, rules), ctx.now)
    return order, [f"alert: {a.message}" for a in raised]


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
    content_changed: bool = False,
) -> OrderChangeResult:
    order = await priced(ctx, order)
    if order.status == "cart":
        order, raised = await with_alerts(ctx, order)
        warnings = [*warnings, *raised]
    saved = await save(ctx, order, change, reason, new=new, content_changed=content_changed)
    return result(saved, line_no=line_no, payment_id=payment_id, warnings=warnings)


async def save(
    ctx: Ctx, order: OrderView, change: str, reason: str, *, new: bool = False, content_changed: bool = False
) -> OrderView:
    """Stamp the next version, derive its holds, save it and emit OrderUpdatedV1 and whatever
    fulfilment must be told (held, released)."""
    saved, notices = versioned(ctx, order, reason, content_changed=content_changed)
    if new:
        await order_store.insert_order(ctx.conn, saved, change, reason)
    else:
        await order_store.update_order(ctx.conn, saved, change, reason)
    ctx.emit(order_rules.updated_event(saved, change, reason))
    for event in notices:
        ctx.emit(event)
    return saved


def versioned(
    ctx: Ctx, order: OrderView, reason: str, *, content_changed: bool = False
) -> tuple[OrderView, list[Event]]:
    stamped = holds.with_holds(order_rules.next_version(order, ctx.now, ctx.actor.agent_id))
    return holds.notices(stamped, reason, content_changed=content_changed)


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
        alerts=holds.uncleared(order),
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
