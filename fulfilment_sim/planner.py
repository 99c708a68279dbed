"""What to ship and deliver when, from the orders service's events: pure, the clock passed in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from contracts.envelope import Message
from contracts.orders import (
    OrderCancelledV1,
    OrderHeldV1,
    OrderReleasedV1,
    OrderShippedV1,
    RecordDeliveryV1,
    RecordShipmentV1,
    ShipmentDeliveredV1,
    ShipmentLineInput,
)

_IDS = uuid.UUID("0f6d1a52-4c55-4a8e-9a43-5b7f1e7c2d10")


def message_id(command: RecordShipmentV1 | RecordDeliveryV1) -> uuid.UUID:
    """The same shipment or delivery is always the same message: a resend is applied once."""
    kind = "delivery" if isinstance(command, RecordDeliveryV1) else "shipment"
    return uuid.uuid5(_IDS, f"{kind}:{command.order_id}:{command.shipment_id}")


@dataclass(frozen=True)
class Options:
    ship_delay: timedelta = timedelta(seconds=2)
    deliver_delay: timedelta | None = timedelta(seconds=5)  # None: never report deliveries
    warehouse: str | None = None  # only orders whose ``warehouse`` attribute is this one
    carrier: str = "SIM Parcel"
    shipment_prefix: str = "SIM"


@dataclass
class _Order:
    release: OrderReleasedV1 | None = None
    ship_at: datetime | None = None
    deliveries: dict[str, datetime] = field(default_factory=dict)


class Planner:
    """Follows the events of every order and says which shipments and deliveries are due."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.orders: dict[uuid.UUID, _Order] = {}
        self.retries: list[tuple[datetime, RecordShipmentV1 | RecordDeliveryV1]] = []

    def _mine(self, release: OrderReleasedV1) -> bool:
        wanted = self.options.warehouse
        return wanted is None or release.attributes.get("warehouse") == wanted

    def observe(self, event: Message | None, now: datetime) -> None:
        if isinstance(event, OrderReleasedV1):
            if self._mine(event):
                state = self.orders.setdefault(event.order_id, _Order())
                state.release, state.ship_at = event, now + self.options.ship_delay
        elif isinstance(event, (OrderHeldV1, OrderCancelledV1)):
            if event.order_id in self.orders:
                self.orders[event.order_id].release = None  # withdrawn: never ship it on that release
        elif isinstance(event, OrderShippedV1):
            self._shipped(event, now)
        elif isinstance(event, ShipmentDeliveredV1) and event.order_id in self.orders:
            self.orders[event.order_id].deliveries.pop(event.shipment_id, None)

    def _shipped(self, event: OrderShippedV1, now: datetime) -> None:
        state = self.orders.get(event.order_id)
        if state is None:
            return
        state.release = None
        delay = self.options.deliver_delay
        if delay is not None and event.shipment_id.startswith(f"{self.options.shipment_prefix}-"):
            state.deliveries[event.shipment_id] = now + delay

    def _due_retries(self, now: datetime, kind: type[RecordShipmentV1] | type[RecordDeliveryV1]) -> list[Any]:
        due = [c for at, c in self.retries if at <= now and isinstance(c, kind)]
        self.retries = [(at, c) for at, c in self.retries if not (at <= now and isinstance(c, kind))]
        return due

    def due_shipments(self, now: datetime) -> list[RecordShipmentV1]:
        due: list[RecordShipmentV1] = self._due_retries(now, RecordShipmentV1)
        for state in self.orders.values():
            release = state.release
            if release is None or state.ship_at is None or state.ship_at > now:
                continue
            state.release = None
            command = self.shipment(release)
            if command is not None:
                due.append(command)
        return due

    def due_deliveries(self, now: datetime) -> list[RecordDeliveryV1]:
        due: list[RecordDeliveryV1] = self._due_retries(now, RecordDeliveryV1)
        for order_id, state in self.orders.items():
            for shipment_id, at in list(state.deliveries.items()):
                if at <= now:
                    del state.deliveries[shipment_id]
                    due.append(RecordDeliveryV1(order_id=order_id, shipment_id=shipment_id))
        return due

    def retry(self, command: RecordShipmentV1 | RecordDeliveryV1, now: datetime) -> None:
        """The orders service did not answer: send the same message again after the delay (it is
        applied once however often it arrives)."""
        self.retries.append((now + self.options.ship_delay, command))

    def shipment(self, release: OrderReleasedV1) -> RecordShipmentV1 | None:
        """Everything the release leaves to ship; serial numbers for trackable items."""
        lines = []
        for line in release.lines:
            done = line.shipped_quantity or 0
            left = line.quantity - done
            if left <= 0:
                continue
            serials = (
                [f"SN-{release.order_number}-{line.line_no}-{n}" for n in range(done + 1, line.quantity + 1)]
                if line.trackable
                else []
            )
            lines.append(ShipmentLineInput(line_no=line.line_no, quantity=left, serial_numbers=serials))
        if not lines:
            return None
        return RecordShipmentV1(
            order_id=release.order_id,
            shipment_id=f"{self.options.shipment_prefix}-{release.order_number}-v{release.version}",
            lines=lines,
            carrier=self.options.carrier,
            tracking_number=f"{self.options.shipment_prefix}{release.order_number}{release.version:03d}",
        )
