"""Commands, queries and events of the orders service (seeds 000, 001, 002, 003; ORD-*, SRV-*).

Order capture (ORD-01..ORD-15): a catalog with available-to-promise stock kept current by upstream
commands; carts (orders in status ``cart``) built line by line by a CSR or a channel, priced from
the catalog on every change; submit turns a cart into an order with a number the CSR reads to the
customer. Every change to a cart or order makes a new version (``order_versions``) and emits an
event. Money is ``Decimal`` in the order's currency; see docs/orders.md for rounding, discounts,
tax and limits.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, StringConstraints, model_validator

from contracts.common import (
    Address,
    Amount,
    AttributeName,
    AttributeValue,
    CurrencyCode,
    Email,
    LocaleTag,
    LongText,
    Money,
    Name,
    Phone,
    Text,
)
from contracts.envelope import ANY_ROLE, STAFF, STAFF_AND_CHANNELS, Command, Event, Query, Role
from contracts.sealing import SealedSecret
from contracts.topics import ORDERS_COMMANDS, ORDERS_EVENTS, ORDERS_QUERIES

Sku = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Quantity = Annotated[int, Field(ge=1, le=100_000)]
"""Contract bounds of a line quantity; the service applies its own, lower limit (``max_line_quantity``)."""


def _upper(value: str) -> str:
    return value.upper()


Code = Annotated[
    str, StringConstraints(min_length=2, max_length=32, pattern=r"^[A-Za-z0-9_-]+$"), AfterValidator(_upper)
]
"""A coupon or discount-rule code: letters, digits, ``_`` and ``-``; case-insensitive (kept upper-case)."""
Reason = Annotated[Text, StringConstraints(min_length=1)]
AccountId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@:-]+$")]

UPSTREAM = frozenset({Role.SYSTEM, Role.CHANNEL, Role.SUPERVISOR})
"""Catalog and stock are kept current by upstream systems (or a supervisor by hand)."""
PRICING_ADMINS = frozenset({Role.SYSTEM, Role.SUPERVISOR})
PAYMENT_SYSTEMS = frozenset({Role.SYSTEM, Role.CHANNEL})

OrderStatus = Literal["cart", "submitted"]
"""``cart``: being built, editable with cart commands. ``submitted``: an order with a number, sent to
fulfilment. Later issues add quote, cancelled (X), shipped and complete; holds are a separate set."""
HoldReason = Literal["payment"]
"""Why a submitted order may not advance. ``payment``: a payment was declined downstream (ORD-10).
Blocks, suspensions and alerts (SRV-03..05) join this set later."""
BackorderPolicy = Literal["ship_complete", "ship_available", "separate_order"]
ChargeKind = Literal["shipping", "handling"]
DiscountKind = Literal["percent", "amount"]
PaymentStatus = Literal["pending", "authorized", "declined"]


class OrderErrors:
    """Rejection codes specific to the orders service (besides ``contracts.errors``)."""

    UNKNOWN_SKU = "unknown_sku"  # no product with that SKU in the catalog
    PRODUCT_INACTIVE = "product_inactive"  # the product is no longer sold
    CURRENCY_MISMATCH = "currency_mismatch"  # an amount, price or coupon is not in the order's currency
    INSUFFICIENT_STOCK = "insufficient_stock"  # not enough available-to-promise and no backorder allowed
    UNKNOWN_SHIPPING_MODE = "unknown_shipping_mode"
    UNKNOWN_COUPON = "unknown_coupon"
    COUPON_EXPIRED = "coupon_expired"
    COUPON_NOT_YET_VALID = "coupon_not_yet_valid"
    COUPON_USED_UP = "coupon_used_up"  # its usage limit is reached
    COUPON_ALREADY_USED = "coupon_already_used"  # once per customer, and this customer used it
    INVALID_CARD_NUMBER = "invalid_card_number"  # wrong length, not digits, or checksum (Luhn) fails
    UNSUPPORTED_CARD_BRAND = "unsupported_card_brand"
    CARD_EXPIRED = "card_expired"
    INVOICE_REQUIRES_ACCOUNT = "invoice_requires_account"  # invoice is for account (business) customers
    INCOMPLETE_ORDER = "incomplete_order"  # submit: field_errors lists every check that failed


ORDER_ERROR_DESCRIPTIONS: dict[str, str] = {
    OrderErrors.UNKNOWN_SKU: "No product with that SKU is in the catalog.",
    OrderErrors.PRODUCT_INACTIVE: "The product is no longer sold.",
    OrderErrors.CURRENCY_MISMATCH: "An amount, price or coupon is not in the order's currency.",
    OrderErrors.INSUFFICIENT_STOCK: "Not enough stock is available and no backorder choice allows the rest.",
    OrderErrors.UNKNOWN_SHIPPING_MODE: "No shipping mode with that code is offered in the order's currency.",
    OrderErrors.UNKNOWN_COUPON: "No active coupon has that code.",
    OrderErrors.COUPON_EXPIRED: "The coupon's validity ended.",
    OrderErrors.COUPON_NOT_YET_VALID: "The coupon's validity has not started.",
    OrderErrors.COUPON_USED_UP: "The coupon reached its usage limit.",
    OrderErrors.COUPON_ALREADY_USED: "The coupon may be used once per customer, and this customer has used it.",
    OrderErrors.INVALID_CARD_NUMBER: "The card number is not a valid card number (length or checksum).",
    OrderErrors.UNSUPPORTED_CARD_BRAND: "Cards of that brand are not accepted.",
    OrderErrors.CARD_EXPIRED: "The card expired.",
    OrderErrors.INVOICE_REQUIRES_ACCOUNT: "Paying by invoice needs an account (business) customer.",
    OrderErrors.INCOMPLETE_ORDER: "The order cannot be submitted; field_errors lists what is missing or wrong.",
}


class _OrderCommand(Command):
    TOPIC = ORDERS_COMMANDS


class _OrderQuery(Query):
    TOPIC = ORDERS_QUERIES


class _OrderEvent(Event):
    TOPIC = ORDERS_EVENTS


def _model(frozen: bool = True) -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=frozen)


# --- shared value types ---------------------------------------------------------------------


class ShipTo(BaseModel):
    """Where an order (or a line) goes and how; carried by events for fulfilment.

    ``source_address_id`` names the customer's address-book entry it was copied from, if any."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: Address
    shipping_mode: str | None = None
    source_address_id: uuid.UUID | None = None


