"""Fulfilment feedback (SRV-11): a shipment leaves the warehouse, a shipment is delivered. The
order's rules are ``domain.fulfilment`` (what may ship, the status that follows)."""

from __future__ import annotations

from contracts.orders import OrderView, RecordDeliveryV1, RecordShipmentV1, ShipmentResult
from services.orders.application.editing import load_for_edit, save
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import fulfilment


async def record_shipment(uow: UnitOfWork, cmd: RecordShipmentV1) -> ShipmentResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    shipped, shipment = fulfilment.record_shipment(order, cmd, uow.now, uow.actor.agent_id)
    await uow.orders.ship_stock(order.order_id, [(s.line_no, s.sku, s.quantity) for s in shipment.lines])
    units = sum(s.quantity for s in shipment.lines)
    saved = await save(uow, shipped, "shipped", f"shipment {shipment.shipment_id}: {units} unit(s) shipped")
    uow.emit(fulfilment.shipped_event(saved, shipment))
    await uow.payments.capture_shipment(saved, shipment)  # MNY-03
    trackable = fulfilment.trackable_event(saved, shipment)
    if trackable is not None:
        uow.emit(trackable)
    return _result(saved, shipment.shipment_id)


async def record_delivery(uow: UnitOfWork, cmd: RecordDeliveryV1) -> ShipmentResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    delivered_at = cmd.delivered_at or uow.now
    delivered = fulfilment.record_delivery(order, cmd.shipment_id, delivered_at)
    saved = await save(uow, delivered, "delivered", f"shipment {cmd.shipment_id} delivered")
    uow.emit(fulfilment.delivered_event(saved, cmd.shipment_id, delivered_at))
    return _result(saved, cmd.shipment_id)


def _result(order: OrderView, shipment_id: str) -> ShipmentResult:
    assert order.order_number is not None  # only submitted orders ship
    return ShipmentResult(
        order_id=order.order_id,
        order_number=order.order_number,
        shipment_id=shipment_id,
        version=order.version,
        status=order.status,
    )
