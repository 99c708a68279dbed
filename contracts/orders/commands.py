"""Commands of the orders service: catalog, pricing, carts, submit, servicing, fulfilment, returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from contracts.common import (
    MAX_INT,
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
    Reference,
    Text,
)
from contracts.envelope import ANY_ROLE, STAFF, STAFF_AND_CHANNELS, SUPERVISOR_ONLY, Command, PartitionKey
from contracts.orders.results import (
    CancelResult,
    ChangeOrderResult,
    CloneResult,
    ConvertQuoteResult,
    CouponResult,
    LockResult,
    OrderChangeResult,
    OrderPlacedResult,
    ProductResult,
    QuoteEmailResult,
    QuoteResult,
    ReturnResult,
    RuleResult,
    ShipmentResult,
    StockResult,
    SubmitResult,
)
from contracts.orders.roles import FULFILMENT_SYSTEMS, PAYMENT_SYSTEMS, PRICING_ADMINS, REFUNDERS, UPSTREAM
from contracts.orders.values import (
    AccountId,
    AgentId,
    BackorderPolicy,
    BlockReason,
    ChargeKind,
    Code,
    DiscountKind,
    LineNo,
    OrderLineInput,
    PaymentInput,
    Quantity,
    Reason,
    ReturnLineInput,
    ShipmentId,
    ShipmentLineInput,
    ShipTo,
    Sku,
)
from contracts.orders.views import LineQuantityChange, PlacedLine
from contracts.topics import ORDERS_COMMANDS


class _OrderCommand(Command):
    TOPIC = ORDERS_COMMANDS


# --- catalog and stock (ORD-01) -------------------------------------------------------------


class UpsertProductV1(_OrderCommand):
    """Create or update a catalog product (ORD-01): name, description, a price per currency, whether
    it is trackable (fulfilled items become the customer's assets) and whether its stock is counted.

    ``on_hand``, when given, sets the counted stock (an upstream stock feed or the seed); deltas go
    through :class:`AdjustStockV1`."""

    ALLOWED_ROLES = UPSTREAM
    RESULT = ProductResult
    PARTITION_KEY = PartitionKey("sku")

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


class AdjustStockV1(_OrderCommand):
    """Add to or take from a product's counted stock (goods received, a recount, damage)."""

    ALLOWED_ROLES = UPSTREAM
    RESULT = StockResult
    PARTITION_KEY = PartitionKey("sku")

    sku: Sku
    delta: int = Field(ge=-10_000_000, le=10_000_000)
    reason: Reason

    @model_validator(mode="after")
    def _not_zero(self) -> AdjustStockV1:
        if self.delta == 0:
            raise ValueError("delta must not be zero")
        return self


class UpsertDiscountRuleV1(_OrderCommand):
    """A predefined discount, applied automatically while pricing (ORD-05).

    ``level == "line"``: off each matching line (``sku`` or every product), when its quantity is at
    least ``min_quantity``; a percentage of the line, or an amount per unit. ``level == "order"``:
    off the subtotal once it reaches ``min_subtotal``. Amounts and thresholds are in ``currency``
    and apply only to orders in it."""

    ALLOWED_ROLES = PRICING_ADMINS
    RESULT = RuleResult
    PARTITION_KEY = PartitionKey("code")

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


def _check_discount(kind: str, value: Decimal, currency: str | None, min_subtotal: Decimal | None) -> None:
    if kind == "percent" and value > 100:
        raise ValueError("a percentage is at most 100")
    if kind == "amount" and currency is None:
        raise ValueError("an amount needs its currency")
    if min_subtotal is not None and currency is None:
        raise ValueError("a minimum subtotal needs its currency")


class UpsertCouponV1(_OrderCommand):
    """A coupon the customer can redeem (ORD-05): a percentage or an amount off the subtotal, valid
    between two dates, with an optional usage limit and at most one use per customer if set."""

    ALLOWED_ROLES = PRICING_ADMINS
    RESULT = CouponResult
    PARTITION_KEY = PartitionKey("code")

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


# --- carts and orders (ORD-02..ORD-11, ORD-14, ORD-15) ----------------------------------------


class _NewOrder(_OrderCommand):
    """Starts an order (a cart, or a whole order at once) for a registered customer or a guest:
    who it is for and in which currency, keyed by the new order's id."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    PARTITION_KEY = PartitionKey("order_id")

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
    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    expected_version: int | None = Field(default=None, ge=1, le=MAX_INT)


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


class AddPaymentInstructionV1(_OrderEdit):
    """Add how the customer pays (ORD-08). Several instructions may share the total; at most one
    leaves its amount open (it takes the rest). Allowed on a cart, and on an order on payment hold."""

    payment: PaymentInput


class RemovePaymentInstructionV1(_OrderEdit):
    payment_id: uuid.UUID


class SaveCartV1(_OrderEdit):
    """Save the cart to resume it later (ORD-02); find it again with FindOrdersV1(status="cart")."""

    label: Text | None = None


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


class CloneOrderV1(_OrderCommand):
    """Copy an order into a new cart at current prices (ORD-14): same customer, lines, shipping,
    billing and attributes; no payments or coupons. The reply lists every price that changed and
    every product that is no longer sold."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CloneResult
    PARTITION_KEY = PartitionKey("order_id")

    source_order_id: uuid.UUID
    order_id: uuid.UUID = Field(default_factory=uuid.uuid4)


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


# --- placing orders in one command ----------------------------------------------------------


class PlaceOrderV1(_OrderCommand):
    """A channel places a complete order in one step (the minimal order path): the channel's own
    prices, no stock, shipping or payment. PlaceOrderV2 is the complete path."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = OrderPlacedResult
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    currency: CurrencyCode
    lines: list[PlacedLine] = Field(min_length=1, max_length=200)
    email: Email | None = None
    language: LocaleTag | None = None


# --- order servicing (SRV-01..SRV-12) ---------------------------------------------------------------


# docs/servicing.md explains the states, holds, release to fulfilment, locks, alert rules, returns
# and refunds these messages implement.


class _OrderAction(_OrderCommand):
    """A command about one order that does not change its content (locks, e-mails)."""

    ALLOWED_ROLES = STAFF
    PARTITION_KEY = PartitionKey("order_id")
    order_id: uuid.UUID


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


class EmailQuoteV1(_OrderCommand):
    """E-mail a quote to the customer (SRV-01): notifications sends it on QuoteEmailRequestedV1. To the
    quote's e-mail address unless ``email`` is given."""

    ALLOWED_ROLES = STAFF
    RESULT = QuoteEmailResult
    PARTITION_KEY = PartitionKey("quote_id")

    quote_id: uuid.UUID
    email: Email | None = None


class ConvertQuoteToOrderV1(_OrderCommand):
    """Turn a quote into a new cart to complete and submit (SRV-02). While the quote is valid its
    prices are kept (the lines carry ``guaranteed_price``); an expired quote is refused
    (``quote_expired``) unless ``accept_current_prices`` (then every line is at today's price).
    ``accept_current_prices`` on a valid quote also takes today's prices (when they are lower)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = ConvertQuoteResult
    PARTITION_KEY = PartitionKey("quote_id")

    quote_id: uuid.UUID
    order_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    accept_current_prices: bool = False


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


class CancelOrderV1(_OrderEdit):
    """Cancel an order (status X, SRV-09) while nothing of it has shipped: its stock is released and
    OrderCancelledV1 tells fulfilment, notifications and customers. The reason is recorded."""

    RESULT = CancelResult
    reason: Reason


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


class CreateReturnV1(_OrderEdit):
    """A return for shipped lines (SRV-12): quantity and reason (one of the configured return reasons)
    per line; the refund is what the customer paid for those units (docs/servicing.md)."""

    RESULT = ReturnResult

    return_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    lines: list[ReturnLineInput] = Field(min_length=1, max_length=200)
    note: Text | None = None


class _ReturnCommand(_OrderCommand):
    PARTITION_KEY = PartitionKey("return_id")

    return_id: uuid.UUID
    note: Text | None = None


class ReceiveReturnV1(_ReturnCommand):
    """The returned goods arrived at the warehouse."""

    ALLOWED_ROLES = ANY_ROLE
    RESULT = ReturnResult


class RefundReturnV1(_ReturnCommand):
    """The refund of a received return was paid (a payment system, or a supervisor by hand)."""

    ALLOWED_ROLES = REFUNDERS
    RESULT = ReturnResult

    reference: Text | None = None