# --- catalog and stock (ORD-01) -------------------------------------------------------------


class ProductResult(BaseModel):
    model_config = _model()

    sku: str
    version: int
    created: bool


class UpsertProductV1(_OrderCommand):
    """Create or update a catalog product (ORD-01): name, description, a price per currency, whether
    it is trackable (fulfilled items become the customer's assets) and whether its stock is counted.

    ``on_hand``, when given, sets the counted stock (an upstream stock feed or the seed); deltas go
    through :class:`AdjustStockV1`."""

    ALLOWED_ROLES = UPSTREAM
    RESULT = ProductResult

    sku: Sku
    name: Name
    description: LongText | None = None
    category: Text | None = None
    prices: list[Money] = Field(min_length=1, max_length=20)
    trackable: bool = False
    stocked: bool = Field(default=True, description="False: always available (services, gift cards)")
    backorderable: bool = Field(default=True, description="False: never sold beyond the stock available")
    active: bool = True
    on_hand: int | None = Field(default=None, ge=0, le=10_000_000)

    @model_validator(mode="after")
    def _one_non_negative_price_per_currency(self) -> UpsertProductV1:
        currencies = [p.currency for p in self.prices]
        if len(set(currencies)) != len(currencies):
            raise ValueError("at most one price per currency")
        if any(p.amount < 0 for p in self.prices):
            raise ValueError("prices must not be negative")
        return self

    def partition_key(self) -> str:
        return self.sku


