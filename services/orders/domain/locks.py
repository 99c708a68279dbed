"""Edit locks (SRV-06) and pending ownership (SRV-07) as rules: who may work an order now, and the
refusal an agent gets when someone else is working it. Where the lock rows live is the adapters'
business; taking and releasing them is ``application.editing``.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts import errors
from contracts.envelope import STAFF, Actor, FieldError, Role
from contracts.errors import Refused
from contracts.orders import LockView, OrderView


@dataclass(frozen=True)
class Taken:
    """A lock taken or extended: ``new`` when it was not this agent's live lock before."""

    lock: LockView
    new: bool
    previous_agent_id: str | None


def name(order: OrderView) -> str:
    return order.order_number or order.quote_number or str(order.order_id)


def takes_locks(actor: Actor) -> bool:
    """Locks are between people: channels and systems neither take nor are stopped by them."""
    return actor.role in STAFF


def locked(order: OrderView, holder: LockView) -> Refused:
    message = (
        f"order {name(order)} is being worked by {holder.agent_id} until {holder.expires_at:%H:%M:%S} UTC;"
        " wait for them to finish or for the lock to expire, or ask a supervisor to take it over"
    )
    return Refused(
        errors.LOCKED,
        message,
        [
            FieldError(field="payload.order_id", code=errors.LOCKED, message=message),
            FieldError(field="lock.agent_id", code=errors.LOCKED, message=holder.agent_id),
        ],
    )


def require_pending_owner(actor: Actor, order: OrderView) -> None:
    """A pending cart is worked only by the agent whose pending list it is on, or a supervisor."""
    owner = order.assigned_to
    if order.status != "cart" or owner is None or owner == actor.agent_id or actor.role == Role.SUPERVISOR:
        return
    message = f"order {name(order)} is on {owner}'s pending list: only {owner} or a supervisor may work it"
    raise Refused(
        errors.LOCKED,
        message,
        [
            FieldError(field="payload.order_id", code=errors.LOCKED, message=message),
            FieldError(field="lock.agent_id", code=errors.LOCKED, message=owner),
        ],
    )
