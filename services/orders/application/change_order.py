"""Change an order after submit (SRV-10): apply the change, price the order again (its lines keep
their prices), reserve its stock again, apply the alert rules, and tell what to collect or refund."""

from __future__ import annotations

from contracts.orders import ChangeOrderResult, ChangeOrderV1, OrderView
from services.orders.application import typed_holds
from services.orders.application.editing import load_for_edit, save, with_alerts
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import changes, holds, pricing, submission


async def change_order(uow: UnitOfWork, cmd: ChangeOrderV1) -> ChangeOrderResult:
    before = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    changes.require_changeable(before)
    secured = await uow.payments.secured(before)  # MNY-04: the amount due is against the ledger
    new_products = await uow.catalog.products(ln.sku for ln in cmd.add_lines)
    order, warnings = changes.apply(before, cmd, new_products, uow.policy)
    order = await _priced(uow, order)
    order = await _reserved(uow, order)
    order, raised = await with_alerts(uow, order)
    order, typed = await typed_holds.screened(uow, order)  # MNY-09: placed, or released when resolved
    order = order.model_copy(
        update={
            "payments": changes.rebalance(order.payments, order.totals.total),
            "last_change": changes.summary(before, order, cmd.reason, uow.actor.agent_id, uow.now, secured),
        }
    )
    order = pricing.with_payment_amounts(order)
    assert order.last_change is not None
    # MNY-02, MNY-04: the difference given back or asked for now, as the reply says
    order = await uow.payments.settle_change(order, order.last_change.amount_due, f"changed: {cmd.reason}", "change")
    reason = typed_holds.reason_with(f"changed: {cmd.reason}", typed)
    saved = await save(uow, order, "changed", reason, content_changed=True)
    uow.emit(changes.changed_event(saved))
    typed_holds.emit_changes(uow, saved, typed)
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


async def _priced(uow: UnitOfWork, order: OrderView) -> OrderView:
    """Every amount again from the lines' own prices (no catalog refresh: the order keeps its prices),
    today's rules and the order's redeemed coupons."""
    rules = await uow.catalog.active_rules()
    coupons = await uow.catalog.coupons(order.coupons)
    return pricing.price_order(order, rules, [c.terms for c in coupons.values()], uow.pricing)


async def _reserved(uow: UnitOfWork, order: OrderView) -> OrderView:
    """What is still to ship, reserved again: the order's reservations are given back, then what is
    available now is reserved line by line; the rest is backordered as the order's choice says."""
    await uow.orders.release_stock(order.order_id)
    products = await uow.catalog.products((ln.sku for ln in order.lines), for_update=True)
    allocation, problems = submission.allocate_stock(changes.still_to_ship(order), products)
    if problems:
        raise submission.rejection(problems)
    await uow.orders.reserve_stock(
        order.order_id, [(ln.line_no, ln.sku, allocation.reserve.get(ln.line_no, 0)) for ln in order.lines]
    )
    return changes.allocated(order, allocation)
