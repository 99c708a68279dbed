"""Field types, statuses and inputs shared by the orders service's messages."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.common import MAX_INT, Address, FreeText, Money, Name, Reference, Text
from contracts.sealing import SealedSecret

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


def _model(frozen: bool = True) -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=frozen)


class ShipTo(BaseModel):
    """Where an order (or a line) goes and how; carried by events for fulfilment.

    ``source_address_id`` names the customer's address-book entry it was copied from, if any."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: Address
    shipping_mode: Text | None = None
    source_address_id: uuid.UUID | None = None


# --- carts and orders (ORD-02..ORD-11, ORD-14, ORD-15) ----------------------------------------


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


class StoreCreditPaymentInput(BaseModel):
    """Pay part or all of the order from the customer's store credit (MNY-08), in the order's
    currency. The amount is required (store credit never "takes the rest": a card does); it is
    checked against the balance when added and taken from it when the order is submitted."""

    model_config = _model()

    method: Literal["store_credit"]
    amount: Money


PaymentInput = Annotated[
    CardPaymentInput | InvoicePaymentInput | StoreCreditPaymentInput, Field(discriminator="method")
]


class OrderLineInput(BaseModel):
    model_config = _model()

    sku: Sku
    quantity: Quantity
    ship_to: ShipTo | None = None


# --- order servicing (SRV-01..SRV-12) ---------------------------------------------------------------


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


# returns and return orders (SRV-12)


class ReturnLineInput(BaseModel):
    model_config = _model()

    line_no: int = Field(ge=1, le=MAX_INT)
    quantity: Quantity
    reason: ReasonCode
