"""Cancel (SRV-09) and change after submit (SRV-10)."""

from __future__ import annotations

from contracts.orders import CancelOrderV1, CancelResult, ChangeOrderResult, ChangeOrderV1, OrderView
from services.orders.adapters import catalog_store, locks, order_store
from services.orders.adapters.deps import Ctx
from services.orders.adapters.editing import load_for_edit, save, with_alerts
from services.orders.domain import changes, holds, pricing, submission


async def cancel_order(ctx: Ctx, cmd: CancelOrderV1) -> CancelResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    cancelled, refund = changes.cancel(order, cmd.reason, ctx.actor.agent_id, ctx.now)
    released = await order_store.release_stock(ctx.conn, order.order_id)
    saved = await save(ctx, cancelled, "cancelled", f"cancelled: {cmd.reason}")
    ctx.emit(changes.cancelled_event(saved, refund))
    await locks.release(ctx, saved, anyone=True)
    assert saved.order_number is not None
    return CancelResult(
        order_id=saved.order_id,
        order_number=saved.order_number,
        version=saved.version,
        status=saved.status,
        currency=saved.currency,
        refund_amount=refund,
        released_units=released,
    )


async def change_order(ctx: Ctx, cmd: ChangeOrderV1) -> ChangeOrderResult:
    """Apply the change, price the order again (its lines keep their prices), reserve its stock again,
    apply the alert rules, and tell what to collect or refund."""
    before = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    changes.require_changeable(before)
    conn = ctx.conn
    new_skus = [ln.sku for ln in cmd.add_lines]
    order, warnings = changes.apply(before, cmd, await catalog_store.products(conn, new_skus), ctx.deps.settings)
    order = await _priced(ctx, order)
    order = await _reserved(ctx, order)
    order, raised = await with_alerts(ctx, order)
    order = order.model_copy(
        update={
            "payments": changes.rebalance(order.payments, order.totals.total),
            "last_change": changes.summary(before, order, cmd.reason, ctx.actor.agent_id, ctx.now),
        }
    )
    order = pricing.with_payment_amounts(order)
    saved = await save(ctx, order, "changed", f"changed: {cmd.reason}", content_changed=True)
    ctx.emit(changes.changed_event(saved))
    assert saved.order_number is not None and saved.last_change is not None
    return ChangeOrderResult(
        order_id=saved.order_id,
        order_number=saved.order_number,
        version=saved.version,
        status=saved.status,
        holds=saved.holds,
        currency=saved.currency,
        previous_total=saved.last_change.previous_total,
        total=saved.totals.total,
        amount_due=saved.last_change.amount_due,
        warnings=[*warnings, *raised],
        alerts=holds.uncleared(saved),
    )


async def _priced(ctx: Ctx, order: OrderView) -> OrderView:
    """Every amount again from the lines' own prices (no catalog refresh: the order keeps its prices),
    today's rules and the order's redeemed coupons."""
    rules = await catalog_store.active_rules(ctx)
    coupons = await catalog_store.coupons(ctx.conn, order.coupons)
    return pricing.price_order(order, rules, [c.terms for c in coupons.values()], ctx.deps.pricing)


async def _reserved(ctx: Ctx, order: OrderView) -> OrderView:
    """What is still to ship, reserved again: the order's reservations are given back, then what is
    available now is reserved line by line; the rest is backordered as the order's choice says."""
    conn = ctx.conn
    await order_store.release_stock(conn, order.order_id)
    products = await catalog_store.products(conn, (ln.sku for ln in order.lines), for_update=True)
    allocation, problems = submission.allocate_stock(changes.still_to_ship(order), products)
    if problems:
        raise submission.rejection(problems)
    await order_store.reserve_stock(
        conn,
        order.order_id,
        [(ln.line_no, ln.sku, allocation.reserve.get(ln.line_no, 0)) for ln in order.lines],
        ctx.now,
    )
    return changes.allocated(order, allocation)
