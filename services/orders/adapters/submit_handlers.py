"""Submit (ORD-09), place in one command (PlaceOrderV1/V2), payment results and re-submit (ORD-10)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import asyncpg

from contracts import errors
from contracts.envelope import Event
from contracts.orders import (
    OrderChangeResult,
    OrderPlacedResult,
    OrderView,
    PlaceOrderV1,
    PlaceOrderV2,
    RecordPaymentResultV1,
    SubmitOrderV1,
    SubmitResult,
)
from services.orders.adapters import catalog_store, locks, order_store
from services.orders.adapters.deps import Ctx
from services.orders.adapters.editing import (
    commit,
    known_customer,
    load,
    load_for_edit,
    payment_instruction,
    versioned,
    with_alerts,
)
from services.orders.domain import cart, holds, pricing, submission
from services.orders.domain import order as order_rules
from services.orders.domain.catalog import Product
from services.runtime.handling import Rejected


async def submit_order(ctx: Ctx, cmd: SubmitOrderV1) -> SubmitResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    if order.status == "submitted":
        return await _resubmit(ctx, order)
    cart.require_status(order)
    submission.require_no_alerts(order)
    placed = await submit(ctx, order, change="submitted", reason="submitted", new=False)
    await locks.release(ctx, order)  # the call's order is done; the next edit takes the lock again
    return placed


async def submit(
    ctx: Ctx,
    order: OrderView,
    *,
    change: str,
    reason: str,
    new: bool,
    products: Mapping[str, Product] | None = None,
) -> SubmitResult:
    """Every check on the cart as priced now; then the number, the reservations, the coupons
    redeemed, the backorder order if asked for, the versions and OrderPlacedV1 for each order."""
    conn, now, agent = ctx.conn, ctx.now, ctx.actor.agent_id
    if products is None:
        products = await catalog_store.products(conn, (ln.sku for ln in order.lines), for_update=True)
    coupons = await catalog_store.coupons(conn, order.coupons, for_update=True)
    used = await order_store.used_coupons(conn, order.coupons, order.customer_id)
    rules = await catalog_store.active_rules(ctx)
    priced = pricing.price_order(
        cart.refresh_from_catalog(order, products), rules, [c.terms for c in coupons.values()], ctx.deps.pricing
    )
    allocation, stock_problems = submission.allocate_stock(priced, products)
    found = submission.problems(priced, products, coupons, used, now, ctx.deps.pricing) + stock_problems
    if found:
        raise submission.rejection(found)
    # Alerts found only now (a one-command order, or facts that changed since the cart's last change)
    # hold the order instead of refusing it: refused, they could not be recorded and cleared.
    priced, _ = await with_alerts(ctx, priced)
    number = order_rules.order_number(await ctx.deps.order_numbers.next(conn))
    done = submission.submitted(priced, allocation, number, now, agent)
    second = None
    if done.backorder_policy == "separate_order" and allocation.backorder and any(allocation.reserve.values()):
        second_number = order_rules.order_number(await ctx.deps.order_numbers.next(conn))
        done, second = submission.split_backorders(done, allocation, uuid.uuid4(), second_number)
    done, notices = versioned(ctx, done, reason)
    await _save(ctx, done, change, reason, new=new)
    await order_store.reserve_stock(
        conn, done.order_id, [(ln.line_no, ln.sku, ln.reserved_quantity) for ln in done.lines], now
    )
    await order_store.redeem_coupons(conn, done.coupons, done.order_id, done.customer_id, now)
    ctx.emit(order_rules.placed_event(done))
    _emit(ctx, notices)
    if second is not None:
        second = second.model_copy(
            update={"created_at": now, "created_by": agent, "updated_at": now, "updated_by": agent}
        )
        second, second_notices = holds.notices(holds.with_holds(second), f"backorders of order {number}")
        await order_store.insert_order(conn, second, "backorders_moved", f"backorders of order {number}")
        ctx.emit(order_rules.placed_event(second))
        _emit(ctx, second_notices)
    return SubmitResult(
        order_id=done.order_id,
        order_number=number,
        version=done.version,
        status=done.status,
        holds=done.holds,
        currency=done.currency,
        total=done.totals.total,
        backordered={n: q for n, q in allocation.backorder.items() if q},
        backorder_order_id=second.order_id if second else None,
        backorder_order_number=second.order_number if second else None,
    )


def _emit(ctx: Ctx, events: list[Event]) -> None:
    for event in events:
        ctx.emit(event)


async def _save(ctx: Ctx, order: OrderView, change: str, reason: str, *, new: bool) -> None:
    if not new:
        await order_store.update_order(ctx.conn, order, change, reason)
        return
    try:
        await order_store.insert_order(ctx.conn, order, change, reason)
    except asyncpg.UniqueViolationError:  # the id a channel chose is taken: checked here, not before
        raise Rejected.field(errors.CONFLICT, "payload.order_id", f"order {order.order_id} already exists") from None


async def _resubmit(ctx: Ctx, order: OrderView) -> SubmitResult:
    done = submission.resubmitted(pricing.with_payment_amounts(order), ctx.now)
    saved = await commit(ctx, done, "resubmitted", "payment instructions updated and order re-submitted")
    assert order.order_number is not None
    return SubmitResult(
        order_id=saved.order_id,
        order_number=order.order_number,
        version=saved.version,
        status=saved.status,
        holds=saved.holds,
        currency=saved.currency,
        total=saved.total,
    )


async def record_payment_result(ctx: Ctx, cmd: RecordPaymentResultV1) -> OrderChangeResult:
    order = await load(ctx, cmd.order_id)
    cart.require_version(order, cmd.expected_version)
    order = cart.record_payment_result(order, cmd.payment_id, cmd.outcome, cmd.reason, cmd.reference)
    change = "payment_declined" if cmd.outcome == "declined" else "payment_authorized"
    reason = f"payment {cmd.payment_id} {cmd.outcome}" + (f": {cmd.reason}" if cmd.reason else "")
    return await commit(ctx, order, change, reason, payment_id=cmd.payment_id)


# --- one command ----------------------------------------------------------------------------------


async def place_order(ctx: Ctx, cmd: PlaceOrderV1) -> OrderPlacedResult:
    """The minimal path: the channel's prices, no stock, shipping or payment."""
    cart.require_offered(cmd.currency, ctx.deps.settings.offered_currencies)
    number = order_rules.order_number(await ctx.deps.order_numbers.next(ctx.conn))
    placed = order_rules.place(cmd, uuid.uuid4(), number, ctx.now)
    view, notices = holds.notices(placed.view(ctx.actor.agent_id), "placed")
    await order_store.insert_order(ctx.conn, view, "placed", "placed")
    ctx.emit(placed.placed_event())
    _emit(ctx, notices)
    return OrderPlacedResult(order_id=placed.order_id, order_number=placed.order_number, version=placed.version)