class StockResult(BaseModel):
    model_config = _model()

    sku: str
    on_hand: int
    reserved: int
    available: int


class AdjustStockV1(_OrderCommand):
    """Add to or take from a product's counted stock (goods received, a recount, damage)."""

    ALLOWED_ROLES = UPSTREAM
    RESULT = StockResult

    sku: Sku
    delta: int = Field(ge=-10_000_000, le=10_000_000)
    reason: Reason

    @model_validator(mode="after")
    def _not_zero(self) -> AdjustStockV1:
        if self.delta == 0:
            raise ValueError("delta must not be zero")
        return self

    def partition_key(self) -> str:
        return self.sku


class RuleResult(BaseModel):
    model_config = _model()

    code: str
    version: int


class UpsertDiscountRuleV1(_OrderCommand):
    """A predefined discount, applied automatically while pricing (ORD-05).

    ``level == "line"``: off each matching line (``sku`` or every product), when its quantity is at
    least ``min_quantity``; a percentage of the line, or an amount per unit. ``level == "order"``:
    off the subtotal once it reaches ``min_subtotal``. Amounts and thresholds are in ``currency``
    and apply only to orders in it."""

    ALLOWED_ROLES = PRICING_ADMINS
    RESULT = RuleResult

    code: Code
    description: Text
    level: Literal["line", "order"]
    kind: DiscountKind
    value: Amount = Field(gt=0)
    currency: CurrencyCode | None = None
    sku: Sku | None = None
    min_quantity: int = Field(default=1, ge=1, le=100_000)
    min_subtotal: Amount | None = Field(default=None, ge=0)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> UpsertDiscountRuleV1:
        _check_discount(self.kind, self.value, self.currency, self.min_subtotal)
        if self.level == "order" and (self.sku or self.min_quantity != 1):
            raise ValueError("an order-level rule has no sku or min_quantity")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    def partition_key(self) -> str:
        return self.code


def _check_discount(kind: str, value: Decimal, currency: str | None, min_subtotal: Decimal | None) -> None:
    if kind == "percent" and value > 100:
        raise ValueError("a percentage is at most 100")
    if kind == "amount" and currency is None:
        raise ValueError("an amount needs its currency")
    if min_subtotal is not None and currency is None:
        raise ValueError("a minimum subtotal needs its currency")


class CouponResult(BaseModel):
    model_config = _model()

    code: str
    version: int
    uses: int


class UpsertCouponV1(_OrderCommand):
    """A coupon the customer can redeem (ORD-05): a percentage or an amount off the subtotal, valid
    between two dates, with an optional usage limit and at most one use per customer if set."""

    ALLOWED_ROLES = PRICING_ADMINS
    RESULT = CouponResult

    code: Code
    description: Text
    kind: DiscountKind
    value: Amount = Field(gt=0)
    currency: CurrencyCode | None = None
    min_subtotal: Amount | None = Field(default=None, ge=0)
    valid_from: datetime
    valid_to: datetime
    max_uses: int | None = Field(default=None, ge=1)
    once_per_customer: bool = False
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> UpsertCouponV1:
        _check_discount(self.kind, self.value, self.currency, self.min_subtotal)
        if self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    def partition_key(self) -> str:
        return self.code


# --- carts and orders: commands (ORD-02..ORD-11, ORD-14, ORD-15) ------------------------------


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


