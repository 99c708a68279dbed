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
    MAX_INT,
    Address,
    Amount,
    AttributeName,
    AttributeValue,
    CurrencyCode,
    Email,
    FreeText,
    LocaleTag,
    LongText,
    Money,
    Name,
    Phone,
    Reference,
    Text,
)
from contracts.envelope import ANY_ROLE, STAFF, STAFF_AND_CHANNELS, SUPERVISOR_ONLY, Command, Event, Query, Role
from contracts.sealing import SealedSecret
from contracts.topics import ORDERS_COMMANDS, ORDERS_EVENTS, ORDERS_QUERIES

Sku = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Quantity = Annotated[int, Field(ge=1, le=100_000)]
LineNo = Annotated[int, Field(ge=1, le=MAX_INT)]
"""Contract bounds of a line quantity; the service applies its own, lower limit (``max_line_quantity``)."""


def _upper(value: str) -> str:
    return value.upper()


Code = Annotated[
    FreeText, StringConstraints(min_length=2, max_length=32, pattern=r"^[A-Za-z0-9_-]+$"), AfterValidator(_upper)
]
"""A coupon or discount-rule code: letters, digits, ``_`` and ``-``; case-insensitive (kept upper-case)."""
Reason = Annotated[Text, StringConstraints(min_length=1)]
AccountId = Annotated[FreeText, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@:-]+$")]