async def place_order_v2(ctx: Ctx, cmd: PlaceOrderV2) -> SubmitResult:
    """A complete order in one command: built as a cart in memory, then submitted like one."""
    customer_id = cmd.customer_id or uuid.uuid4()
    known = await known_customer(ctx, cmd)
    order = cart.new_cart(cmd, customer_id, known, ctx.now, ctx.actor, ctx.deps.settings.offered_currencies)
    products = await catalog_store.products(ctx.conn, (ln.sku for ln in cmd.lines), for_update=True)
    settings = ctx.deps.settings
    for i, line in enumerate(cmd.lines):
        product = products.get(line.sku)
        order, _, _ = cart.add_line(
            order, line.sku, line.quantity, line.ship_to, product, settings, f"payload.lines[{i}]"
        )
    if cmd.ship_to is not None:
        order = cart.set_shipping(order, cmd.ship_to, None, settings)
    billing = cmd.billing_address or (cmd.ship_to.address if cmd.ship_to else None)
    if billing is not None:
        order = cart.set_billing(order, billing, None)
    order = cart.set_backorder_policy(order, cmd.backorder_policy)
    if cmd.attributes:
        order = cart.set_attributes(order, cmd.attributes, [])
    order = await _with_coupons(ctx, order, cmd.coupons)
    for i, payment in enumerate(cmd.payments):
        instruction = payment_instruction(ctx, order, payment, f"payload.payments[{i}]")
        order = cart.add_payment(order, instruction, f"payload.payments[{i}]")
    return await submit(ctx, order, change="placed", reason="placed", new=True, products=products)


async def _with_coupons(ctx: Ctx, order: OrderView, codes: list[str]) -> OrderView:
    if not codes:
        return order
    coupons = await catalog_store.coupons(ctx.conn, codes)
    used = await order_store.used_coupons(ctx.conn, codes, order.customer_id)
    for i, code in enumerate(codes):
        order = cart.apply_coupon(order, code, coupons.get(code), code in used, ctx.now, f"payload.coupons[{i}]")
    return order