class CreateCartV1(_OrderCommand):
    """Start a cart for a registered customer (``customer_id``) or a guest (ORD-02).

    A guest cart without ``customer_id`` gets a new guest customer id (returned). Orders never asks
    the customers service: the names and e-mail given here are what find and e-mails use (they are
    also kept current from the customers service's events). ``account_id`` marks a business
    customer, who may pay by invoice."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = OrderChangeResult

    order_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    customer_id: uuid.UUID | None = None
    guest: bool = False
    account_id: AccountId | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    language: LocaleTag | None = None
    currency: CurrencyCode
    label: Text | None = None

    def partition_key(self) -> str:
        return str(self.order_id)


class _OrderEdit(_OrderCommand):
    """A change to one cart or order. ``expected_version``, when given, must be the current version,
    or the command is rejected with ``stale_version`` (someone else changed it meanwhile)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT: ClassVar[type[BaseModel] | None] = OrderChangeResult

    order_id: uuid.UUID
    expected_version: int | None = Field(default=None, ge=1)

    def partition_key(self) -> str:
        return str(self.order_id)


class AddCartLineV1(_OrderEdit):
    """Add a product to a cart at its current catalog price; ``ship_to`` sends this line elsewhere
    than the order's shipping address."""

    sku: Sku
    quantity: Quantity
    ship_to: ShipTo | None = None


class ChangeCartLineV1(_OrderEdit):
    """Change a line's quantity or its own shipping address (``clear_ship_to``: back to the order's)."""

    line_no: int = Field(ge=1)
    quantity: Quantity | None = None
    ship_to: ShipTo | None = None
    clear_ship_to: bool = False


class RemoveCartLineV1(_OrderEdit):
    line_no: int = Field(ge=1)


class SetShippingV1(_OrderEdit):
    """Set the shipping address and mode of the order, or of the lines named in ``line_nos`` (ORD-03).
    Without a mode, the order keeps its mode (or gets the default one)."""

    ship_to: ShipTo
    line_nos: list[int] | None = Field(default=None, min_length=1, max_length=200)


class SetBillingAddressV1(_OrderEdit):
    """Set the billing address: entered, or copied from the customer's address book (its id kept)."""

    address: Address
    source_address_id: uuid.UUID | None = None


class SetBackorderPolicyV1(_OrderEdit):
    """What to do with quantities not available at submit (ORD-04): ship everything together when it
    is all there; ship what is available and backorder the rest; or move the rest to a separate order."""

    policy: BackorderPolicy


class ApplyCouponV1(_OrderEdit):
    code: Code


class RemoveCouponV1(_OrderEdit):
    code: Code


class OverrideChargeV1(_OrderEdit):
    """A CSR overrides the shipping or handling charge (ORD-06); ``amount`` None restores the
    calculated charge. Reductions beyond the actor's configured limit are rejected."""

    ALLOWED_ROLES = STAFF
    charge: ChargeKind
    amount: Money | None
    reason: Reason


class AdjustSubtotalV1(_OrderEdit):
    """A CSR subtracts an amount from the subtotal (ORD-06); zero removes the adjustment. Beyond the
    actor's configured limit (an amount and a percentage of the subtotal) it is rejected."""

    ALLOWED_ROLES = STAFF
    amount: Money
    reason: Reason


class SetOrderAttributesV1(_OrderEdit):
    """Set or remove order-level attributes (ORD-07): gift message, delivery instructions, ..."""

    set: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=50)
    remove: list[AttributeName] = Field(default_factory=list, max_length=50)


class CardPaymentInput(BaseModel):
    """A card. The number is sealed by the channel (``contracts.sealing``); the service validates it
    (checksum, brand, expiry) and keeps only a token, the brand, the last four digits and the expiry."""

    model_config = _model()

    method: Literal["card"]
    card_number: SealedSecret
    expiry_month: int = Field(ge=1, le=12)
    expiry_year: int = Field(ge=2000, le=2100)
    holder_name: Name
    amount: Money | None = Field(default=None, description="None: whatever the other instructions leave")


class InvoicePaymentInput(BaseModel):
    """Pay on invoice against a purchase order: for account (business) customers."""

    model_config = _model()

    method: Literal["invoice"]
    purchase_order: Text | None = None
    amount: Money | None = Field(default=None, description="None: whatever the other instructions leave")


PaymentInput = Annotated[CardPaymentInput | InvoicePaymentInput, Field(discriminator="method")]


