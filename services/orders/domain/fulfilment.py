"""Fulfilment feedback (SRV-11), pure: shipments reported by downstream make an order partially
shipped, then shipped; when every shipment is delivered it is complete. Trackable items shipped
become the customer's assets (TrackableItemsFulfilledV1)."""

from __future__ import annotations

from datetime import datetime

from contracts import errors
from contracts.errors import Refused
from contracts.orders import (
    FulfilledItem,
    OrderErrors,
    OrderShippedV1,
    OrderView,
    RecordShipmentV1,
    ShipmentDeliveredV1,
    ShipmentLineRecord,
    ShipmentRecord,
    ShippedLine,
    TrackableItemsFulfilledV1,
)
from services.orders.domain.holds import SHIPPABLE


def _name(order: OrderView) -> str:
    return order.order_number or str(order.order_id)


def _require_released(order: OrderView) -> None:
    if order.status not in SHIPPABLE:
        raise Refused(errors.INVALID_STATE, f"order {_name(order)} is {order.status}: there is nothing to ship")
    if order.holds or not order.released:
        held = ", ".join(order.holds) or "not released"
        raise Refused(
            OrderErrors.ON_HOLD,
            f"order {_name(order)} is on hold ({held}): it is not released to fulfilment and must not ship",
        )


def record_shipment(
    order: OrderView, cmd: RecordShipmentV1, now: datetime, agent: str
) -> tuple[OrderView, ShipmentRecord]:
    _require_released(order)
    if any(s.shipment_id == cmd.shipment_id for s in order.shipment_records):
        raise Refused.field(errors.CONFLICT, "payload.shipment_id", f"shipment {cmd.shipment_id} is already recorded")
    by_no = {ln.line_no: ln for ln in order.lines}
    shipping: dict[int, int] = {}
    records = []
    for i, item in enumerate(cmd.lines):
        line = by_no.get(item.line_no)
        if line is None:
            raise Refused.field(errors.NOT_FOUND, f"payload.lines[{i}].line_no", "the order has no such line")
        left = line.quantity - line.shipped_quantity - shipping.get(line.line_no, 0)
        if item.quantity > left:
            raise Refused.field(
                errors.INVALID,
                f"payload.lines[{i}].quantity",
                f"line {line.line_no} ({line.sku}) has {left} left to ship",
            )
        shipping[line.line_no] = shipping.get(line.line_no, 0) + item.quantity
        records.append(
            ShipmentLineRecord(
                line_no=line.line_no, sku=line.sku, quantity=item.quantity, serial_numbers=list(item.serial_numbers)
            )
        )
    lines = [
        ln.model_copy(
            update={
                "shipped_quantity": ln.shipped_quantity + shipping[ln.line_no],
                "reserved_quantity": max(ln.reserved_quantity - shipping[ln.line_no], 0),
                "backordered_quantity": max(
                    min(ln.backordered_quantity, ln.quantity - ln.shipped_quantity - shipping[ln.line_no]), 0
                ),
            }
        )
        if ln.line_no in shipping
        else ln
        for ln in order.lines
    ]
    shipment = ShipmentRecord(
        shipment_id=cmd.shipment_id,
        lines=records,
        carrier=cmd.carrier,
        tracking_number=cmd.tracking_number,
        shipped_at=cmd.shipped_at or now,
        recorded_by=agent,
    )
    everything = all(ln.shipped_quantity >= ln.quantity for ln in lines)
    shipped = order.model_copy(
        update={
            "lines": lines,
            "status": "shipped" if everything else "partially_shipped",
            "shipment_records": [*order.shipment_records, shipment],
        }
    )
    return shipped, shipment


def record_delivery(order: OrderView, shipment_id: str, delivered_at: datetime) -> OrderView:
    shipment = next((s for s in order.shipment_records if s.shipment_id == shipment_id), None)
    if shipment is None:
        raise Refused.field(
            errors.NOT_FOUND, "payload.shipment_id", f"order {_name(order)} has no shipment {shipment_id}"
        )
    if shipment.delivered_at is not None:
        raise Refused.field(
            errors.INVALID_STATE, "payload.shipment_id", f"shipment {shipment_id} was delivered already"
        )
    records = [
        s.model_copy(update={"delivered_at": delivered_at}) if s.shipment_id == shipment_id else s
        for s in order.shipment_records
    ]
    complete = order.status == "shipped" and all(s.delivered_at for s in records)
    return order.model_copy(update={"shipment_records": records, "status": "complete" if complete else order.status})


# --- events ---------------------------------------------------------------------------------------


def shipped_event(order: OrderView, shipment: ShipmentRecord) -> OrderShippedV1:
    assert order.order_number is not None
    names = {ln.line_no: ln.name for ln in order.lines}
    return OrderShippedV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        shipment_id=shipment.shipment_id,
        lines=[
            ShippedLine(line_no=s.line_no, sku=s.sku, description=names.get(s.line_no), quantity=s.quantity)
            for s in shipment.lines
        ],
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        order_status=order.status,
        shipped_at=shipment.shipped_at,
        email=order.email,
        language=order.language,
    )


def trackable_event(order: OrderView, shipment: ShipmentRecord) -> TrackableItemsFulfilledV1 | None:
    assert order.order_number is not None
    by_no = {ln.line_no: ln for ln in order.lines}
    items = [
        FulfilledItem(sku=s.sku, name=by_no[s.line_no].name, quantity=s.quantity, serial_numbers=s.serial_numbers)
        for s in shipment.lines
        if by_no[s.line_no].trackable
    ]
    if not items:
        return None
    return TrackableItemsFulfilledV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        items=items,
        fulfilled_at=shipment.shipped_at,
        shipment_id=shipment.shipment_id,
    )


def delivered_event(order: OrderView, shipment_id: str, delivered_at: datetime) -> ShipmentDeliveredV1:
    assert order.order_number is not None
    return ShipmentDeliveredV1(
        order_id=order.order_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        shipment_id=shipment_id,
        order_status=order.status,
        delivered_at=delivered_at,
    )
