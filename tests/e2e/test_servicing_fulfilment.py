"""Fulfilment feedback (SRV-11): downstream reports shipments per line, the order becomes partially
shipped, shipped, then complete when every shipment is delivered; fulfilled trackable items become
the customer's assets in the customers service (CUS-14). The fulfilment simulator
(``python -m fulfilment_sim``) does this from the orders service's events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from contracts import errors
from contracts.customers import AssetList, ListAssetsV1
from contracts.envelope import Role
from contracts.orders import (
    BlockOrderV1,
    OrderErrors,
    RecordDeliveryV1,
    SetOrderAttributesV1,
    ShipmentResult,
    TakeOverLockV1,
    UnblockOrderV1,
)
from csr.client import OmsClient
from csr.client.config import ClientConfig
from fulfilment_sim.planner import Options
from fulfilment_sim.runner import run
from tests.support.builders import register_customer, unique
from tests.support.orders import (
    accepted,
    add_product,
    event_of,
    ready_cart,
    rejected,
    ship,
    stock,
    submit,
    submitted,
    view,
)
from tests.support.system import System, eventually


@pytest.fixture(scope="session")
async def fulfil(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("warehouse-1", Role.SYSTEM) as client:
        yield client


async def customer(csr: OmsClient) -> tuple[uuid.UUID, str]:
    registration = register_customer(csr)
    return uuid.UUID(accepted(await csr.send(registration))["customer_id"]), str(registration.email)


async def assets(csr: OmsClient, customer_id: uuid.UUID) -> AssetList:
    return AssetList.model_validate(accepted(await csr.send(ListAssetsV1(customer_id=customer_id))))


def shipped(reply: object) -> ShipmentResult:
    return ShipmentResult.model_validate(accepted(reply))  # type: ignore[arg-type]


@pytest.mark.capability("SRV-11", "CUS-14", "NTF-01")
async def test_shipments_make_an_order_shipped_then_complete_and_trackable_items_become_assets(
    system: System, feed: OmsClient, fulfil: OmsClient, csr: OmsClient
) -> None:
    customer_id, email = await customer(csr)
    tent = await add_product(feed, usd="249.00", on_hand=10, trackable=True, name="Ridge 2P tent")
    pad = await add_product(feed, usd="39.00", on_hand=10, name="Foam pad")
    order_id, placed = await submitted(csr, [(tent, 3), (pad, 1)], customer_id=customer_id, email=email)
    await event_of(system, "OrderReleased", order_id)

    first = shipped(await ship(fulfil, order_id, [(1, 1)], "SHP-A-" + placed.order_number, {1: ["SN-1"]}))

    assert (first.status, first.version, first.order_number) == ("partially_shipped", placed.version + 1,
                                                                 placed.order_number)  # fmt: skip
    event = await event_of(system, "OrderShipped", order_id)
    assert (event["shipment_id"], event["order_status"], event["carrier"]) == (first.shipment_id,
                                                                               "partially_shipped", "UPS")  # fmt: skip
    assert [(ln["line_no"], ln["sku"], ln["quantity"], ln["description"]) for ln in event["lines"]] == [
        (1, tent, 1, "Ridge 2P tent")
    ]
    items = await event_of(system, "TrackableItemsFulfilled", order_id)
    assert [(i["sku"], i["quantity"], i["serial_numbers"]) for i in items["items"]] == [(tent, 1, ["SN-1"])]
    assert await stock(csr, tent) == (9, 2, 7)  # one shipped: gone from the shelf and from the reservation
    mail = await system.mailbox().wait_for_async(
        lambda m: email in m.rcpt_tos and f"Your order {placed.order_number} has shipped" == m.subject, timeout=60
    )
    assert "Ridge 2P tent" in mail.body(("plain",))

    # The rest in two shipments: a tent without a serial number and the pad (not trackable), then the
    # last tent, also without a serial number: two assets, not one seen twice.
    second = shipped(await ship(fulfil, order_id, [(1, 1), (2, 1)], "SHP-B-" + placed.order_number))
    assert second.status == "partially_shipped"
    third = shipped(await ship(fulfil, order_id, [(1, 1)], "SHP-C-" + placed.order_number))
    assert third.status == "shipped"
    order = (await view(csr, order_id)).order
    assert [(ln.shipped_quantity, ln.reserved_quantity) for ln in order.lines] == [(3, 0), (1, 0)]
    assert [s.shipment_id for s in order.shipment_records] == [first.shipment_id, second.shipment_id,
                                                               third.shipment_id]  # fmt: skip
    assert await stock(csr, tent) == (7, 0, 7) and await stock(csr, pad) == (9, 0, 9)

    # Trackable items are the customer's assets: one per serial number, else one with the quantity.
    async def owned() -> bool:
        found = (await assets(csr, customer_id)).assets
        return sorted((a.sku, a.serial_number or "", a.quantity, a.order_number) for a in found) == [
            (tent, "", 1, placed.order_number),
            (tent, "", 1, placed.order_number),
            (tent, "SN-1", 1, placed.order_number),
        ]

    await eventually(owned, timeout=30)

    # Complete once every shipment is delivered.
    delivered = shipped(await fulfil.send(RecordDeliveryV1(order_id=order_id, shipment_id=first.shipment_id)))
    assert delivered.status == "shipped"
    accepted(await fulfil.send(RecordDeliveryV1(order_id=order_id, shipment_id=third.shipment_id)))
    done = shipped(await fulfil.send(RecordDeliveryV1(order_id=order_id, shipment_id=second.shipment_id)))
    assert done.status == "complete"
    last = await event_of(system, "ShipmentDelivered", order_id, lambda p: p["order_status"] == "complete")
    assert last["shipment_id"] == second.shipment_id
    details = await view(csr, order_id)
    assert [v.change for v in details.versions][-6:] == ["shipped"] * 3 + ["delivered"] * 3
    assert details.versions[-1].changed_by == "warehouse-1"


@pytest.mark.capability("SRV-11")
async def test_bad_shipments_and_deliveries_are_refused_and_change_nothing(
    system: System, feed: OmsClient, fulfil: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    sku = await add_product(feed, usd="10.00", on_hand=20)
    order_id, _ = await submitted(csr, [(sku, 2)])
    await event_of(system, "OrderReleased", order_id)
    before = await view(csr, order_id)

    rejected(await ship(csr, order_id, [(1, 1)]), errors.FORBIDDEN)
    rejected(await ship(fulfil, order_id, [(9, 1)]), errors.NOT_FOUND, "payload.lines[0].line_no")
    rejected(await ship(fulfil, order_id, [(1, 3)]), errors.INVALID, "payload.lines[0].quantity")
    rejected(await ship(fulfil, order_id, [(1, 1), (1, 2)]), errors.INVALID, "payload.lines[1].quantity")
    rejected(await ship(fulfil, uuid.uuid4(), [(1, 1)]), errors.NOT_FOUND)
    rejected(await fulfil.send(RecordDeliveryV1(order_id=order_id, shipment_id="NOPE-1")), errors.NOT_FOUND)
    cart = await ready_cart(csr, [(sku, 1)])
    rejected(await ship(fulfil, cart, [(1, 1)]), errors.INVALID_STATE)
    assert await view(csr, order_id) == before
    assert await stock(csr, sku) == (20, 2, 18)

    shipment = unique("SHP-")
    accepted(await ship(fulfil, order_id, [(1, 1)], shipment))
    after_one = await view(csr, order_id)
    rejected(await ship(fulfil, order_id, [(1, 1)], shipment), errors.CONFLICT, "payload.shipment_id")
    accepted(await fulfil.send(RecordDeliveryV1(order_id=order_id, shipment_id=shipment)))
    delivered = await view(csr, order_id)
    rejected(await fulfil.send(RecordDeliveryV1(order_id=order_id, shipment_id=shipment)), errors.INVALID_STATE)
    assert (await view(csr, order_id)) == delivered and after_one.order.version + 1 == delivered.order.version

    # A blocked order is not released: fulfilment may not ship it until a supervisor unblocks it.
    blocked_id, _ = await submitted(csr, [(sku, 1)])
    accepted(await csr.send(BlockOrderV1(order_id=blocked_id, reason="fraud")))
    held = await view(csr, blocked_id)
    rejected(await ship(fulfil, blocked_id, [(1, 1)]), OrderErrors.ON_HOLD)
    assert await view(csr, blocked_id) == held
    accepted(await supervisor.send(TakeOverLockV1(order_id=blocked_id)))
    unblocked = accepted(await supervisor.send(UnblockOrderV1(order_id=blocked_id, note="verified")))
    await event_of(system, "OrderReleased", blocked_id, lambda p: p["version"] == unblocked["version"])
    assert shipped(await ship(fulfil, blocked_id, [(1, 1)])).status == "shipped"


@pytest.mark.capability("SRV-11", "SRV-03", "CUS-14")
async def test_the_fulfilment_simulator_ships_and_delivers_released_orders_and_leaves_held_ones(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    warehouse = unique("wh-")  # the simulator ships only this test's orders
    customer_id, email = await customer(csr)
    phone = await add_product(feed, usd="199.00", on_hand=5, trackable=True, name="Satellite phone")

    async def for_warehouse(block: bool) -> uuid.UUID:
        order_id = await ready_cart(csr, [(phone, 2)], customer_id=customer_id, email=email)
        accepted(await csr.send(SetOrderAttributesV1(order_id=order_id, set={"warehouse": warehouse})))
        await submit(csr, order_id)
        if block:  # released, then held: the simulator must not ship it on that release
            accepted(await csr.send(BlockOrderV1(order_id=order_id, reason="credit_check")))
            await event_of(system, "OrderHeld", order_id)
        return order_id

    held = await for_warehouse(block=True)
    released = await for_warehouse(block=False)

    config = ClientConfig(
        kafka_bootstrap=system.stack.kafka_bootstrap,
        topic_prefix=system.prefix,
        sealing_public_key=None,
        mail_dir=None,
        timeout=20,
        oidc_issuer=system.identities.issuer,
        # As the warehouse's own Kafka client: the broker lets it read orders.events, send orders commands.
        kafka_options=system.stack.kafka_client_auth("fulfilment"),
    )
    options = Options(ship_delay=timedelta(seconds=1), deliver_delay=timedelta(seconds=0.5), warehouse=warehouse)
    stop = asyncio.Event()
    # a warehouse system of its own name, so what it records is told apart from other tests' shipments
    warehouse_login = system.identities.user("fulfilment-sim", Role.SYSTEM)
    simulator = asyncio.create_task(run(config, options, stop=stop, token_provider=warehouse_login))
    try:

        async def complete() -> bool:
            assert not simulator.done(), simulator
            return (await view(csr, released)).order.status == "complete"

        await eventually(complete, timeout=60)
    finally:
        stop.set()
        await asyncio.wait_for(simulator, 30)

    order = (await view(csr, released)).order
    [shipment] = order.shipment_records
    assert shipment.recorded_by == "fulfilment-sim" and shipment.delivered_at is not None
    number = order.order_number
    assert [(ln.line_no, ln.quantity, ln.serial_numbers) for ln in shipment.lines] == [
        (1, 2, [f"SN-{number}-1-1", f"SN-{number}-1-2"])
    ]

    async def owned() -> bool:
        found = (await assets(csr, customer_id)).assets
        return sorted(a.serial_number or "" for a in found) == [f"SN-{number}-1-1", f"SN-{number}-1-2"]

    await eventually(owned, timeout=30)
    still = (await view(csr, held)).order
    assert (still.status, still.holds, still.shipment_records) == ("submitted", ["blocked"], [])
