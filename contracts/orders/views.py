"""What queries and events show of orders, quotes, returns, the catalog and shipping modes."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from contracts.common import MAX_INT, Address, Amount, Money, Name
from contracts.orders.after_sale import ClaimView, TypedHoldView
from contracts.orders.values import BackorderPolicy, ChargeKind, PaymentStatus, Quantity, ShipTo, _model

# --- carts and orders (ORD-02..ORD-11, ORD-14, ORD-15) ----------------------------------------


class CloneChange(BaseModel):
    """What is different in the clone from the order it was copied from (ORD-14)."""

    model_config = _model()

    line_no: int | None
    sku: str
    kind: Literal["price_changed", "unavailable", "dropped"]
    old_unit_price: Amount | None = None
    new_unit_price: Amount | None = None
    message: str


class ProductView(BaseModel):
    model_config = _model()

    sku: str
    name: str
    description: str | None
    category: str | None
    prices: list[Money]
    trackable: bool
    stocked: bool
    backorderable: bool
    active: bool
    on_hand: int
    reserved: int
    available: int = Field(description="available to promise: on hand minus reserved (never below zero)")
    version: int
    updated_at: datetime


class OrderLineDetail(BaseModel):
    """One line as priced: ``subtotal`` = unit price x quantity; ``net`` = subtotal - line discount;
    ``total`` = net - its share of order-level discounts + tax."""

    model_config = _model()

    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Amount
    subtotal: Amount
    discount: Amount = Decimal(0)
    discount_code: str | None = None
    net: Amount
    order_discount: Amount = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    tax: Amount = Decimal(0)
    total: Amount
    ship_to: ShipTo | None = None
    trackable: bool = False
    available: int | None = Field(default=None, description="available to promise when last priced")
    reserved_quantity: int = 0
    backordered_quantity: int = 0
    guaranteed_price: Amount | None = Field(
        default=None, description="a quote's unit price honoured on this line of a converted cart (SRV-02)"
    )
    shipped_quantity: int = 0
    returned_quantity: int = 0


class OrderDiscountView(BaseModel):
    """An order-level discount: a predefined rule, a coupon or a CSR's subtotal adjustment."""

    model_config = _model()

    kind: Literal["rule", "coupon", "adjustment"]
    code: str | None = None
    description: str
    amount: Amount
    note: str | None = None


class ChargeDetail(BaseModel):
    """A shipping or handling charge: as calculated, and as charged (a CSR override, ORD-06)."""

    model_config = _model()

    kind: ChargeKind
    calculated: Amount
    amount: Amount
    overridden: bool = False
    reason: str | None = None
    overridden_by: str | None = None
    overridden_at: datetime | None = None


class SubtotalAdjustment(BaseModel):
    model_config = _model()

    amount: Amount
    reason: str
    adjusted_by: str
    adjusted_at: datetime


class ShipmentGroup(BaseModel):
    """Lines that travel together (same address and mode) and the charge calculated for them."""

    model_config = _model()

    ship_to: ShipTo
    line_nos: list[int]
    charge: Amount


class TotalsView(BaseModel):
    """``subtotal`` = merchandise - line discounts; ``total`` = subtotal - discount_total + shipping +
    handling + tax. Every amount is rounded to the cent, so the parts add up to the total."""

    model_config = _model()

    merchandise: Amount = Decimal(0)
    line_discounts: Amount = Decimal(0)
    subtotal: Amount = Decimal(0)
    discount_total: Amount = Decimal(0)
    shipping: Amount = Decimal(0)
    handling: Amount = Decimal(0)
    tax: Amount = Decimal(0)
    total: Amount = Decimal(0)


class PaymentView(BaseModel):
    """A payment instruction as stored: never the card number, only token, brand, last four, expiry."""

    model_config = _model()

    payment_id: uuid.UUID
    method: Literal["card", "invoice", "store_credit"]
    requested_amount: Amount | None = None
    amount: Amount = Decimal(0)
    brand: str | None = None
    last4: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None
    holder_name: str | None = None
    token: str | None = None
    purchase_order: str | None = None
    status: PaymentStatus = "pending"
    result_reason: str | None = None
    result_reference: str | None = None
    added_by: str
    added_at: datetime


