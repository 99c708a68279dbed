"""The order document as the orders service stores it (``orders.doc``, version 3 of
``order_documents``): its own models, apart from the published ``OrderView``.

The contract may change for its callers; what is already stored may not. So the stored shape is
declared here, with plain types (amounts as ``Decimal``, codes and names as ``str``: the contract
checks them when the order is read back as an ``OrderView``), and mapped to and from the view by
``stored`` and ``view``. ``tests/unit/orders/test_stored_order.py`` fails when the view and the
stored model no longer have the same fields (recursively), so a contract field is never dropped on
save: add it here too, and when the stored shape changes bump ``order_documents.CURRENT`` with an
upcaster.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.orders import OrderView

_STORED = ConfigDict(extra="forbid", frozen=True)
"""A stored document with a field this model lacks was written by another shape: refuse it rather
than lose the field (an older shape is upcast first, see ``order_documents``)."""


class StoredClaimView(BaseModel):
    """``contracts.orders.after_sale.ClaimView`` as stored."""

    model_config = _STORED

    claim_id: uuid.UUID
    line_no: int
    sku: str
    quantity: int
    reason: str
    resolution: str
    refund_amount: Decimal = Decimal(0)
    note: str | None = None
    by: str
    at: datetime


class StoredTypedHoldView(BaseModel):
    """``contracts.orders.after_sale.TypedHoldView`` as stored."""

    model_config = _STORED

    hold_type: str
    key: str
    reason: str
    placed_by: str
    placed_at: datetime
    released: bool = False
    released_by: str | None = None
    released_at: datetime | None = None
    release_note: str | None = None


class StoredShipmentLineRecord(BaseModel):
    """``contracts.orders.views.ShipmentLineRecord`` as stored."""

    model_config = _STORED

    line_no: int
    sku: str
    quantity: int
    serial_numbers: list[str] = Field(default_factory=list)


class StoredShipmentRecord(BaseModel):
    """``contracts.orders.views.ShipmentRecord`` as stored."""

    model_config = _STORED

    shipment_id: str
    lines: list[StoredShipmentLineRecord]
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime
    recorded_by: str
    delivered_at: datetime | None = None


class StoredChangeSummary(BaseModel):
    """``contracts.orders.views.ChangeSummary`` as stored."""

    model_config = _STORED

    version: int
    previous_total: Decimal
    total: Decimal
    amount_due: Decimal
    reason: str
    changed_by: str
    changed_at: datetime


class StoredAlertView(BaseModel):
    """``contracts.orders.views.AlertView`` as stored."""

    model_config = _STORED

    alert_id: uuid.UUID
    source: Literal["system", "csr"]
    rule: str
    key: str
    message: str
    raised_by: str
    raised_at: datetime
    cleared: bool = False
    cleared_by: str | None = None
    cleared_at: datetime | None = None
    clear_note: str | None = None


class StoredActionNote(BaseModel):
    """``contracts.orders.views.ActionNote`` as stored."""

    model_config = _STORED

    reason: str
    note: str | None = None
    by: str
    at: datetime


class StoredQuoteChange(BaseModel):
    """``contracts.orders.views.QuoteChange`` as stored."""

    model_config = _STORED

    line_no: int | None
    sku: str
    kind: Literal["price_changed", "product_changed", "discontinued", "out_of_stock"]
    quoted_unit_price: Decimal | None = None
    current_unit_price: Decimal | None = None
    honoured: bool | None = None
    message: str


class StoredPaymentView(BaseModel):
    """``contracts.orders.views.PaymentView`` as stored."""

    model_config = _STORED

    payment_id: uuid.UUID
    method: Literal["card", "invoice", "store_credit"]
    requested_amount: Decimal | None = None
    amount: Decimal = Decimal(0)
    brand: str | None = None
    last4: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None
    holder_name: str | None = None
    token: str | None = None
    purchase_order: str | None = None
    status: str = "pending"
    result_reason: str | None = None
    result_reference: str | None = None
    added_by: str
    added_at: datetime


class StoredTotalsView(BaseModel):
    """``contracts.orders.views.TotalsView`` as stored."""

    model_config = _STORED

    merchandise: Decimal = Decimal(0)
    line_discounts: Decimal = Decimal(0)
    subtotal: Decimal = Decimal(0)
    discount_total: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    handling: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    total: Decimal = Decimal(0)


class StoredAddress(BaseModel):
    """``contracts.common.Address`` as stored."""

    model_config = _STORED

    nickname: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str
    country: str
    phone: str | None = None


class StoredShipTo(BaseModel):
    """``contracts.orders.values.ShipTo`` as stored."""

    model_config = _STORED

    address: StoredAddress
    shipping_mode: str | None = None
    source_address_id: uuid.UUID | None = None


class StoredShipmentGroup(BaseModel):
    """``contracts.orders.views.ShipmentGroup`` as stored."""

    model_config = _STORED

    ship_to: StoredShipTo
    line_nos: list[int]
    charge: Decimal


class StoredSubtotalAdjustment(BaseModel):
    """``contracts.orders.views.SubtotalAdjustment`` as stored."""

    model_config = _STORED

    amount: Decimal
    reason: str
    adjusted_by: str
    adjusted_at: datetime


class StoredChargeDetail(BaseModel):
    """``contracts.orders.views.ChargeDetail`` as stored."""

    model_config = _STORED

    kind: str
    calculated: Decimal
    amount: Decimal
    overridden: bool = False
    reason: str | None = None
    overridden_by: str | None = None
    overridden_at: datetime | None = None


class StoredOrderDiscountView(BaseModel):
    """``contracts.orders.views.OrderDiscountView`` as stored."""

    model_config = _STORED

    kind: Literal["rule", "coupon", "adjustment"]
    code: str | None = None
    description: str
    amount: Decimal
    note: str | None = None


class StoredOrderLineDetail(BaseModel):
    """``contracts.orders.views.OrderLineDetail`` as stored."""

    model_config = _STORED

    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal = Decimal(0)
    discount_code: str | None = None
    net: Decimal
    order_discount: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    total: Decimal
    ship_to: StoredShipTo | None = None
    trackable: bool = False
    available: int | None = None
    reserved_quantity: int = 0
    backordered_quantity: int = 0
    guaranteed_price: Decimal | None = None
    shipped_quantity: int = 0
    returned_quantity: int = 0


class StoredOrder(BaseModel):
    """``contracts.orders.views.OrderView`` as stored."""

    model_config = _STORED

    order_id: uuid.UUID
    order_number: str | None = None
    status: str
    holds: list[str] = Field(default_factory=list)
    customer_id: uuid.UUID
    guest: bool = False
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    currency: str
    label: str | None = None
    lines: list[StoredOrderLineDetail] = Field(default_factory=list)
    ship_to: StoredShipTo | None = None
    billing_address: StoredAddress | None = None
    billing_source_address_id: uuid.UUID | None = None
    backorder_policy: str | None = None
    coupons: list[str] = Field(default_factory=list)
    discounts: list[StoredOrderDiscountView] = Field(default_factory=list)
    charges: list[StoredChargeDetail] = Field(default_factory=list)
    adjustment: StoredSubtotalAdjustment | None = None
    shipments: list[StoredShipmentGroup] = Field(default_factory=list)
    totals: StoredTotalsView = Field(default_factory=StoredTotalsView)
    payments: list[StoredPaymentView] = Field(default_factory=list)
    attributes: dict[str, str] = Field(default_factory=dict)
    backorder_of: uuid.UUID | None = None
    backorder_order_id: uuid.UUID | None = None
    cloned_from: uuid.UUID | None = None
    last_line_no: int = 0
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    saved_at: datetime | None = None
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    quote_number: str | None = None
    quoted_at: datetime | None = None
    quoted_by: str | None = None
    expires_at: datetime | None = None
    converted_to: uuid.UUID | None = None
    quote_id: uuid.UUID | None = None
    quote_changes: list[StoredQuoteChange] = Field(default_factory=list)
    block: StoredActionNote | None = None
    suspension: StoredActionNote | None = None
    alerts: list[StoredAlertView] = Field(default_factory=list)
    released: bool = False
    notified_holds: list[str] = Field(default_factory=list)
    assigned_to: str | None = None
    pending_since: datetime | None = None
    void: StoredActionNote | None = None
    cancellation: StoredActionNote | None = None
    last_change: StoredChangeSummary | None = None
    shipment_records: list[StoredShipmentRecord] = Field(default_factory=list)
    typed_holds: list[StoredTypedHoldView] = Field(default_factory=list)
    claims: list[StoredClaimView] = Field(default_factory=list)


def stored(order: OrderView) -> StoredOrder:
    """The order as it is stored."""
    return StoredOrder.model_validate(order.model_dump())


def view(doc: StoredOrder) -> OrderView:
    """The stored order as the contract shows it."""
    return OrderView.model_validate(doc.model_dump())
