"""Claims (MNY-06): a lost or damaged line reshipped at no charge or refunded, without a return."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from contracts.common import Amount, Text
from contracts.envelope import STAFF, Event, PartitionKey
from contracts.orders.after_sale import ClaimReason, ClaimResolution, ClaimView
from contracts.orders.commands import _OrderEdit
from contracts.orders.values import LineNo, OrderLineInput, Quantity, ReturnLineInput, ShipTo, _model
from contracts.topics import ORDERS_EVENTS


class ClaimResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    order_number: str
    claim_id: uuid.UUID
    version: int
    line_no: int
    quantity: int
    resolution: ClaimResolution
    currency: str
    refund_amount: Amount = Field(description="what the claimed units cost the customer (refund claims)")
    refunded: Amount = Field(description="what the payment provider gave back now, as the ledger records it")


class FileClaimV1(_OrderEdit):
    """Units of a shipped line were lost or arrived damaged (MNY-06): ``reship`` asks fulfilment for a
    zero-priced replacement shipment (ReshipmentRequestedV1); ``refund`` gives back what the units
    cost through the payment provider. At most what shipped and is not yet returned or claimed
    (``claim_exceeds_shipped``)."""

    ALLOWED_ROLES = STAFF
    RESULT = ClaimResult

    claim_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    line_no: LineNo
    quantity: Quantity
    reason: ClaimReason
    resolution: ClaimResolution
    note: Text | None = None


class ClaimFiledV1(Event):
    TOPIC = ORDERS_EVENTS
    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    version: int
    currency: str
    claim: ClaimView
    refunded: Amount = Decimal(0)


class ReshipLine(BaseModel):
    model_config = _model()

    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Amount = Decimal(0)


class ReshipmentRequestedV1(Event):
    """Fulfilment is asked to ship replacement units at no charge (a reship claim, MNY-06). The
    shipment request id is the claim's id: a fulfilment system ships it once."""

    TOPIC = ORDERS_EVENTS
    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    claim_id: uuid.UUID
    currency: str
    lines: list[ReshipLine]
    ship_to: ShipTo | None = None
    requested_at: datetime


# --- exchanges (MNY-05) ----------------------------------------------------------------------------


class ExchangeResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    order_number: str
    version: int
    status: str
    holds: list[str] = Field(default_factory=list)
    return_id: uuid.UUID
    return_number: str
    currency: str
    return_credit: Amount = Field(description="what the returned units cost the customer")
    new_items_total: Amount = Field(description="what the order's total grew by with the new items")
    amount_due: Amount = Field(description="new items total - return credit: positive collected, negative refunded")


class ExchangeItemsV1(_OrderEdit):
    """A return and new items in one step (MNY-05): the return order is created as with
    CreateReturnV1 and the new items are added to the order at today's prices (released to
    fulfilment as usual); the difference is settled at once through the payment ledger: collected
    (a further authorization, captured when the new items ship) or refunded. Receiving the
    exchange's return later refunds nothing more."""

    ALLOWED_ROLES = STAFF
    RESULT = ExchangeResult

    return_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    return_lines: list[ReturnLineInput] = Field(min_length=1, max_length=200)
    add_lines: list[OrderLineInput] = Field(min_length=1, max_length=200)
    note: Text | None = None


class ExchangeCreatedV1(Event):
    TOPIC = ORDERS_EVENTS
    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    version: int
    return_id: uuid.UUID
    return_number: str
    currency: str
    new_line_nos: list[int]
    return_credit: Amount
    new_items_total: Amount
    amount_due: Amount
    created_by: str
    created_at: datetime
