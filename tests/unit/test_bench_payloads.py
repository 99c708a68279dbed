"""The benchmark's channel orders are copies of one validated order: each must still be a valid
PlaceOrderV2 as the services read it, and a new order (ids, customer, e-mail, lines)."""

from __future__ import annotations

import random
import uuid

from bench import payloads
from contracts.orders import PlaceOrderV2

SEALED = ["sealed:v1:" + "A" * 100, "sealed:v1:" + "B" * 100]


def test_each_copy_reads_back_as_the_same_valid_order() -> None:
    orders = payloads.ChannelOrders(SEALED, random.Random(5))
    for n in range(50):
        customer = uuid.uuid4()
        order = orders.next(f"o{n}.t@bench.example.com", customer)

        assert PlaceOrderV2.model_validate_json(order.model_dump_json()) == order
        assert (order.customer_id, order.email) == (customer, f"o{n}.t@bench.example.com")
        assert len({line.sku for line in order.lines}) == 3
        assert order.ship_to is not None and order.ship_to.address.first_name == order.first_name


def test_copies_are_new_orders_and_leave_the_template_alone() -> None:
    orders = payloads.ChannelOrders(SEALED, random.Random(5))
    template = orders.template.model_dump()
    made = [orders.next(f"o{n}.t@bench.example.com", uuid.uuid4()) for n in range(20)]

    assert len({o.order_id for o in made}) == 20
    assert len({tuple(line.sku for line in o.lines) for o in made}) > 1
    assert {o.payments[0].card_number for o in made} == set(SEALED)  # type: ignore[union-attr]
    assert orders.template.model_dump() == template
