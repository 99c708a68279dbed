"""The steps every change to a cart or order shares: load it, check the agent's edit lock, its
version and state, price it again, apply the alert rules to a cart, stamp a new version, derive its
holds and what fulfilment must be told, save it with its version row, emit the events, reply."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from contracts import errors
from contracts.envelope import Event
from contracts.errors import Refused
from contracts.orders import CreateCartV1, OrderChangeResult, OrderView, PlaceOrderV2
from services.orders.application import edit_locks
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import alerts, cart, holds, pricing
from services.orders.domain import order as order_rules
from services.orders.domain.revisions import revised


async def load(uow: UnitOfWork, order_id: uuid.UUID, *, for_update: bool = True) -> OrderView:
    order = await uow.orders.get(order_id, for_update=for_update)
    if order is None:
        raise Refused.field(errors.NOT_FOUND, "payload.order_id", f"no cart or order {order_id}")
    return order


async def ensure_new(uow: UnitOfWork, order_id: uuid.UUID) -> None:
    """A channel's or a CSR's new order id is refused when it is taken (before anything is built)."""
    if await uow.orders.get(order_id) is not None:
        raise Refused.field(errors.CONFLICT, "payload.order_id", f"order {order_id} already exists")


async def known_customer(uow: UnitOfWork, cmd: CreateCartV1 | PlaceOrderV2) -> cart.CustomerName | None:
    """What the customers service told us about this customer, when the command lacks it."""
    if cmd.customer_id is None or (cmd.first_name and cmd.last_name and cmd.email):
        return None
    return await uow.customers.known(cmd.customer_id)


async def load_for_edit(uow: UnitOfWork, order_id: uuid.UUID, expected_version: int | None) -> OrderView:
    """The order, locked for this transaction, once the agent may work it (SRV-06) and the version the
    agent saw is still the current one."""
    order = await load(uow, order_id)
    await edit_locks.claim(uow, order)
    cart.require_version(order, expected_version)
    return order


async def editable(
    uow: UnitOfWork, order_id: uuid.UUID, expected_version: int | None, *, payment_hold_too: bool = False
) -> OrderView:
    order = await load_for_edit(uow, order_id, expected_version)
    cart.require_status(order, payment_hold_too=payment_hold_too)
    return order


async def priced(uow: UnitOfWork, order: OrderView) -> OrderView:
    """A cart is priced again from the catalog on every change; a submitted order keeps its prices."""
    if order.status != "cart":
        return pricing.with_payment_amounts(order)
    products = await uow.catalog.products(ln.sku for ln in order.lines)
    rules = await uow.catalog.active_rules()
    coupons = await uow.catalog.coupons(order.coupons)
    fresh = cart.refresh_from_catalog(order, products)
    return pricing.price_order(fresh, rules, [c.terms for c in coupons.values()], uow.pricing)


async def with_alerts(uow: UnitOfWork, order: OrderView) -> tuple[OrderView, list[str]]:
    """The system's alert rules applied to ``order`` as priced (SRV-05); also what was raised now."""
    rules = alerts.AlertRules.of(uow.policy)
    recent = 0
    if rules.max_orders and order.lines:
        since = uow.now - timedelta(minutes=rules.window_minutes)
        recent = await uow.orders.recent_orders(order.customer_id, since, order.order_id)
    order, raised = alerts.apply(order, alerts.findings(order, recent, rules), uow.now)
    return order, [f"alert: {a.message}" for a in raised]


async def commit(
    uow: UnitOfWork,
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
    order = await priced(uow, order)
    if order.status == "cart":
        order, raised = await with_alerts(uow, order)
        warnings = [*warnings, *raised]
    saved = await save(uow, order, change, reason, new=new, content_changed=content_changed)
    return result(saved, line_no=line_no, payment_id=payment_id, warnings=warnings)


async def commit_change(uow: UnitOfWork, done: cart.CartChange, *, new: bool = False) -> OrderChangeResult:
    """A cart's transition priced, checked by the alert rules, versioned, saved and announced."""
    return await commit(
        uow,
        done.order,
        done.change,
        done.reason,
        new=new,
        line_no=done.line_no,
        payment_id=done.payment_id,
        warnings=done.warnings,
    )


async def save(
    uow: UnitOfWork, order: OrderView, change: str, reason: str, *, new: bool = False, content_changed: bool = False
) -> OrderView:
    """Stamp the next version, derive its holds, save it and emit OrderUpdatedV1 and whatever
    fulfilment must be told (held, released)."""
    saved, events = revised(order, uow.now, uow.actor.agent_id, change, reason, content_changed=content_changed)
    await store(uow, saved, events, change, reason, new=new)
    return saved


async def store(
    uow: UnitOfWork, saved: OrderView, events: Sequence[Event], change: str, reason: str, *, new: bool = False
) -> None:
    """Keep a version the domain made and publish its events (with the transaction)."""
    if new:
        await uow.orders.add(saved, change, reason)
    else:
        await uow.orders.update(saved, change, reason)
    for event in events:
        uow.emit(event)


def versioned(
    uow: UnitOfWork, order: OrderView, reason: str, *, content_changed: bool = False
) -> tuple[OrderView, list[Event]]:
    """The next version and what fulfilment must be told, without OrderUpdatedV1 (submit announces
    the order with OrderPlacedV1 instead)."""
    stamped = holds.with_holds(order_rules.next_version(order, uow.now, uow.actor.agent_id))
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
