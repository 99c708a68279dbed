"""Commands, queries and events of the orders service (seeds 000, 001, 002, 003; ORD-*, SRV-*)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Address, Amount, CurrencyCode, Email, LocaleTag, Name
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


# --- Events other services rely on ----------------------------------------------------------
# notifications e-mails the customer about them; customers builds order, quote, return and asset
# history from them. Fields may be added (optional); anything else needs a new version.


class OrderChangedV1(_OrderEvent):
    """A submitted order was changed (SRV-10): a new version, repriced."""

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    version: int
    currency: str
    lines: list[OrderLineView]
    total: Amount
    amount_due: Amount = Field(description="Positive: to collect from the customer; negative: to refund")
    reason: str
    changed_at: datetime
    email: str | None = None
    language: str | None = None

    def partition_key(self) -> str:
        return str(self.order_id)


class OrderCancelledV1(_OrderEvent):
    """An order was cancelled (status X, SRV-09); its stock is released."""

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    version: int
    reason: str
    cancelled_at: datetime
    refund_amount: Amount = Decimal(0)
    currency: str
    email: str | None = None
    language: str | None = None

    def partition_key(self) -> str:
        return str(self.order_id)


class ShippedLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line_no: int
    sku: str
    description: str | None = None
    quantity: int


class OrderShippedV1(_OrderEvent):
    """Fulfilment shipped some or all lines of an order (SRV-11)."""

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    shipment_id: str
    lines: list[ShippedLine]
    carrier: str | None = None
    tracking_number: str | None = None
    order_status: str
    shipped_at: datetime
    email: str | None = None
    language: str | None = None

    def partition_key(self) -> str:
        return str(self.order_id)


class FulfilledItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str
    name: str
    quantity: int
    serial_numbers: list[str] = Field(default_factory=list)


class TrackableItemsFulfilledV1(_OrderEvent):
    """Trackable items were fulfilled: the customers service records them as assets (CUS-14)."""

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    items: list[FulfilledItem]
    fulfilled_at: datetime

    def partition_key(self) -> str:
        return str(self.order_id)


class OrderCommentAddedV1(_OrderEvent):
    """A CSR commented on an order (ORD-15); ``visibility == "customer"`` means e-mail it."""

    order_id: uuid.UUID
    order_number: str | None
    customer_id: uuid.UUID
    comment_id: uuid.UUID
    text: str
    visibility: Literal["internal", "customer"]
    added_by: str
    added_at: datetime
    email: str | None = None
    language: str | None = None

    def partition_key(self) -> str:
        return str(self.order_id)


class QuoteSavedV1(_OrderEvent):
    """A cart was saved as a quote with prices guaranteed until ``expires_at`` (SRV-01)."""

    quote_id: uuid.UUID
    quote_number: str
    customer_id: uuid.UUID
    currency: str
    lines: list[OrderLineView]
    total: Amount
    expires_at: datetime
    saved_at: datetime

    def partition_key(self) -> str:
        return str(self.quote_id)


class QuoteEmailRequestedV1(_OrderEvent):
    """A CSR asked to e-mail a quote to the customer (SRV-01)."""

    quote_id: uuid.UUID
    quote_number: str
    customer_id: uuid.UUID
    currency: str
    lines: list[OrderLineView]
    total: Amount
    expires_at: datetime
    requested_by: str
    email: str | None = None
    language: str | None = None

    def partition_key(self) -> str:
        return str(self.quote_id)


class ReturnLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line_no: int
    sku: str
    quantity: int
    reason: str
    refund_amount: Amount


class ReturnCreatedV1(_OrderEvent):
    """A return was created for shipped lines (SRV-12)."""

    return_id: uuid.UUID
    return_number: str
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    currency: str
    lines: list[ReturnLine]
    refund_amount: Amount
    status: str
    created_at: datetime

    def partition_key(self) -> str:
        return str(self.order_id)


class ShipTo(BaseModel):
    """Where an order (or a line) goes; carried by events for fulfilment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: Address
    shipping_mode: str | None = None
