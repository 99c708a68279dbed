"""Commands, queries and events of the orders service (seeds 000, 001, 002, 003; ORD-*, SRV-*)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Amount, CurrencyCode, Email, LocaleTag, Name
from contracts.envelope import STAFF_AND_CHANNELS, Command, Event
from contracts.topics import ORDERS_COMMANDS, ORDERS_EVENTS

Sku = str


class _OrderCommand(Command):
    TOPIC = ORDERS_COMMANDS


class _OrderEvent(Event):
    TOPIC = ORDERS_EVENTS


class OrderPlacedResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: uuid.UUID
    order_number: str
    version: int


class PlacedLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    quantity: int = Field(ge=1, le=10_000)
    unit_price: Amount = Field(ge=0)
    description: Name | None = None


class PlaceOrderV1(_OrderCommand):
    """A channel places a complete order in one step (the minimal order path)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = OrderPlacedResult

    customer_id: uuid.UUID
    currency: CurrencyCode
    lines: list[PlacedLine] = Field(min_length=1, max_length=200)
    email: Email | None = None
    language: LocaleTag | None = None

    def partition_key(self) -> str:
        return str(self.customer_id)


class OrderLineView(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line_no: int
    sku: str
    description: str | None = None
    quantity: int
    unit_price: Amount
    line_total: Amount


class OrderPlacedV1(_OrderEvent):
    """An order was submitted for fulfilment: everything downstream needs to ship it."""

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    currency: str
    lines: list[OrderLineView]
    total: Amount
    email: str | None = None
    language: str | None = None
    placed_at: datetime
    version: int = 1

    def partition_key(self) -> str:
        return str(self.order_id)
