"""How the contract changes without breaking anyone (PLT-11, docs/contract.md).

- A newer producer adds an optional field to an event; the consumers that have not upgraded keep
  working: the customers service projects an OrderPlaced event whose envelope, payload and nested
  order lines carry fields its contracts do not know, instead of dead-lettering it.
- A query moves to the common page shape as a new version beside the old one: ListAssetsV2 and
  ListAssetsV1 answer the same pages, each in its own shape."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from contracts import errors
from contracts.customers import (
    AssetList,
    AssetView,
    CustomerHistory,
    GetCustomerHistoryV1,
    ListAssetsV1,
    ListAssetsV2,
    Page,
)
from contracts.envelope import Envelope
from contracts.orders import FulfilledItem, OrderLineView, OrderPlacedV1, TrackableItemsFulfilledV1
from contracts.paging import ListPage
from csr.client import OmsClient
from tests.support.customers import ORDERS, now, ok, publish_event, register
from tests.support.system import eventually


@pytest.mark.capability("PLT-11")
async def test_an_event_with_fields_the_consumer_does_not_know_is_still_applied(csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    line = OrderLineView(
        line_no=1, sku="TENT-2P", quantity=1, unit_price=Decimal("149.99"), line_total=Decimal("149.99")
    )
    event = OrderPlacedV1(
        order_id=uuid.uuid4(),
        order_number="9000077",
        customer_id=customer_id,
        currency="USD",
        lines=[line],
        total=Decimal("149.99"),
        placed_at=now(),
    )
    envelope = Envelope.wrap(event, actor=ORDERS)
    wire = envelope.model_dump(mode="json")
    wire["payload"]["loyalty_points"] = 150  # what a newer orders service might add
    wire["payload"]["lines"][0]["gift_wrap"] = {"paper": "red"}
    wire["trace_parent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    await csr.publish_raw(
        csr.prefix + event.TOPIC,
        json.dumps(wire).encode(),
        event.partition_key(),
        {"message_id": str(envelope.message_id), "type": envelope.type, "version": str(envelope.version)},
    )

    async def projected() -> CustomerHistory | None:
        history = await ok(csr, GetCustomerHistoryV1(customer_id=customer_id), CustomerHistory)
        return history if any(o.order_id == event.order_id for o in history.orders) else None

    history = await eventually(projected, timeout=30, interval=0.5)
    [order] = [o for o in history.orders if o.order_id == event.order_id]
    assert order.order_number == "9000077"


@pytest.mark.capability("PLT-11", "CUS-14")
async def test_the_common_page_shape_answers_beside_the_old_one(csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    items = [FulfilledItem(sku=f"ROUTER-{i}", name="Router", quantity=1, serial_numbers=[f"SN-{i}"]) for i in range(3)]
    await publish_event(
        csr,
        TrackableItemsFulfilledV1(
            order_id=uuid.uuid4(), order_number="9000078", customer_id=customer_id, items=items, fulfilled_at=now()
        ),
    )

    async def all_three() -> ListPage[AssetView] | None:
        page = await ok(csr, ListAssetsV2(customer_id=customer_id, page_size=100), ListPage[AssetView])
        return page if len(page.items) == 3 else None

    everything = await eventually(all_three, timeout=30, interval=0.5)
    first = await ok(csr, ListAssetsV2(customer_id=customer_id, page_size=2), ListPage[AssetView])
    second = await ok(csr, ListAssetsV2(customer_id=customer_id, page=2, page_size=2), ListPage[AssetView])
    old = await ok(csr, ListAssetsV1(customer_id=customer_id, page=Page(number=1, size=2)), AssetList)

    assert (everything.has_more, everything.total) == (False, None)
    assert (first.page, first.page_size, first.has_more, len(first.items)) == (1, 2, True, 2)
    assert (second.page, second.has_more, len(second.items)) == (2, False, 1)
    assert {a.serial_number for a in first.items + second.items} == {"SN-0", "SN-1", "SN-2"}
    assert old.assets == first.items and old.has_more == first.has_more
    unknown = await csr.send(ListAssetsV2(customer_id=uuid.uuid4()))
    assert unknown.code == errors.NOT_FOUND