class ActionNote(BaseModel):
    """Who did what to an order and why: a block, a suspension, a cancellation, a void."""

    model_config = _model()

    reason: str
    note: str | None = None
    by: str
    at: datetime


class AlertView(BaseModel):
    """An alert on an order (SRV-05): raised by a system rule (``total_over``, ``address_mismatch``,
    ``order_velocity``) or a CSR's flag (``flag``). Until cleared, a cart cannot be submitted and an
    order is not released to fulfilment. ``key`` says which finding it is, so the same finding is
    never raised twice on one order."""

    model_config = _model()

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


class QuoteChange(BaseModel):
    """What changed in the catalog since a quote was saved (SRV-02): a price (``honoured`` says whether
    the quoted price was kept), a product's name, a product no longer sold (its line is dropped) or not
    available in the quoted quantity."""

    model_config = _model()

    line_no: int | None
    sku: str
    kind: Literal["price_changed", "product_changed", "discontinued", "out_of_stock"]
    quoted_unit_price: Amount | None = None
    current_unit_price: Amount | None = None
    honoured: bool | None = None
    message: str


class ShipmentLineRecord(BaseModel):
    model_config = _model()

    line_no: int
    sku: str
    quantity: int
    serial_numbers: list[str] = Field(default_factory=list)


class ShipmentRecord(BaseModel):
    """A shipment fulfilment reported (SRV-11), and when it was delivered."""

    model_config = _model()

    shipment_id: str
    lines: list[ShipmentLineRecord]
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime
    recorded_by: str
    delivered_at: datetime | None = None


class ChangeSummary(BaseModel):
    """The last change after submit (SRV-10): the total before and after, and the difference to collect
    (positive) or refund (negative)."""

    model_config = _model()

    version: int
    previous_total: Amount
    total: Amount
    amount_due: Amount
    reason: str
    changed_by: str
    changed_at: datetime


class LockView(BaseModel):
    """The edit lock on an order (SRV-06): who works it, until when (each edit extends it)."""

    model_config = _model()

    order_id: uuid.UUID
    agent_id: str
    role: str
    acquired_at: datetime
    expires_at: datetime


class ReturnSummaryView(BaseModel):
    model_config = _model()

    return_id: uuid.UUID
    return_number: str
    status: str
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    customer_name: str | None
    currency: str
    refund_amount: Amount
    line_count: int
    created_at: datetime
    updated_at: datetime


class OrderView(BaseModel):
    """A cart or an order, whole: what GetOrderV1 shows and every version keeps (ORD-11, ORD-13)."""

    model_config = _model()

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
    lines: list[OrderLineDetail] = Field(default_factory=list)
    ship_to: ShipTo | None = None
    billing_address: Address | None = None
    billing_source_address_id: uuid.UUID | None = None
    backorder_policy: BackorderPolicy | None = None
    coupons: list[str] = Field(default_factory=list)
    discounts: list[OrderDiscountView] = Field(default_factory=list)
    charges: list[ChargeDetail] = Field(default_factory=list)
    adjustment: SubtotalAdjustment | None = None
    shipments: list[ShipmentGroup] = Field(default_factory=list)
    totals: TotalsView = Field(default_factory=TotalsView)
    payments: list[PaymentView] = Field(default_factory=list)
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
    # quotes (SRV-01, SRV-02)
    quote_number: str | None = None
    quoted_at: datetime | None = None
    quoted_by: str | None = None
    expires_at: datetime | None = Field(default=None, description="a quote's prices are guaranteed until then")
    converted_to: uuid.UUID | None = None
    quote_id: uuid.UUID | None = Field(default=None, description="the quote this cart was converted from")
    quote_changes: list[QuoteChange] = Field(default_factory=list)
    # CSR controls (SRV-03..SRV-08)
    block: ActionNote | None = None
    suspension: ActionNote | None = None
    alerts: list[AlertView] = Field(default_factory=list)
    released: bool = Field(default=False, description="released to fulfilment (OrderReleasedV1) and not held since")
    notified_holds: list[str] = Field(
        default_factory=list, description="the holds as of the previous version, to tell when one is added"
    )
    assigned_to: str | None = Field(default=None, description="the agent whose pending list holds this cart")
    pending_since: datetime | None = None
    void: ActionNote | None = None
    cancellation: ActionNote | None = None
    last_change: ChangeSummary | None = None
    # fulfilment (SRV-11)
    shipment_records: list[ShipmentRecord] = Field(default_factory=list)
    # money after the sale (MNY-06, MNY-09)
    typed_holds: list[TypedHoldView] = Field(default_factory=list, description="holds the risk rules put on it")
    claims: list[ClaimView] = Field(default_factory=list)


