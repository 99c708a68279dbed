"""Events of the orders service, published on ``orders.events``."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from contracts.common import Address, Amount, Money
from contracts.envelope import Event, PartitionKey
from contracts.orders.causes import CAUSE_DESCRIPTION, MoneyCause
from contracts.orders.values import ShipTo
from contracts.orders.views import (
    ChargeDetail,
    FulfilledItem,
    OrderDiscountView,
    OrderLineView,
    PaymentLedgerTotals,
    PaymentSummary,
    QuoteChange,
    ReturnLine,
    ShippedLine,
    TotalsView,
)
from contracts.topics import ORDERS_EVENTS


class _OrderEvent(Event):
    TOPIC = ORDERS_EVENTS


# --- the event of a submitted order ----------------------------------------------------------


class OrderPlacedV1(_OrderEvent):
    """An order was submitted for fulfilment (ORD-09): everything downstream needs to ship it.

    Optional fields carry the complete order of a cart submit or PlaceOrderV2: where it goes, the
    charges, how it is paid (brand and last four, never the card number) and what is backordered."""

    PARTITION_KEY = PartitionKey("order_id")

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
    status: str | None = None
    holds: list[str] | None = None
    customer_name: str | None = None
    account_id: str | None = None
    ship_to: ShipTo | None = None
    billing_address: Address | None = None
    totals: TotalsView | None = None
    discounts: list[OrderDiscountView] | None = None
    charges: list[ChargeDetail] | None = None
    payments: list[PaymentSummary] | None = None
    backorder_policy: str | None = None
    backorder_of: uuid.UUID | None = None
    backorder_order_id: uuid.UUID | None = None
    attributes: dict[str, str] | None = None
    placed_by: str | None = None


class ProductUpsertedV1(_OrderEvent):
    """A product was created or changed in the catalog."""

    PARTITION_KEY = PartitionKey("sku")

    sku: str
    name: str
    description: str | None = None
    category: str | None = None
    prices: list[Money]
    trackable: bool
    stocked: bool
    backorderable: bool
    active: bool
    on_hand: int
    version: int
    changed_by: str
    changed_at: datetime


class StockAdjustedV1(_OrderEvent):
    """A product's counted stock changed (reservations by orders show in OrderPlacedV1)."""

    PARTITION_KEY = PartitionKey("sku")

    sku: str
    delta: int
    on_hand: int
    reserved: int
    available: int
    reason: str
    adjusted_by: str
    adjusted_at: datetime


class DiscountRuleUpsertedV1(_OrderEvent):
    PARTITION_KEY = PartitionKey("code")

    code: str
    description: str
    level: str
    kind: str
    value: Amount
    currency: str | None = None
    sku: str | None = None
    min_quantity: int = 1
    min_subtotal: Amount | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    active: bool
    version: int
    changed_by: str
    changed_at: datetime


class CouponUpsertedV1(_OrderEvent):
    PARTITION_KEY = PartitionKey("code")

    code: str
    description: str
    kind: str
    value: Amount
    currency: str | None = None
    min_subtotal: Amount | None = None
    valid_from: datetime
    valid_to: datetime
    max_uses: int | None = None
    once_per_customer: bool
    active: bool
    version: int
    changed_by: str
    changed_at: datetime


class OrderUpdatedV1(_OrderEvent):
    """A cart or order changed: a new version was made (ORD-11). ``change`` says what (``created``,
    ``line_added``, ``shipping_set``, ``payment_declined``, ``resubmitted``...). Not e-mailed; a
    submit emits OrderPlacedV1, a change after submit (SRV-10) OrderChangedV1."""

    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str | None = None
    customer_id: uuid.UUID
    version: int
    status: str
    holds: list[str] = Field(default_factory=list)
    change: str
    reason: str
    changed_by: str
    changed_at: datetime
    currency: str
    total: Amount
    lines: list[OrderLineView] = Field(default_factory=list)
    payments: list[PaymentSummary] = Field(default_factory=list)


# --- Events other services rely on ----------------------------------------------------------


# notifications e-mails the customer about them; customers builds order, quote, return and asset
# history from them. Fields may be added (optional); anything else needs a new version.


class OrderChangedV1(_OrderEvent):
    """A submitted order was changed (SRV-10): a new version, repriced."""

    PARTITION_KEY = PartitionKey("order_id")

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
    totals: TotalsView | None = None
    discounts: list[OrderDiscountView] | None = None


class OrderCancelledV1(_OrderEvent):
    """An order was cancelled (status X, SRV-09); its stock is released."""

    PARTITION_KEY = PartitionKey("order_id")

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


class OrderShippedV1(_OrderEvent):
    """Fulfilment shipped some or all lines of an order (SRV-11)."""

    PARTITION_KEY = PartitionKey("order_id")

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


