"""Order, quote and return history (CUS-11) and assets (CUS-14), projected from the orders
service's events. The first order goes through the real orders service; the other events are
published on orders.events exactly as the orders service will publish them."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

import pytest

from contracts import errors
from contracts.customers import AssetList, CustomerHistory, GetCustomerHistoryV1, ListAssetsV1, Page
from contracts.orders import (
    FulfilledItem,
    OrderCancelledV1,
    OrderChangedV1,
    OrderLineView,
    OrderPlacedResult,
    OrderPlacedV1,
    PlaceOrderV1,
    QuoteSavedV1,
    ReturnCreatedV1,
    ReturnLine,
    TrackableItemsFulfilledV1,
)
from csr.client import OmsClient
from tests.support.customers import event_for, now, ok, publish_event, register
from tests.support.system import System, eventually

T = TypeVar("T")

LINE = OrderLineView(line_no=1, sku="TENT-2P", quantity=1, unit_price=Decimal("149.99"), line_total=Decimal("149.99"))


async def until(fetch: Callable[[], Awaitable[T]], ready: Callable[[T], bool], timeout: float = 30) -> T:
    async def check() -> T | None:
        value = await fetch()
        return value if ready(value) else None

    result: T = await eventually(check, timeout=timeout)
    return result


@pytest.mark.capability("CUS-11")
async def test_orders_quotes_and_returns_make_the_customers_history(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    customer_id, _ = await register(csr)
    t0 = now()
    first = await ok(
        channel,
        PlaceOrderV1(
            customer_id=customer_id, currency="USD", lines=[{"sku": "MUG-1", "quantity": 3, "unit_price": "4"}]
        ),
        OrderPlacedResult,
    )
    second_id = uuid.uuid4()
    await publish_event(
        csr,
        OrderPlacedV1(
            order_id=second_id,
            order_number="9000001",
            customer_id=customer_id,
            currency="USD",
            lines=[LINE],
            total=Decimal("149.99"),
            placed_at=t0 + timedelta(minutes=5),
        ),
    )
    changed = OrderChangedV1(
        order_id=second_id,
        order_number="9000001",
        customer_id=customer_id,
        version=2,
        currency="USD",
        lines=[LINE, LINE.model_copy(update={"line_no": 2})],
        total=Decimal("299.98"),
        amount_due=Decimal("149.99"),
        reason="second tent",
        changed_at=t0 + timedelta(minutes=6),
    )
    await publish_event(csr, changed)
    await publish_event(
        csr,
        OrderCancelledV1(
            order_id=first.order_id,
            order_number=first.order_number,
            customer_id=customer_id,
            version=2,
            reason="changed mind",
            cancelled_at=t0 + timedelta(minutes=7),
            currency="USD",
        ),
    )
    quote_id = uuid.uuid4()
    await publish_event(
        csr,
        QuoteSavedV1(
            quote_id=quote_id,
            quote_number="Q-77",
            customer_id=customer_id,
            currency="USD",
            lines=[LINE],
            total=Decimal("149.99"),
            expires_at=t0 + timedelta(days=30),
            saved_at=t0 + timedelta(minutes=1),
        ),
    )
    returned = ReturnCreatedV1(
        return_id=uuid.uuid4(),
        return_number="R-5",
        order_id=second_id,
        order_number="9000001",
        customer_id=customer_id,
        currency="USD",
        lines=[ReturnLine(line_no=2, sku="TENT-2P", quantity=1, reason="damaged", refund_amount=Decimal("149.99"))],
        refund_amount=Decimal("149.99"),
        status="open",
        created_at=t0 + timedelta(minutes=8),
    )
    await publish_event(csr, returned)
    await publish_event(csr, changed.model_copy(update={"version": 1, "total": Decimal(1)}))  # late, older: ignored
    # Same order, so same partition: once this second return shows, the late change was handled.
    later = returned.model_copy(update={"return_id": uuid.uuid4(), "return_number": "R-6", "created_at": t0})
    await publish_event(csr, later)

    def complete(h: CustomerHistory) -> bool:
        return len(h.orders) == 2 and bool(h.quotes) and len(h.returns) == 2 and h.orders[1].status == "cancelled"

    history = await until(lambda: ok(csr, GetCustomerHistoryV1(customer_id=customer_id), CustomerHistory), complete)

    newest, oldest = history.orders
    assert (newest.order_id, newest.status, newest.version, newest.total, newest.lines) == (
        second_id,
        "changed",
        2,
        Decimal("299.98"),
        2,
    )
    assert (oldest.order_number, oldest.status, oldest.total) == (first.order_number, "cancelled", Decimal("12"))
    assert [(q.quote_number, q.total) for q in history.quotes] == [("Q-77", Decimal("149.99"))]
    assert [(r.return_number, r.order_number, r.refund_amount) for r in history.returns] == [
        ("R-5", "9000001", Decimal("149.99")),
        ("R-6", "9000001", Decimal("149.99")),
    ]
    first_page = await ok(csr, GetCustomerHistoryV1(customer_id=customer_id, page=Page(size=1)), CustomerHistory)
    assert [o.order_id for o in first_page.orders] == [second_id] and first_page.has_more


@pytest.mark.capability("CUS-14")
async def test_fulfilled_trackable_items_become_the_customers_assets(system: System, csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    order_id = uuid.uuid4()
    fulfilled = TrackableItemsFulfilledV1(
        order_id=order_id,
        order_number="9000002",
        customer_id=customer_id,
        items=[
            FulfilledItem(sku="ROUTER-X", name="Router X", quantity=2, serial_numbers=["SN-1", "SN-2"]),
            FulfilledItem(sku="SIM-5G", name="5G SIM card", quantity=1),
        ],
        fulfilled_at=now(),
    )

    cable = fulfilled.model_copy(update={"items": [FulfilledItem(sku="CABLE", name="Cable", quantity=3)]})

    await publish_event(csr, fulfilled)
    await publish_event(csr, fulfilled)  # redelivered under a new message id: no second set of assets
    await publish_event(csr, cable)  # same order, same partition: handled after the redelivery

    assets = await until(
        lambda: ok(csr, ListAssetsV1(customer_id=customer_id), AssetList),
        lambda a: any(x.sku == "CABLE" for x in a.assets),
    )
    assert sorted((a.sku, a.serial_number, a.quantity, a.status) for a in assets.assets) == [
        ("CABLE", None, 3, "active"),
        ("ROUTER-X", "SN-1", 1, "active"),
        ("ROUTER-X", "SN-2", 1, "active"),
        ("SIM-5G", None, 1, "active"),
    ]
    assert {a.order_number for a in assets.assets} == {"9000002"}
    event = await event_for(system, "AssetsAdded", lambda p: p["order_id"] == str(order_id))
    assert len(event.payload["assets"]) == 3
    rows = await system.fetch("customers", "SELECT count(*) AS n FROM assets WHERE order_id = $1", order_id)
    assert rows[0]["n"] == 4


@pytest.mark.capability("CUS-11", "CUS-14")
async def test_history_of_an_unknown_customer_is_not_found(system: System, csr: OmsClient) -> None:
    history = await csr.send(GetCustomerHistoryV1(customer_id=uuid.uuid4()))
    assets = await csr.send(ListAssetsV1(customer_id=uuid.uuid4()))

    assert history.code == errors.NOT_FOUND and assets.code == errors.NOT_FOUND
