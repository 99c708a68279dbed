"""Call management and the pending orders grid (SRV-07, SRV-08), pure.

The order in progress during a call is a cart. Parking the call saves it as a **pending order** on
the agent's pending list; transferring it puts it on another agent's list; voiding the call (or a
pending order from the grid) discards it: status ``voided``, kept for the record.
"""

from __future__ import annotations

from datetime import datetime

from contracts import errors
from contracts.errors import Refused
from contracts.orders import ActionNote, OrderView


def _require_in_progress(order: OrderView, action: str) -> None:
    if order.status != "cart":
        what = order.order_number or order.quote_number or order.order_id
        raise Refused(
            errors.INVALID_STATE,
            f"{order.status} {what} is not an order in progress: only a cart can be {action}",
        )


def park(order: OrderView, agent: str, now: datetime) -> OrderView:
    _require_in_progress(order, "parked")
    return order.model_copy(update={"assigned_to": agent, "pending_since": order.pending_since or now})


def transfer(order: OrderView, from_agent: str, to_agent: str, now: datetime) -> OrderView:
    _require_in_progress(order, "transferred")
    if to_agent == from_agent:
        raise Refused.field(errors.INVALID, "payload.to_agent_id", "the call is already yours: park it instead")
    return order.model_copy(update={"assigned_to": to_agent, "pending_since": now})


def void(order: OrderView, reason: str | None, agent: str, now: datetime, *, pending_only: bool = False) -> OrderView:
    _require_in_progress(order, "voided")
    if pending_only and order.assigned_to is None:
        raise Refused(
            errors.INVALID_STATE,
            f"cart {order.order_id} is not a pending order: void the call it belongs to instead",
        )
    note = ActionNote(reason=reason or "voided", by=agent, at=now)
    return order.model_copy(update={"status": "voided", "void": note, "assigned_to": None, "pending_since": None})
