"""A new version of a cart or order (ORD-11), as every change ends: stamped with who and when, its
holds derived from its state (SRV-03..SRV-05), and the events that tell about it."""

from __future__ import annotations

from datetime import datetime

from contracts.envelope import Event
from contracts.orders import OrderView
from services.orders.domain import holds
from services.orders.domain.order import next_version, updated_event


def revised(
    order: OrderView, now: datetime, agent: str, change: str, reason: str, *, content_changed: bool = False
) -> tuple[OrderView, list[Event]]:
    """The next version and its events, in the order they are published: OrderUpdatedV1, then what
    fulfilment must be told (OrderHeldV1 when a hold is added, OrderReleasedV1 when released)."""
    stamped = holds.with_holds(next_version(order, now, agent))
    saved, notices = holds.notices(stamped, reason, content_changed=content_changed)
    return saved, [updated_event(saved, change, reason), *notices]
