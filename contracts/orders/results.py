"""What an accepted command of the orders service answers (a reply's ``result``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Amount
from contracts.orders.values import _model
from contracts.orders.views import AlertView, CloneChange, PaymentSummary, QuoteChange, ReturnLineView

# --- catalog and stock (ORD-01) -------------------------------------------------------------


class ProductResult(BaseModel):
    model_config = _model()

    sku: str
    version: int
    created: bool


class StockResult(BaseModel):
    model_config = _model()

    sku: str
    on_hand: int
    reserved: int
    available: int


class RuleResult(BaseModel):
    model_config = _model()

    code: str
    version: int


class CouponResult(BaseModel):
    model_config = _model()

    code: str
    version: int
    uses: int


# --- carts and orders (ORD-02..ORD-11, ORD-14, ORD-15) ----------------------------------------


class OrderChangeResult(BaseModel):
    """The reply to a change of a cart or order: its new version and totals, and what to tell the
    customer (``warnings``: e.g. a quantity that would be backordered)."""

    model_config = _model()

    order_id: uuid.UUID
    customer_id: uuid.UUID
    version: int
    status: str
    holds: list[str] = Field(default_factory=list)
    currency: str
    total: Amount
    line_no: int | None = None
    payment_id: uuid.UUID | None = None
    comment_id: uuid.UUID | None = None
    warnings: list[str] = Field(default_factory=list)
    alerts: list[AlertView] = Field(default_factory=list, description="the order's alerts nobody cleared (SRV-05)")


class SubmitResult(BaseModel):
    """The reply to a submit: the order number to read to the customer, and where backorders went."""

    model_config = _model()

    order_id: uuid.UUID
    order_number: str
    version: int
    status: str
    holds: list[str] = Field(default_factory=list)
    currency: str
    total: Amount
    backordered: dict[int, int] = Field(default_factory=dict, description="line number -> quantity backordered")
    backorder_order_id: uuid.UUID | None = None
    backorder_order_number: str | None = None


class CloneResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    customer_id: uuid.UUID
    version: int
    currency: str
    total: Amount
    changes: list[CloneChange]


# --- placing orders in one command ----------------------------------------------------------


class OrderPlacedResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: uuid.UUID
    order_number: str
    version: int


# --- order servicing (SRV-01..SRV-12) ---------------------------------------------------------------


# quotes (SRV-01, SRV-02)


class QuoteResult(BaseModel):
    model_config = _model()

    quote_id: uuid.UUID
    quote_number: str
    customer_id: uuid.UUID
    version: int
    status: str
    currency: str
    total: Amount
    expires_at: datetime


class QuoteEmailResult(BaseModel):
    model_config = _model()

    quote_id: uuid.UUID
    quote_number: str
    email: str


class ConvertQuoteResult(BaseModel):
    """A new cart from a quote (SRV-02). ``changes`` lists every product and price change since the
    quote was saved; ``prices_honoured`` says whether the quoted prices were kept."""

    model_config = _model()

    order_id: uuid.UUID
    quote_id: uuid.UUID
    quote_number: str
    customer_id: uuid.UUID
    version: int
    currency: str
    quoted_total: Amount
    total: Amount
    prices_honoured: bool
    changes: list[QuoteChange]
    payments: list[PaymentSummary] = Field(
        default_factory=list,
        description="The quote's payment instructions, carried over to the cart (a declined one is not)",
    )


# edit locks (SRV-06)


class LockResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    locked: bool
    agent_id: str | None = None
    acquired_at: datetime | None = None
    expires_at: datetime | None = None
    previous_agent_id: str | None = None


# cancel and change after submit (SRV-09, SRV-10)


class CancelResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    order_number: str
    version: int
    status: str
    currency: str
    refund_amount: Amount
    released_units: int


class ChangeOrderResult(BaseModel):
    """The reply to a change after submit (SRV-10): the new total and what to collect (positive) or
    refund (negative)."""

    model_config = _model()

    order_id: uuid.UUID
    order_number: str
    version: int
    status: str
    holds: list[str]
    currency: str
    previous_total: Amount
    total: Amount
    amount_due: Amount
    warnings: list[str] = Field(default_factory=list)
    alerts: list[AlertView] = Field(default_factory=list)


class ShipmentResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    order_number: str
    shipment_id: str
    version: int
    status: str


class ReturnResult(BaseModel):
    model_config = _model()

    return_id: uuid.UUID
    return_number: str
    order_id: uuid.UUID
    order_number: str
    status: str
    currency: str
    refund_amount: Amount
    lines: list[ReturnLineView]
    exchange: bool = False
