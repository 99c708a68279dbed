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
    # One line per shipment, each ``ship_delay`` after the last one left: a warehouse picking from
    # several shelves, so an order ships in parts (each part's capture, then the final one, MNY-03).
    line_by_line: bool = False


@dataclass
class _Order:
    release: OrderReleasedV1 | None = None
    ship_at: datetime | None = None
    deliveries: dict[str, datetime] = field(default_factory=dict)
    shipped_since_release: dict[int, int] = field(default_factory=dict)  # line number -> units


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
                state.shipped_since_release = {}
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
        ours = event.shipment_id.startswith(f"{self.options.shipment_prefix}-")
        for line in event.lines:
            state.shipped_since_release[line.line_no] = state.shipped_since_release.get(line.line_no, 0) + line.quantity
        if self.options.line_by_line and ours and state.release is not None and self._left(state):
            state.ship_at = now + self.options.ship_delay  # the next part
        else:
            state.release = None
        delay = self.options.deliver_delay
        if delay is not None and ours:
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
            command = self.shipment(release, state.shipped_since_release)
            # Line by line, the release stays until the last part's OrderShipped (see _shipped).
            state.release, state.ship_at = (release, None) if self.options.line_by_line else (None, None)
            if command is not None:
                due.append(command)
        return due

    def _left(self, state: _Order) -> bool:
        release = state.release
        return release is not None and self.shipment(release, state.shipped_since_release) is not None

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

    def shipment(self, release: OrderReleasedV1, since: dict[int, int] | None = None) -> RecordShipmentV1 | None:
        """Everything the release leaves to ship (``since``: units shipped after it, by line), or its
        first line only when shipping line by line; serial numbers for trackable items."""
        lines = []
        for line in release.lines:
            done = (line.shipped_quantity or 0) + (since or {}).get(line.line_no, 0)
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
        part = ""
        if self.options.line_by_line:
            lines, part = lines[:1], f"-L{lines[0].line_no}"
        return RecordShipmentV1(
            order_id=release.order_id,
            shipment_id=f"{self.options.shipment_prefix}-{release.order_number}-v{release.version}{part}",
            lines=lines,
            carrier=self.options.carrier,
            tracking_number=f"{self.options.shipment_prefix}{release.order_number}{release.version:03d}",
        )