class AddPaymentInstructionV1(_OrderEdit):
    """Add how the customer pays (ORD-08). Several instructions may share the total; at most one
    leaves its amount open (it takes the rest). Allowed on a cart, and on an order on payment hold."""

    payment: PaymentInput


class RemovePaymentInstructionV1(_OrderEdit):
    payment_id: uuid.UUID


class SaveCartV1(_OrderEdit):
    """Save the cart to resume it later (ORD-02); find it again with FindOrdersV1(status="cart")."""

    label: Text | None = None


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


class SubmitOrderV1(_OrderEdit):
    """Submit a cart (ORD-09), or re-submit an order on payment hold after its payment instructions
    were updated (ORD-10). Every check runs; a rejection (``incomplete_order``) lists in field_errors
    everything missing or wrong. Stock is reserved, coupons redeemed and an order number assigned."""

    RESULT = SubmitResult


class RecordPaymentResultV1(_OrderEdit):
    """A downstream payment system reports what happened to one payment instruction (ORD-10).
    ``declined`` puts the order on payment hold until the CSR updates payments and re-submits."""

    ALLOWED_ROLES = PAYMENT_SYSTEMS
    payment_id: uuid.UUID
    outcome: Literal["authorized", "declined"]
    reason: Text | None = None
    reference: Text | None = None


class AddOrderCommentV1(_OrderEdit):
    """A comment on a cart or order (ORD-15): ``internal`` for colleagues, or ``customer`` to e-mail
    it to the customer (notifications sends it on OrderCommentAddedV1). Comments do not make a new
    order version."""

    ALLOWED_ROLES = STAFF
    text: Annotated[LongText, StringConstraints(min_length=1)]
    visibility: Literal["internal", "customer"] = "internal"


class CloneChange(BaseModel):
    """What is different in the clone from the order it was copied from (ORD-14)."""

    model_config = _model()

    line_no: int | None
    sku: str
    kind: Literal["price_changed", "unavailable", "dropped"]
    old_unit_price: Amount | None = None
    new_unit_price: Amount | None = None
    message: str


class CloneResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    customer_id: uuid.UUID
    version: int
    currency: str
    total: Amount
    changes: list[CloneChange]


class CloneOrderV1(_OrderCommand):
    """Copy an order into a new cart at current prices (ORD-14): same customer, lines, shipping,
    billing and attributes; no payments or coupons. The reply lists every price that changed and
    every product that is no longer sold."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CloneResult

    source_order_id: uuid.UUID
    order_id: uuid.UUID = Field(default_factory=uuid.uuid4)

    def partition_key(self) -> str:
        return str(self.order_id)


class OrderLineInput(BaseModel):
    model_config = _model()

    sku: Sku
    quantity: Quantity
    ship_to: ShipTo | None = None


class PlaceOrderV2(_OrderCommand):
    """A channel places a complete order in one command: lines priced from the catalog, shipping,
    billing, payment (a sealed card or an invoice), coupons. The same checks as a CSR's submit
    (ORD-09) run; the reply carries the order number. ``backorder_policy`` defaults to shipping what
    is available and backordering the rest."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = SubmitResult

    order_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    customer_id: uuid.UUID | None = None
    guest: bool = False
    account_id: AccountId | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    language: LocaleTag | None = None
    currency: CurrencyCode
    lines: list[OrderLineInput] = Field(min_length=1, max_length=200)
    ship_to: ShipTo | None = None
    billing_address: Address | None = None
    payments: list[PaymentInput] = Field(min_length=1, max_length=5)
    coupons: list[Code] = Field(default_factory=list, max_length=5)
    backorder_policy: BackorderPolicy = "ship_available"
    attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=50)

    def partition_key(self) -> str:
        return str(self.order_id)


# --- views: what queries return and versions keep -------------------------------------------


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
    method: Literal["card", "invoice"]
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


# --- queries --------------------------------------------------------------------------------

Page = Annotated[int, Field(ge=1, le=10_000)]
PageSize = Annotated[int, Field(ge=1, le=100)]


