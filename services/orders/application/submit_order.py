"""Submit an order (ORD-09), place one in one command (PlaceOrderV1), record a payment result and
re-submit (ORD-10)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from contracts import errors
from contracts.envelope import Event
from contracts.errors import Refused
from contracts.orders import (
    OrderChangeResult,
    OrderPlacedResult,
    OrderView,
    PlaceOrderV1,
    RecordPaymentResultV1,
    SubmitOrderV1,
    SubmitResult,
)
from services.orders.application import edit_locks, typed_holds
from services.orders.application.editing import commit, load, load_for_edit, versioned, with_alerts
from services.orders.application.unit_of_work import OrderExists, UnitOfWork
from services.orders.domain import cart, holds, pricing, submission
from services.orders.domain import order as order_rules
from services.orders.domain.catalog import Product


async def submit_order(uow: UnitOfWork, cmd: SubmitOrderV1) -> SubmitResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    if order.status == "submitted":
        return await _resubmit(uow, order)
    cart.require_status(order)
    submission.require_no_alerts(order)
    placed = await submit(uow, order, change="submitted", reason="submitted", new=False)
    await edit_locks.release(uow, order)  # the call's order is done; the next edit takes the lock again
    return placed


async def submit(
    uow: UnitOfWork,
    order: OrderView,
    *,
    change: str,
    reason: str,
    new: bool,
    products: Mapping[str, Product] | None = None,
) -> SubmitResult:
    """Every check on the cart as priced now; then the number, the reservations, the coupons
    redeemed, the backorder order if asked for, the versions and OrderPlacedV1 for each order."""
    now, agent = uow.now, uow.actor.agent_id
    if products is None:
        products = await uow.catalog.products((ln.sku for ln in order.lines), for_update=True)
    coupons = await uow.catalog.coupons(order.coupons, for_update=True)
    used = await uow.orders.used_coupons(order.coupons, order.customer_id)
    rules = await uow.catalog.active_rules()
    priced = pricing.price_order(
        cart.refresh_from_catalog(order, products), rules, [c.terms for c in coupons.values()], uow.pricing
    )
    allocation, stock_problems = submission.allocate_stock(priced, products)
    found = submission.problems(priced, products, coupons, used, now, uow.pricing) + stock_problems
    if found:
        raise submission.rejection(found)
    # Alerts found only now (a one-command order, or facts that changed since the cart's last change)
    # hold the order instead of refusing it: refused, they could not be recorded and cleared.
    priced, _ = await with_alerts(uow, priced)
    number = order_rules.order_number(await uow.orders.next_number())
    done = submission.submitted(priced, allocation, number, now, agent)
    done, typed = await typed_holds.screened(uow, done)  # MNY-09: the rules' typed holds
    reason = typed_holds.reason_with(reason, typed)
    second = None
    if done.backorder_policy == "separate_order" and allocation.backorder and any(allocation.reserve.values()):
        second_number = order_rules.order_number(await uow.orders.next_number())
        done, second = submission.split_backorders(done, allocation, uuid.uuid4(), second_number)
    if new and await uow.orders.get(done.order_id) is not None:  # refused before money is held for it
        raise Refused.field(errors.CONFLICT, "payload.order_id", f"order {done.order_id} already exists")
    movements: list[Event] = []  # PaymentMovementV1, emitted after OrderPlacedV1
    done = await uow.payments.authorize_at_submit(done, movements, cause="submit")  # MNY-02
    done, notices = versioned(uow, done, reason)
    await _save(uow, done, change, reason, new=new)
    await uow.orders.reserve_stock(done.order_id, [(ln.line_no, ln.sku, ln.reserved_quantity) for ln in done.lines])
    await uow.orders.redeem_coupons(done.coupons, done.order_id, done.customer_id)
    uow.emit(order_rules.placed_event(done))
    typed_holds.emit_changes(uow, done, typed)
    _emit(uow, [*notices, *movements])
    if second is not None:
        second = second.model_copy(
            update={"created_at": now, "created_by": agent, "updated_at": now, "updated_by": agent}
        )
        second_movements: list[Event] = []
        second = await uow.payments.authorize_at_submit(second, second_movements, cause="submit")  # MNY-02
        second, second_notices = holds.notices(holds.with_holds(second), f"backorders of order {number}")
        await uow.orders.add(second, "backorders_moved", f"backorders of order {number}")
        uow.emit(order_rules.placed_event(second))
        _emit(uow, [*second_notices, *second_movements])
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


def _emit(uow: UnitOfWork, events: list[Event]) -> None:
    for event in events:
        uow.emit(event)


async def _save(uow: UnitOfWork, order: OrderView, change: str, reason: str, *, new: bool) -> None:
    if not new:
        await uow.orders.update(order, change, reason)
        return
    try:
        await uow.orders.add(order, change, reason)
    except OrderExists:  # the id a channel chose is taken: checked here, not before
        raise Refused.field(errors.CONFLICT, "payload.order_id", f"order {order.order_id} already exists") from None


async def _resubmit(uow: UnitOfWork, order: OrderView) -> SubmitResult:
    done = submission.resubmitted(pricing.with_payment_amounts(order), uow.now)
    done = await uow.payments.authorize_at_submit(done, cause="resubmit")  # MNY-02: the new instructions
    saved = await commit(uow, done, "resubmitted", "payment instructions updated and order re-submitted")
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


async def record_payment_result(uow: UnitOfWork, cmd: RecordPaymentResultV1) -> OrderChangeResult:
    order = await load(uow, cmd.order_id)
    cart.require_version(order, cmd.expected_version)
    order = cart.record_payment_result(order, cmd.payment_id, cmd.outcome, cmd.reason, cmd.reference)
    await uow.payments.record_outside_result(order, cmd.payment_id, cmd.outcome, cmd.reference)  # MNY-04
    change = "payment_declined" if cmd.outcome == "declined" else "payment_authorized"
    reason = f"payment {cmd.payment_id} {cmd.outcome}" + (f": {cmd.reason}" if cmd.reason else "")
    return await commit(uow, order, change, reason, payment_id=cmd.payment_id)


async def place_order(uow: UnitOfWork, cmd: PlaceOrderV1) -> OrderPlacedResult:
    """The minimal path: the channel's prices, no stock, shipping or payment."""
    cart.require_offered(cmd.currency, uow.policy.offered_currencies)
    number = order_rules.order_number(await uow.orders.next_number())
    placed = order_rules.place(cmd, uuid.uuid4(), number, uow.now)
    view, notices = holds.notices(placed.view(uow.actor.agent_id), "placed")
    await uow.orders.add(view, "placed", "placed")
    uow.emit(placed.placed_event())
    _emit(uow, notices)
    return OrderPlacedResult(order_id=placed.order_id, order_number=placed.order_number, version=placed.version)
