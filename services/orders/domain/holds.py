"""Holds and release to fulfilment (SRV-03..SRV-05), pure.

A submitted order is shipped only once it is **released**: no holds (a declined payment, a block, a
suspension, uncleared alerts). Every new version passes through :func:`notices`: when a hold is
added the order is withdrawn (OrderHeldV1); when the last hold clears, or a released order's content
changes, it is released (again) with what is left to ship (OrderReleasedV1).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from contracts import errors
from contracts.envelope import Event
from contracts.errors import Refused
from contracts.orders import ActionNote, AlertView, OrderHeldV1, OrderReleasedV1, OrderView
from services.orders.domain.order import line_views

SHIPPABLE = ("submitted", "partially_shipped")
"""Statuses in which something is still to be shipped, so holds and release matter."""
CONTROLLABLE = (*SHIPPABLE,)
"""Statuses in which an order can be blocked or suspended."""
TYPED = ("amount_over_limit", "country_mismatch", "block_list")
"""The typed holds of the risk rules (MNY-09, domain/risk.py): on while an unreleased one is."""
DERIVED = ("blocked", "suspended", "alerts", *TYPED)


def _name(order: OrderView) -> str:
    return order.order_number or str(order.order_id)


def uncleared(order: OrderView) -> list[AlertView]:
    return [a for a in order.alerts if not a.cleared]


def with_holds(order: OrderView) -> OrderView:
    """The hold set as the order's state says: ``payment`` is kept as payments left it; a block, a
    suspension and uncleared alerts each hold a submitted order. Carts and finished orders hold nothing."""
    if order.status not in SHIPPABLE:
        return order.model_copy(update={"holds": []}) if order.holds else order
    derived = {
        "blocked": order.block is not None,
        "suspended": order.suspension is not None,
        "alerts": bool(uncleared(order)),
        **{t: any(h.hold_type == t and not h.released for h in order.typed_holds) for t in TYPED},
    }
    holds = {h for h in order.holds if h not in DERIVED} | {h for h, on in derived.items() if on}
    return order.model_copy(update={"holds": sorted(holds)})


def notices(order: OrderView, reason: str, *, content_changed: bool = False) -> tuple[OrderView, list[Event]]:
    """What fulfilment must be told about this version, and the order marked accordingly."""
    shippable = order.status in SHIPPABLE and order.order_number is not None
    added = sorted(set(order.holds) - set(order.notified_holds))
    events: list[Event] = []
    released = order.released and shippable and not order.holds
    if shippable and added:
        events.append(held_event(order, added, reason))
    if shippable and not order.holds and (not order.released or content_changed):
        events.append(released_event(order))
        released = True
    return order.model_copy(update={"notified_holds": list(order.holds), "released": released}), events


def released_event(order: OrderView) -> OrderReleasedV1:
    assert order.order_number is not None
    return OrderReleasedV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        version=order.version,
        currency=order.currency,
        lines=line_views(order),
        ship_to=order.ship_to,
        backorder_policy=order.backorder_policy,
        attributes=order.attributes,
        released_at=order.updated_at,
    )


def held_event(order: OrderView, added: list[str], reason: str) -> OrderHeldV1:
    assert order.order_number is not None
    return OrderHeldV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        version=order.version,
        holds=order.holds,
        added=added,
        reason=reason,
        held_at=order.updated_at,
    )


# --- block and suspend (SRV-03, SRV-04) -----------------------------------------------------------


def _controllable(order: OrderView, action: str) -> None:
    if order.status not in CONTROLLABLE:
        raise Refused(
            errors.INVALID_STATE,
            f"order {_name(order)} is {order.status}: only an order not yet fully shipped can be {action}",
        )


def block(order: OrderView, reason: str, note: str | None, agent: str, now: datetime) -> OrderView:
    _controllable(order, "blocked")
    if order.block is not None:
        raise Refused(
            errors.INVALID_STATE,
            f"order {_name(order)} is already blocked ({order.block.reason}, by {order.block.by})",
        )
    return order.model_copy(update={"block": ActionNote(reason=reason, note=note, by=agent, at=now)})


def unblock(order: OrderView) -> OrderView:
    if order.block is None:
        raise Refused(errors.INVALID_STATE, f"order {_name(order)} is not blocked")
    return order.model_copy(update={"block": None})


def suspend(order: OrderView, reason: str, agent: str, now: datetime) -> OrderView:
    _controllable(order, "suspended")
    if order.suspension is not None:
        raise Refused(errors.INVALID_STATE, f"order {_name(order)} is already suspended")
    return order.model_copy(update={"suspension": ActionNote(reason=reason, by=agent, at=now)})


def resume(order: OrderView) -> OrderView:
    if order.suspension is None:
        raise Refused(errors.INVALID_STATE, f"order {_name(order)} is not suspended: there is nothing to resume")
    return order.model_copy(update={"suspension": None})


# --- alerts: CSR flags and clearing (SRV-05) ----------------------------------------------------------


def alert_id(order: OrderView, key: str) -> uuid.UUID:
    """The same finding on the same order always gets the same id (the nth flag has its own key)."""
    return uuid.uuid5(order.order_id, key)


def flag(order: OrderView, note: str, agent: str, now: datetime) -> OrderView:
    if order.status in ("voided", "converted", "cancelled"):
        raise Refused(errors.INVALID_STATE, f"order {_name(order)} is {order.status}: there is nothing to review")
    key = f"flag:{sum(1 for a in order.alerts if a.rule == 'flag') + 1}"
    alert = AlertView(
        alert_id=alert_id(order, key),
        source="csr",
        rule="flag",
        key=key,
        message=f"flagged for review by {agent}: {note}",
        raised_by=agent,
        raised_at=now,
    )
    return order.model_copy(update={"alerts": [*order.alerts, alert]})


def clear(
    order: OrderView, ids: Sequence[uuid.UUID] | None, note: str, agent: str, now: datetime
) -> tuple[OrderView, list[AlertView]]:
    """Clear the alerts named (or every uncleared one); each records who, when and why."""
    open_alerts = {a.alert_id: a for a in uncleared(order)}
    if not open_alerts:
        raise Refused(errors.INVALID_STATE, f"order {_name(order)} has no alerts to clear")
    wanted = list(ids) if ids is not None else list(open_alerts)
    for i, alert_id_ in enumerate(wanted):
        if alert_id_ not in open_alerts:
            known = any(a.alert_id == alert_id_ for a in order.alerts)
            raise Refused.field(
                errors.INVALID_STATE if known else errors.NOT_FOUND,
                f"payload.alert_ids[{i}]",
                f"alert {alert_id_} is already cleared" if known else f"the order has no alert {alert_id_}",
            )
    done = {"cleared": True, "cleared_by": agent, "cleared_at": now, "clear_note": note}
    alerts = [a.model_copy(update=done) if a.alert_id in wanted else a for a in order.alerts]
    return order.model_copy(update={"alerts": alerts}), [a for a in alerts if a.alert_id in wanted]