class GetCatalogProductV1(_OrderQuery):
    ALLOWED_ROLES = ANY_ROLE
    RESULT = ProductView

    sku: Sku


class SearchCatalogV1(_OrderQuery):
    """Find products while gathering what the customer wants (ORD-01): words in the SKU, name or
    description (partial, case-insensitive), a category, only those priced in a currency or in stock."""

    ALLOWED_ROLES = ANY_ROLE
    RESULT = CatalogPage

    text: Text | None = None
    category: Text | None = None
    currency: CurrencyCode | None = None
    in_stock_only: bool = False
    include_inactive: bool = False
    page: Page = 1
    page_size: PageSize = 20


class ListShippingModesV1(_OrderQuery):
    ALLOWED_ROLES = ANY_ROLE
    RESULT = ShippingModes

    currency: CurrencyCode | None = None


class GetOrderV1(_OrderQuery):
    """View a cart or order by id or by order number (ORD-13)."""

    RESULT = OrderDetails

    order_id: uuid.UUID | None = None
    order_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{2,20}$")] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> GetOrderV1:
        if (self.order_id is None) == (self.order_number is None):
            raise ValueError("give either order_id or order_number")
        return self


class GetOrderVersionV1(_OrderQuery):
    """A previous version of an order, as it was (ORD-11)."""

    RESULT = OrderVersionView

    order_id: uuid.UUID
    version: int = Field(ge=1)


class DiffOrderVersionsV1(_OrderQuery):
    """What changed between two versions of an order (ORD-11): lines, prices, charges, addresses,
    payments, attributes."""

    RESULT = VersionDiff

    order_id: uuid.UUID
    from_version: int = Field(ge=1)
    to_version: int = Field(ge=1)


class FindOrdersV1(_OrderQuery):
    """Find carts and orders (ORD-12): every criterion given must match (partial, case-insensitive
    names). Newest change first, paged."""

    RESULT = OrderPage

    order_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
    status: Text | None = None
    hold: Text | None = None
    customer_name: Text | None = None
    customer_id: uuid.UUID | None = None
    ship_to_name: Text | None = None
    page: Page = 1
    page_size: PageSize = 20


# --- placing orders in one command, and the event of a submitted order -------------------------


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
    """A channel places a complete order in one step (the minimal order path): the channel's own
    prices, no stock, shipping or payment. PlaceOrderV2 is the complete path."""

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


class OrderPlacedV1(_OrderEvent):
    """An order was submitted for fulfilment (ORD-09): everything downstream needs to ship it.

    Optional fields carry the complete order of a cart submit or PlaceOrderV2: where it goes, the
    charges, how it is paid (brand and last four, never the card number) and what is backordered."""

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

    def partition_key(self) -> str:
        return str(self.order_id)


# --- events of order capture ------------------------------------------------------------------


class ProductUpsertedV1(_OrderEvent):
    """A product was created or changed in the catalog."""

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

    def partition_key(self) -> str:
        return self.sku


class StockAdjustedV1(_OrderEvent):
    """A product's counted stock changed (reservations by orders show in OrderPlacedV1)."""

    sku: str
    delta: int
    on_hand: int
    reserved: int
    available: int
    reason: str
    adjusted_by: str
    adjusted_at: datetime

    def partition_key(self) -> str:
        return self.sku


class DiscountRuleUpsertedV1(_OrderEvent):
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

    def partition_key(self) -> str:
        return self.code


class CouponUpsertedV1(_OrderEvent):
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

    def partition_key(self) -> str:
        return self.code


class OrderUpdatedV1(_OrderEvent):
    """A cart or order changed: a new version was made (ORD-11). ``change`` says what (``created``,
    ``line_added``, ``shipping_set``, ``payment_declined``, ``resubmitted``...). Not e-mailed; a
    submit emits OrderPlacedV1, a change after submit (SRV-10) OrderChangedV1."""

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