class TrackableItemsFulfilledV1(_OrderEvent):
    """Trackable items were fulfilled: the customers service records them as assets (CUS-14)."""

    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    items: list[FulfilledItem]
    fulfilled_at: datetime
    shipment_id: str | None = Field(
        default=None, description="the shipment (SRV-11): items of two shipments are distinct assets"
    )


class OrderCommentAddedV1(_OrderEvent):
    """A CSR commented on an order (ORD-15); ``visibility == "customer"`` means e-mail it."""

    PARTITION_KEY = PartitionKey("order_id")

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


class QuoteSavedV1(_OrderEvent):
    """A cart was saved as a quote with prices guaranteed until ``expires_at`` (SRV-01)."""

    PARTITION_KEY = PartitionKey("quote_id")

    quote_id: uuid.UUID
    quote_number: str
    customer_id: uuid.UUID
    currency: str
    lines: list[OrderLineView]
    total: Amount
    expires_at: datetime
    saved_at: datetime


class QuoteEmailRequestedV1(_OrderEvent):
    """A CSR asked to e-mail a quote to the customer (SRV-01)."""

    PARTITION_KEY = PartitionKey("quote_id")

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


class ReturnCreatedV1(_OrderEvent):
    """A return was created for shipped lines (SRV-12)."""

    PARTITION_KEY = PartitionKey("order_id")

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


# --- order servicing (SRV-01..SRV-12) ---------------------------------------------------------------


class QuoteConvertedV1(_OrderEvent):
    """A quote was turned into a new cart (SRV-02), with what changed since it was saved."""

    PARTITION_KEY = PartitionKey("quote_id")

    quote_id: uuid.UUID
    quote_number: str
    order_id: uuid.UUID
    customer_id: uuid.UUID
    prices_honoured: bool
    changes: list[QuoteChange]
    converted_by: str
    converted_at: datetime


class OrderReleasedV1(_OrderEvent):
    """The order may be shipped now: submitted, nothing shipped yet or more to ship, and no holds.
    Fulfilment ships only released orders. A later OrderReleasedV1 of the same order (after a change,
    SRV-10) replaces the earlier one; OrderHeldV1 or OrderCancelledV1 withdraws it."""

    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    version: int
    currency: str
    lines: list[OrderLineView]
    ship_to: ShipTo | None = None
    backorder_policy: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    released_at: datetime


class OrderHeldV1(_OrderEvent):
    """A hold was added to a submitted order (``added``): fulfilment must not ship it until it is
    released again (OrderReleasedV1)."""

    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    version: int
    holds: list[str]
    added: list[str]
    reason: str
    held_at: datetime


class OrderLockChangedV1(_OrderEvent):
    """An order's edit lock was taken, released, taken over or handed on with a transferred call."""

    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    change: Literal["locked", "unlocked", "taken_over", "transferred"]
    agent_id: str | None = None
    previous_agent_id: str | None = None
    expires_at: datetime | None = None
    changed_by: str
    changed_at: datetime


class ShipmentDeliveredV1(_OrderEvent):
    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    shipment_id: str
    order_status: str
    delivered_at: datetime


class ReturnUpdatedV1(_OrderEvent):
    """A return was received or refunded (SRV-12)."""

    PARTITION_KEY = PartitionKey("order_id")

    return_id: uuid.UUID
    return_number: str
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    status: str
    currency: str
    refund_amount: Amount
    reference: str | None = None
    changed_by: str
    changed_at: datetime


# --- money after the sale (MNY-01..MNY-04) ---------------------------------------------------------


class PaymentMovementV1(_OrderEvent):
    """Money moved on an order (MNY-01..MNY-04), one event per movement of one payment instruction,
    for finance, fulfilment and the customer's timeline: ``authorize`` at submit (or after a change
    that asks for more), ``capture`` per shipment, ``void`` of what was held and is not needed,
    ``refund`` of what was taken (cancel after capture, return received, price lowered). ``status``
    ``declined``: the provider said no (the order is on the payment hold). ``idempotency_key`` is
    what the provider was asked with: one key, at most one movement of money. ``ledger`` is the
    order's ledger after this movement. ``cause`` says why it moved (contracts/orders/causes.py):
    decide on it, not on ``reason``, which is words for people."""

    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    movement_id: uuid.UUID
    payment_id: uuid.UUID
    kind: Literal["authorize", "capture", "void", "refund"]
    status: Literal["succeeded", "declined"]
    amount: Amount
    currency: str
    method: Literal["card", "invoice", "store_credit"] | None = None
    provider: str
    provider_reference: str | None = None
    authorization_reference: str | None = None
    idempotency_key: str
    reason: str
    decline_reason: str | None = None
    ledger: PaymentLedgerTotals
    occurred_at: datetime
    cause: MoneyCause | None = Field(default=None, description=CAUSE_DESCRIPTION)