class VersionInfo(BaseModel):
    model_config = _model()

    version: int
    change: str
    reason: str
    changed_by: str
    changed_at: datetime


class CommentView(BaseModel):
    model_config = _model()

    comment_id: uuid.UUID
    text: str
    visibility: Literal["internal", "customer"]
    added_by: str
    added_at: datetime


class OrderDetails(BaseModel):
    """View order (ORD-13): content, status, charges, payments, and the list of its versions."""

    model_config = _model()

    order: OrderView
    versions: list[VersionInfo]
    comments: list[CommentView]
    lock: LockView | None = Field(default=None, description="who works the order now (SRV-06), if anyone")
    returns: list[ReturnSummaryView] = Field(default_factory=list)


class OrderVersionView(BaseModel):
    model_config = _model()

    version: VersionInfo
    order: OrderView


class VersionDifference(BaseModel):
    """One difference between two versions. ``area`` is lines, prices, charges, addresses, payments,
    attributes or order; ``path`` says where (``lines[2].quantity``, ``payments[<id>].status``)."""

    model_config = _model()

    area: str
    path: str
    change: Literal["added", "removed", "changed"]
    before: JsonValue = None
    after: JsonValue = None


class VersionDiff(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    from_version: VersionInfo
    to_version: VersionInfo
    differences: list[VersionDifference]


class OrderSummaryView(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    order_number: str | None
    status: str
    holds: list[str]
    customer_id: uuid.UUID
    customer_name: str | None
    ship_to_name: str | None
    currency: str
    total: Amount
    line_count: int
    label: str | None
    version: int
    updated_at: datetime
    updated_by: str
    submitted_at: datetime | None


class OrderPage(BaseModel):
    model_config = _model()

    items: list[OrderSummaryView]
    total: int
    page: int
    page_size: int


class CatalogPage(BaseModel):
    model_config = _model()

    items: list[ProductView]
    total: int
    page: int
    page_size: int


class ShippingModeCharge(BaseModel):
    model_config = _model()

    currency: str
    base: Amount
    per_item: Amount
    free_over: Amount | None = None


class ShippingModeView(BaseModel):
    model_config = _model()

    code: str
    name: str
    charges: list[ShippingModeCharge]


class ShippingModes(BaseModel):
    model_config = _model()

    modes: list[ShippingModeView]
    default_mode: str


# --- parts of the event of a submitted order -------------------------------------------------


class PlacedLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    quantity: int = Field(ge=1, le=10_000)
    unit_price: Amount = Field(ge=0)
    description: Name | None = None


class OrderLineView(BaseModel):
    """A line as events carry it. ``line_total`` is unit price x quantity less the line's own
    discount; order-level discounts and tax are in the order's totals (and ``tax`` here)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    line_no: int
    sku: str
    description: str | None = None
    quantity: int
    unit_price: Amount
    line_total: Amount
    discount: Amount | None = None
    tax: Amount | None = None
    ship_to: ShipTo | None = None
    trackable: bool | None = None
    reserved_quantity: int | None = None
    backordered_quantity: int | None = None
    shipped_quantity: int | None = None
    returned_quantity: int | None = None


class PaymentSummary(BaseModel):
    """A payment instruction as events carry it: never the card number."""

    model_config = _model()

    payment_id: uuid.UUID
    method: str
    amount: Amount
    brand: str | None = None
    last4: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None
    token: str | None = None
    purchase_order: str | None = None
    status: str = "pending"


# --- parts of events other services rely on -----------------------------------------------


class ShippedLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line_no: int
    sku: str
    description: str | None = None
    quantity: int


class FulfilledItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str
    name: str
    quantity: int
    serial_numbers: list[str] = Field(default_factory=list)


class ReturnLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line_no: int
    sku: str
    quantity: int
    reason: str
    refund_amount: Amount


# --- order servicing (SRV-01..SRV-12) ---------------------------------------------------------------


class QuoteSummaryView(BaseModel):
    model_config = _model()

    quote_id: uuid.UUID
    quote_number: str
    status: Literal["open", "expired", "converted"]
    customer_id: uuid.UUID
    customer_name: str | None
    currency: str
    total: Amount
    line_count: int
    quoted_at: datetime
    quoted_by: str
    expires_at: datetime
    converted_to: uuid.UUID | None = None


class QuotePage(BaseModel):
    model_config = _model()

    items: list[QuoteSummaryView]
    total: int
    page: int
    page_size: int


class PendingOrderView(BaseModel):
    """A row of the pending orders grid (SRV-08)."""

    model_config = _model()

    order_id: uuid.UUID
    last_updated: datetime
    updated_by: str
    customer_id: uuid.UUID
    customer_name: str | None
    line_count: int
    locked: bool
    locked_by: str | None = None
    agent_id: str
    pending_since: datetime | None = None
    currency: str
    total: Amount
    label: str | None = None


class PendingOrdersPage(BaseModel):
    model_config = _model()

    items: list[PendingOrderView]
    total: int
    page: int
    page_size: int


class LineQuantityChange(BaseModel):
    model_config = _model()

    line_no: int = Field(ge=1, le=MAX_INT)
    quantity: Quantity


class ReturnLineView(BaseModel):
    model_config = _model()

    line_no: int
    sku: str
    name: str
    quantity: int
    reason: str
    unit_price: Amount
    refund_amount: Amount


class ReturnStatusChange(BaseModel):
    model_config = _model()

    status: str
    by: str
    at: datetime
    note: str | None = None


class ReturnOrderView(BaseModel):
    """A return as a return order (SRV-12): an order-like document with its own number, the lines
    coming back, where from, the refund and its statuses (``requested`` -> ``received`` ->
    ``refunded``)."""

    model_config = _model()

    return_id: uuid.UUID
    return_number: str
    document_type: Literal["return_order"] = "return_order"
    status: Literal["requested", "received", "refunded"]
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    customer_name: str | None = None
    email: str | None = None
    currency: str
    lines: list[ReturnLineView]
    refund_amount: Amount
    ship_from: ShipTo | None = None
    note: str | None = None
    refund_reference: str | None = None
    exchange: bool = Field(
        default=False, description="part of an exchange (MNY-05): its refund was netted against the new items"
    )
    history: list[ReturnStatusChange]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class ReturnPage(BaseModel):
    model_config = _model()

    items: list[ReturnSummaryView]
    total: int
    page: int
    page_size: int


# --- money after the sale (MNY-01..MNY-04) ---------------------------------------------------------


class PaymentLedgerTotals(BaseModel):
    """An order's payment ledger summed (MNY-04): ``held`` = authorized - captured - voided is reserved
    on the customer's card and not taken; ``paid`` = captured - refunded is taken and not given back."""

    model_config = _model()

    authorized: Amount = Decimal(0)
    captured: Amount = Decimal(0)
    voided: Amount = Decimal(0)
    refunded: Amount = Decimal(0)
    held: Amount = Decimal(0)
    paid: Amount = Decimal(0)