UPSTREAM = frozenset({Role.SYSTEM, Role.CHANNEL, Role.SUPERVISOR})
"""Catalog and stock are kept current by upstream systems (or a supervisor by hand)."""
PRICING_ADMINS = frozenset({Role.SYSTEM, Role.SUPERVISOR})
PAYMENT_SYSTEMS = frozenset({Role.SYSTEM, Role.CHANNEL})
FULFILMENT_SYSTEMS = frozenset({Role.SYSTEM, Role.CHANNEL})
"""Downstream fulfilment reports shipments and deliveries (SRV-11)."""
REFUNDERS = frozenset({Role.SYSTEM, Role.CHANNEL, Role.SUPERVISOR})
AgentId = Annotated[FreeText, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@:-]+$")]
ShipmentId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
ReasonCode = Annotated[FreeText, StringConstraints(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]

OrderStatus = Literal[
    "cart", "quote", "converted", "voided", "submitted", "partially_shipped", "shipped", "complete", "cancelled"
]
"""``cart``: being built, editable with cart commands. ``quote``: a cart saved with guaranteed prices until
it expires (SRV-01); ``converted`` once turned into a new cart (SRV-02). ``voided``: a cart discarded
(SRV-07, SRV-08). ``submitted``: an order with a number; ``partially_shipped``, ``shipped`` and
``complete`` (every shipment delivered) follow fulfilment's reports (SRV-11); ``cancelled`` is status X
(SRV-09). Holds are a separate set; docs/servicing.md draws the whole state machine."""
HoldReason = Literal["payment", "blocked", "suspended", "alerts"]
"""Why a submitted order may not be shipped: a declined payment (ORD-10), a block (SRV-03), a suspension
(SRV-04), uncleared alerts (SRV-05). An order without holds is released to fulfilment (OrderReleasedV1)."""
BlockReason = Literal["fraud", "credit_check", "address_verification", "customer_request", "other"]
BackorderPolicy = Literal["ship_complete", "ship_available", "separate_order"]
ChargeKind = Literal["shipping", "handling"]
DiscountKind = Literal["percent", "amount"]
PaymentStatus = Literal["pending", "authorized", "declined"]


class OrderErrors:
    """Rejection codes specific to the orders service (besides ``contracts.errors``)."""

    UNKNOWN_SKU = "unknown_sku"  # no product with that SKU in the catalog
    PRODUCT_INACTIVE = "product_inactive"  # the product is no longer sold
    CURRENCY_MISMATCH = "currency_mismatch"  # an amount, price or coupon is not in the order's currency
    CURRENCY_NOT_OFFERED = "currency_not_offered"  # the shop does not ship (so does not sell) in that currency
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
    QUOTE_EXPIRED = "quote_expired"  # the quote's guarantee ended; convert with accept_current_prices
    UNCLEARED_ALERTS = "uncleared_alerts"  # submit: field_errors lists the alerts to clear first
    ALREADY_SHIPPED = "already_shipped"  # cancel or change after something (of that line) shipped
    ON_HOLD = "on_hold"  # a shipment reported for an order that is not released (blocked, suspended...)
    UNKNOWN_RETURN_REASON = "unknown_return_reason"  # not one of the configured return reasons
    RETURN_EXCEEDS_SHIPPED = "return_exceeds_shipped"  # more than shipped and not yet returned


ORDER_ERROR_DESCRIPTIONS: dict[str, str] = {
    OrderErrors.UNKNOWN_SKU: "No product with that SKU is in the catalog.",
    OrderErrors.PRODUCT_INACTIVE: "The product is no longer sold.",
    OrderErrors.CURRENCY_MISMATCH: "An amount, price or coupon is not in the order's currency.",
    OrderErrors.CURRENCY_NOT_OFFERED: "The shop does not take orders in that currency (no shipping is offered in it).",
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
    OrderErrors.QUOTE_EXPIRED: "The quote's guaranteed prices expired; convert it accepting current prices.",
    OrderErrors.UNCLEARED_ALERTS: "The order has alerts nobody cleared; field_errors lists them.",
    OrderErrors.ALREADY_SHIPPED: "Something (of the lines concerned) shipped; the order cannot be changed that way.",
    OrderErrors.ON_HOLD: "The order is on hold (not released to fulfilment) and may not ship.",
    OrderErrors.UNKNOWN_RETURN_REASON: "The return reason is not one of the configured return reasons.",
    OrderErrors.RETURN_EXCEEDS_SHIPPED: "More would be returned than was shipped and not yet returned.",
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
    shipping_mode: Text | None = None
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
    max_uses: int | None = Field(default=None, ge=1, le=MAX_INT)
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
    alerts: list[AlertView] = Field(default_factory=list, description="the order's alerts nobody cleared (SRV-05)")


class _NewOrder(_OrderCommand):
    """Starts an order (a cart, or a whole order at once) for a registered customer or a guest:
    who it is for and in which currency, keyed by the new order's id."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS

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

    def partition_key(self) -> str:
        return str(self.order_id)


class CreateCartV1(_NewOrder):
    """Start a cart for a registered customer (``customer_id``) or a guest (ORD-02).

    A guest cart without ``customer_id`` gets a new guest customer id (returned). Orders never asks
    the customers service: the names and e-mail given here are what find and e-mails use (they are
    also kept current from the customers service's events). ``account_id`` marks a business
    customer, who may pay by invoice."""

    RESULT = OrderChangeResult

    label: Text | None = None


class _OrderEdit(_OrderCommand):
    """A change to one cart or order. ``expected_version``, when given, must be the current version,
    or the command is rejected with ``stale_version`` (someone else changed it meanwhile)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT: ClassVar[type[BaseModel] | None] = OrderChangeResult

    order_id: uuid.UUID
    expected_version: int | None = Field(default=None, ge=1, le=MAX_INT)

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

    line_no: int = Field(ge=1, le=MAX_INT)
    quantity: Quantity | None = None
    ship_to: ShipTo | None = None
    clear_ship_to: bool = False


class RemoveCartLineV1(_OrderEdit):
    line_no: int = Field(ge=1, le=MAX_INT)


class SetShippingV1(_OrderEdit):
    """Set the shipping address and mode of the order, or of the lines named in ``line_nos`` (ORD-03).
    Without a mode, the order keeps its mode (or gets the default one)."""

    ship_to: ShipTo
    line_nos: list[LineNo] | None = Field(default=None, min_length=1, max_length=200)


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


class PlaceOrderV2(_NewOrder):
    """A channel places a complete order in one command: lines priced from the catalog, shipping,
    billing, payment (a sealed card or an invoice), coupons. The same checks as a CSR's submit
    (ORD-09) run; the reply carries the order number. ``backorder_policy`` defaults to shipping what
    is available and backordering the rest."""

    RESULT = SubmitResult

    lines: list[OrderLineInput] = Field(min_length=1, max_length=200)
    ship_to: ShipTo | None = None
    billing_address: Address | None = None
    payments: list[PaymentInput] = Field(min_length=1, max_length=5)
    coupons: list[Code] = Field(default_factory=list, max_length=5)
    backorder_policy: BackorderPolicy = "ship_available"
    attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=50)


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
    order_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{2,20}$")] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> GetOrderV1:
        if (self.order_id is None) == (self.order_number is None):
            raise ValueError("give either order_id or order_number")
        return self


class GetOrderVersionV1(_OrderQuery):
    """A previous version of an order, as it was (ORD-11)."""

    RESULT = OrderVersionView

    order_id: uuid.UUID
    version: int = Field(ge=1, le=MAX_INT)


class DiffOrderVersionsV1(_OrderQuery):
    """What changed between two versions of an order (ORD-11): lines, prices, charges, addresses,
    payments, attributes."""

    RESULT = VersionDiff

    order_id: uuid.UUID
    from_version: int = Field(ge=1, le=MAX_INT)
    to_version: int = Field(ge=1, le=MAX_INT)


class FindOrdersV1(_OrderQuery):
    """Find carts and orders (ORD-12): every criterion given must match (partial, case-insensitive
    names). Newest change first, paged."""

    RESULT = OrderPage

    order_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
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
    totals: TotalsView | None = None
    discounts: list[OrderDiscountView] | None = None

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
    shipment_id: str | None = Field(
        default=None, description="the shipment (SRV-11): items of two shipments are distinct assets"
    )

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


# --- order servicing (SRV-01..SRV-12) ---------------------------------------------------------------
# docs/servicing.md explains the states, holds, release to fulfilment, locks, alert rules, returns
# and refunds these messages implement.


class _OrderAction(_OrderCommand):
    """A command about one order that does not change its content (locks, e-mails)."""

    ALLOWED_ROLES = STAFF
    order_id: uuid.UUID

    def partition_key(self) -> str:
        return str(self.order_id)


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


class SaveAsQuoteV1(_OrderEdit):
    """Save a cart as a quote (SRV-01): its prices are guaranteed until ``expires_at`` (or for
    ``valid_days``; the service's default when neither is given). The cart becomes the quote, with a
    quote number to read to the customer; it is no longer edited: convert it to order it."""

    RESULT = QuoteResult

    expires_at: datetime | None = None
    valid_days: int | None = Field(default=None, ge=1, le=365)

    @model_validator(mode="after")
    def _one_expiry(self) -> SaveAsQuoteV1:
        if self.expires_at is not None and self.valid_days is not None:
            raise ValueError("give expires_at or valid_days, not both")
        return self


class QuoteEmailResult(BaseModel):
    model_config = _model()

    quote_id: uuid.UUID
    quote_number: str
    email: str


class EmailQuoteV1(_OrderCommand):
    """E-mail a quote to the customer (SRV-01): notifications sends it on QuoteEmailRequestedV1. To the
    quote's e-mail address unless ``email`` is given."""

    ALLOWED_ROLES = STAFF
    RESULT = QuoteEmailResult

    quote_id: uuid.UUID
    email: Email | None = None

    def partition_key(self) -> str:
        return str(self.quote_id)


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


class ConvertQuoteToOrderV1(_OrderCommand):
    """Turn a quote into a new cart to complete and submit (SRV-02). While the quote is valid its
    prices are kept (the lines carry ``guaranteed_price``); an expired quote is refused
    (``quote_expired``) unless ``accept_current_prices`` (then every line is at today's price).
    ``accept_current_prices`` on a valid quote also takes today's prices (when they are lower)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = ConvertQuoteResult

    quote_id: uuid.UUID
    order_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    accept_current_prices: bool = False

    def partition_key(self) -> str:
        return str(self.quote_id)


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


class FindQuotesV1(_OrderQuery):
    """Find quotes (SRV-01): every criterion given must match. ``open``: valid now; ``expired``: its
    guarantee ended; ``converted``: turned into an order. Newest first, paged."""

    RESULT = QuotePage

    quote_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
    customer_id: uuid.UUID | None = None
    customer_name: Text | None = None
    status: Literal["open", "expired", "converted"] | None = None
    page: Page = 1
    page_size: PageSize = 20


class QuoteConvertedV1(_OrderEvent):
    """A quote was turned into a new cart (SRV-02), with what changed since it was saved."""

    quote_id: uuid.UUID
    quote_number: str
    order_id: uuid.UUID
    customer_id: uuid.UUID
    prices_honoured: bool
    changes: list[QuoteChange]
    converted_by: str
    converted_at: datetime

    def partition_key(self) -> str:
        return str(self.quote_id)


# holds: block, suspend, alerts (SRV-03..SRV-05)


class BlockOrderV1(_OrderEdit):
    """Block an order (SRV-03), e.g. for fraud: it is not released to fulfilment until a supervisor
    unblocks it. It can still be changed."""

    ALLOWED_ROLES = STAFF
    reason: BlockReason
    note: Text | None = None


class UnblockOrderV1(_OrderEdit):
    """Only a supervisor unblocks (SRV-03); the note says what the investigation found."""

    ALLOWED_ROLES = SUPERVISOR_ONLY
    note: Reason


class SuspendOrderV1(_OrderEdit):
    """Halt an order's progress while questionable activity is looked into (SRV-04): not released, and
    not changed, until resumed."""

    ALLOWED_ROLES = STAFF
    reason: Reason


class ResumeOrderV1(_OrderEdit):
    ALLOWED_ROLES = STAFF
    note: Text | None = None


class FlagOrderV1(_OrderEdit):
    """A CSR flags an order for review (SRV-05): an alert like the system's, cleared the same way."""

    ALLOWED_ROLES = STAFF
    note: Reason


class ClearAlertsV1(_OrderEdit):
    """Clear the alerts named (all uncleared ones when ``alert_ids`` is not given) once their reasons
    are addressed (SRV-05). Who, when and the note are recorded on each alert."""

    ALLOWED_ROLES = STAFF
    alert_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=50)
    note: Reason


class OrderReleasedV1(_OrderEvent):
    """The order may be shipped now: submitted, nothing shipped yet or more to ship, and no holds.
    Fulfilment ships only released orders. A later OrderReleasedV1 of the same order (after a change,
    SRV-10) replaces the earlier one; OrderHeldV1 or OrderCancelledV1 withdraws it."""

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

    def partition_key(self) -> str:
        return str(self.order_id)


class OrderHeldV1(_OrderEvent):
    """A hold was added to a submitted order (``added``): fulfilment must not ship it until it is
    released again (OrderReleasedV1)."""

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    version: int
    holds: list[str]
    added: list[str]
    reason: str
    held_at: datetime

    def partition_key(self) -> str:
        return str(self.order_id)


# edit locks (SRV-06)


class LockResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    locked: bool
    agent_id: str | None = None
    acquired_at: datetime | None = None
    expires_at: datetime | None = None
    previous_agent_id: str | None = None


class LockOrderV1(_OrderAction):
    """Start working an order (SRV-06): it is locked to this agent until the lock expires (each edit
    extends it). Any staff edit takes the lock too. Another agent's edits are refused (``locked``,
    naming the holder) until it is released, expires or a supervisor takes it over."""

    RESULT = LockResult


class UnlockOrderV1(_OrderAction):
    """Stop working an order: release one's own lock."""

    RESULT = LockResult


class TakeOverLockV1(_OrderAction):
    """A supervisor takes over an order another agent is working (SRV-06)."""

    ALLOWED_ROLES = SUPERVISOR_ONLY
    RESULT = LockResult

    note: Text | None = None


class OrderLockChangedV1(_OrderEvent):
    """An order's edit lock was taken, released, taken over or handed on with a transferred call."""

    order_id: uuid.UUID
    change: Literal["locked", "unlocked", "taken_over", "transferred"]
    agent_id: str | None = None
    previous_agent_id: str | None = None
    expires_at: datetime | None = None
    changed_by: str
    changed_at: datetime

    def partition_key(self) -> str:
        return str(self.order_id)


# call management and the pending orders grid (SRV-07, SRV-08)


class ParkCallV1(_OrderEdit):
    """Park the call (SRV-07): the cart in progress is saved as a pending order on this agent's pending
    list, and the agent's lock is released."""

    ALLOWED_ROLES = STAFF
    note: Text | None = None


class TransferCallV1(_OrderEdit):
    """Transfer the call to another agent (SRV-07): the cart is saved as a pending order assigned to
    ``to_agent_id``; only that agent (or a supervisor) works it from then on."""

    ALLOWED_ROLES = STAFF
    to_agent_id: AgentId
    note: Text | None = None


class VoidCallV1(_OrderEdit):
    """Void the call (SRV-07): the cart in progress is discarded (status ``voided``)."""

    ALLOWED_ROLES = STAFF
    reason: Text | None = None


class VoidOrderV1(_OrderEdit):
    """Void a pending order from the pending orders grid (SRV-08)."""

    ALLOWED_ROLES = STAFF
    reason: Text | None = None


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


class ListPendingOrdersV1(_OrderQuery):
    """The pending orders grid (SRV-08): a CSR sees only their own pending list; a supervisor sees one
    agent's (``agent_id``) or everyone's. Last updated first, paged."""

    ALLOWED_ROLES = STAFF
    RESULT = PendingOrdersPage

    agent_id: AgentId | None = None
    page: Page = 1
    page_size: PageSize = 50


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


class CancelOrderV1(_OrderEdit):
    """Cancel an order (status X, SRV-09) while nothing of it has shipped: its stock is released and
    OrderCancelledV1 tells fulfilment, notifications and customers. The reason is recorded."""

    RESULT = CancelResult
    reason: Reason


class LineQuantityChange(BaseModel):
    model_config = _model()

    line_no: int = Field(ge=1, le=MAX_INT)
    quantity: Quantity


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


class ChangeOrderV1(_OrderEdit):
    """Change a submitted order (SRV-10): add lines (at today's prices), change quantities, remove
    lines, ship it elsewhere, change the billing address, while nothing of the lines concerned has
    shipped. The order is priced again (its lines keep their prices), stock is reserved again, and
    ``amount_due`` says what to collect or refund. A completed order is changed with a new order
    (CloneOrderV1) and a return (CreateReturnV1); docs/servicing.md explains."""

    add_lines: list[OrderLineInput] = Field(default_factory=list, max_length=200)
    change_lines: list[LineQuantityChange] = Field(default_factory=list, max_length=200)
    remove_lines: list[LineNo] = Field(default_factory=list, max_length=200)
    ship_to: ShipTo | None = None
    billing_address: Address | None = None
    reason: Reason

    RESULT = ChangeOrderResult

    @model_validator(mode="after")
    def _something(self) -> ChangeOrderV1:
        if not (self.add_lines or self.change_lines or self.remove_lines or self.ship_to or self.billing_address):
            raise ValueError("nothing to change: give lines to add, change or remove, a ship_to or a billing address")
        return self


# fulfilment feedback (SRV-11)


class ShipmentLineInput(BaseModel):
    model_config = _model()

    line_no: int = Field(ge=1, le=MAX_INT)
    quantity: Quantity
    serial_numbers: list[Reference] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _serials_match(self) -> ShipmentLineInput:
        if self.serial_numbers and len(self.serial_numbers) != self.quantity:
            raise ValueError("give one serial number per unit shipped, or none")
        return self


class ShipmentResult(BaseModel):
    model_config = _model()

    order_id: uuid.UUID
    order_number: str
    shipment_id: str
    version: int
    status: str


class RecordShipmentV1(_OrderEdit):
    """Fulfilment shipped lines of a released order (SRV-11): the order becomes partially shipped or
    shipped; trackable items become the customer's assets (TrackableItemsFulfilledV1). A shipment id is
    recorded once."""

    ALLOWED_ROLES = FULFILMENT_SYSTEMS
    RESULT = ShipmentResult

    shipment_id: ShipmentId
    lines: list[ShipmentLineInput] = Field(min_length=1, max_length=200)
    carrier: Text | None = None
    tracking_number: Reference | None = None
    shipped_at: datetime | None = None


class RecordDeliveryV1(_OrderEdit):
    """A shipment was delivered (SRV-11); when every shipment of a shipped order is delivered, the
    order is complete."""

    ALLOWED_ROLES = FULFILMENT_SYSTEMS
    RESULT = ShipmentResult

    shipment_id: ShipmentId
    delivered_at: datetime | None = None


class ShipmentDeliveredV1(_OrderEvent):
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    shipment_id: str
    order_status: str
    delivered_at: datetime

    def partition_key(self) -> str:
        return str(self.order_id)


# returns and return orders (SRV-12)


class ReturnLineInput(BaseModel):
    model_config = _model()

    line_no: int = Field(ge=1, le=MAX_INT)
    quantity: Quantity
    reason: ReasonCode


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
    history: list[ReturnStatusChange]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


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


class CreateReturnV1(_OrderEdit):
    """A return for shipped lines (SRV-12): quantity and reason (one of the configured return reasons)
    per line; the refund is what the customer paid for those units (docs/servicing.md)."""

    RESULT = ReturnResult

    return_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    lines: list[ReturnLineInput] = Field(min_length=1, max_length=200)
    note: Text | None = None


class _ReturnCommand(_OrderCommand):
    return_id: uuid.UUID
    note: Text | None = None

    def partition_key(self) -> str:
        return str(self.return_id)


class ReceiveReturnV1(_ReturnCommand):
    """The returned goods arrived at the warehouse."""

    ALLOWED_ROLES = ANY_ROLE
    RESULT = ReturnResult


class RefundReturnV1(_ReturnCommand):
    """The refund of a received return was paid (a payment system, or a supervisor by hand)."""

    ALLOWED_ROLES = REFUNDERS
    RESULT = ReturnResult

    reference: Text | None = None


class ReturnPage(BaseModel):
    model_config = _model()

    items: list[ReturnSummaryView]
    total: int
    page: int
    page_size: int


class FindReturnsV1(_OrderQuery):
    """Find returns and return orders (SRV-12): every criterion given must match; newest first, paged."""

    RESULT = ReturnPage

    return_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
    order_id: uuid.UUID | None = None
    order_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
    customer_id: uuid.UUID | None = None
    status: Literal["requested", "received", "refunded"] | None = None
    page: Page = 1
    page_size: PageSize = 20


class GetReturnOrderV1(_OrderQuery):
    """One return order, whole, by id or number (SRV-12)."""

    RESULT = ReturnOrderView

    return_id: uuid.UUID | None = None
    return_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{2,20}$")] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> GetReturnOrderV1:
        if (self.return_id is None) == (self.return_number is None):
            raise ValueError("give either return_id or return_number")
        return self


class ReturnUpdatedV1(_OrderEvent):
    """A return was received or refunded (SRV-12)."""

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

    def partition_key(self) -> str:
        return str(self.order_id)


OrderChangeResult.model_rebuild()  # it names AlertView, defined further down
