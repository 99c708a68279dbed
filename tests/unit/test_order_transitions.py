"""The order's own transitions (domain): each checks the state it is given and returns the next
version with the events that tell about it, in the order they are published."""

from __future__ import annotations

import pytest

from contracts import errors
from contracts.errors import Refused
from contracts.orders import OrderCancelledV1, OrderUpdatedV1
from services.orders.domain import changes, holds
from services.orders.domain.revisions import revised
from tests.support.orders import NOW, line, order


def test_cancelling_a_submitted_order_gives_its_next_version_and_the_events_in_order() -> None:
    submitted = order([line(1, "A", 2, "10")], status="submitted", order_number="1000009", version=3)

    done = changes.cancelled(submitted, "customer request", "csr-1", NOW)

    assert (done.order.status, done.order.version, done.order.updated_by) == ("cancelled", 4, "csr-1")
    assert [type(e) for e in done.events] == [OrderUpdatedV1, OrderCancelledV1]
    assert all(e.version == 4 for e in done.events)  # type: ignore[attr-defined]
    assert done.reason == "cancelled: customer request"
    assert [ln.reserved_quantity for ln in done.order.lines] == [0]


def test_a_cart_is_not_cancelled() -> None:
    with pytest.raises(Refused) as refused:
        changes.cancelled(order([line(1, "A", 1, "10")]), "oops", "csr-1", NOW)
    assert refused.value.code == errors.INVALID_STATE


def test_a_revision_of_a_blocked_order_tells_fulfilment_it_is_held() -> None:
    submitted = order([line(1, "A", 1, "10")], status="submitted", order_number="1000009", released=True)
    blocked = holds.block(submitted, "fraud", None, "csr-1", NOW)

    saved, events = revised(blocked, NOW, "csr-1", "blocked", "blocked (fraud)")

    assert saved.holds == ["blocked"]
    assert [type(e).__name__ for e in events] == ["OrderUpdatedV1", "OrderHeldV1"]
