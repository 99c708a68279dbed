"""A newer producer adds an optional field to an event; the consumers that have not upgraded keep
working (PLT-11). The customers service projects an OrderPlaced event whose envelope, payload and
nested order lines carry fields its contracts do not know, instead of dead-lettering it."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from contracts.customers import CustomerHistory, GetCustomerHistoryV1
from contracts.envelope import Envelope
from contracts.orders import OrderLineView, OrderPlacedV1
from csr.client import OmsClient
from tests.support.customers import ORDERS, now, ok, register
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
