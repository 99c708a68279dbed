"""The fulfilment simulator shipping line by line (the demo's partial shipments, MNY-03): one line
per shipment, the next one a delay after the last one's OrderShipped, until nothing is left."""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts.orders import OrderShippedV1, RecordShipmentV1, ShippedLine
from fulfilment_sim.planner import Options, Planner
from services.orders.domain import holds
from tests.support.orders import NOW, line, order

SECOND = timedelta(seconds=1)


def shipped(command: RecordShipmentV1, at: datetime) -> OrderShippedV1:
    return OrderShippedV1(
        order_id=command.order_id,
        order_number="10000007",
        customer_id=command.order_id,
        shipment_id=command.shipment_id,
        lines=[ShippedLine(line_no=ln.line_no, sku="X", quantity=ln.quantity) for ln in command.lines],
        order_status="partially_shipped",
        shipped_at=at,
    )


def test_line_by_line_ships_each_line_once_in_its_own_shipment() -> None:
    placed = order(
        [line(1, "TENT", 1, "249.00").model_copy(update={"trackable": True}), line(2, "PAD", 2, "149.00")],
        status="submitted",
        order_number="10000007",
        released=True,
    )
    planner = Planner(Options(ship_delay=SECOND, line_by_line=True))
    planner.observe(holds.released_event(placed), NOW)

    [first] = planner.due_shipments(NOW + SECOND)
    assert first.shipment_id == "SIM-10000007-v1-L1"
    assert [(ln.line_no, ln.quantity, ln.serial_numbers) for ln in first.lines] == [(1, 1, ["SN-10000007-1-1"])]
    assert planner.due_shipments(NOW + 5 * SECOND) == []  # the next part waits for this one to leave

    planner.observe(shipped(first, NOW + 5 * SECOND), NOW + 5 * SECOND)
    [second] = planner.due_shipments(NOW + 6 * SECOND)
    assert (second.shipment_id, [(ln.line_no, ln.quantity) for ln in second.lines]) == ("SIM-10000007-v1-L2", [(2, 2)])

    planner.observe(shipped(second, NOW + 6 * SECOND), NOW + 6 * SECOND)
    assert planner.due_shipments(NOW + 60 * SECOND) == []  # nothing left


def test_whole_orders_in_one_shipment_by_default() -> None:
    placed = order(
        [line(1, "A", 1, "1.00"), line(2, "B", 1, "1.00")], status="submitted", order_number="10000007", released=True
    )
    planner = Planner(Options(ship_delay=SECOND))
    planner.observe(holds.released_event(placed), NOW)
    [whole] = planner.due_shipments(NOW + SECOND)
    assert [ln.line_no for ln in whole.lines] == [1, 2] and whole.shipment_id == "SIM-10000007-v1"
