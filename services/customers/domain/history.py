"""From the orders service's events to this service's projections (CUS-11, CUS-14), pure.

No call is ever made into orders: its events carry all the history needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts.orders import OrderCancelledV1, OrderChangedV1, OrderPlacedV1, TrackableItemsFulfilledV1

# A stable namespace makes an asset's id the same however often its event is replayed.
_ASSETS = uuid.UUID("5b0c3c55-9a43-4d0e-9d55-6f3e0c1a7a11")


@dataclass(frozen=True)
class OrderEntry:
    order_id: uuid.UUID
    customer_id: uuid.UUID
    order_number: str
    status: str
    currency: str
    total: Decimal
    lines: int
    version: int
    placed_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Asset:
    asset_id: uuid.UUID
    customer_id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    sku: str
    name: str
    quantity: int
    serial_number: str | None
    acquired_at: datetime


def placed(event: OrderPlacedV1) -> OrderEntry:
    return OrderEntry(
        event.order_id,
        event.customer_id,
        event.order_number,
        "placed",
        event.currency,
        event.total,
        len(event.lines),
        event.version,
        event.placed_at,
        event.placed_at,
    )


def changed(event: OrderChangedV1) -> OrderEntry:
    # placed_at is unknown here when the change is the first event seen; the store keeps the
    # placed time it already has.
    return OrderEntry(
        event.order_id,
        event.customer_id,
        event.order_number,
        "changed",
        event.currency,
        event.total,
        len(event.lines),
        event.version,
        event.changed_at,
        event.changed_at,
    )


def assets(event: TrackableItemsFulfilledV1) -> list[Asset]:
    """One asset per serial number (each is a thing the customer owns); items without serial
    numbers become one asset with their quantity."""
    found: list[Asset] = []
    for index, item in enumerate(event.items):
        serials: list[str | None] = list(item.serial_numbers) or [None]
        quantity = 1 if item.serial_numbers else item.quantity
        for serial in serials:
            key = f"{event.order_id}:{index}:{item.sku}:{serial or ''}"
            if event.shipment_id:  # a later shipment of the same item is another asset, not a replay
                key += f":{event.shipment_id}"
            found.append(
                Asset(
                    asset_id=uuid.uuid5(_ASSETS, key),
                    customer_id=event.customer_id,
                    order_id=event.order_id,
                    order_number=event.order_number,
                    sku=item.sku,
                    name=item.name,
                    quantity=quantity,
                    serial_number=serial,
                    acquired_at=event.fulfilled_at,
                )
            )
    return found


def cancelled_status(event: OrderCancelledV1) -> tuple[str, int, datetime]:
    return "cancelled", event.version, event.cancelled_at
