"""Appeasements and store credit (MNY-07, MNY-08): goodwill a CSR grants on an order, paid back to
the order's card or as store credit, and the customer's store credit (issued, redeemed as a payment
method at submit, given back when an order paid with it is cancelled or refunded).

The store credit balance is never a number kept somewhere: it is the sum of the customer's credit
movements (issued and given back add, redeemed takes), one event per movement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field, model_validator

from contracts.common import Amount, CurrencyCode, Money, Text
from contracts.envelope import STAFF, SUPERVISOR_ONLY, Command, Event, PartitionKey, Query
from contracts.orders.causes import CAUSE_DESCRIPTION, MoneyCause
from contracts.orders.values import Reason, _model
from contracts.topics import ORDERS_COMMANDS, ORDERS_EVENTS, ORDERS_QUERIES

AppeasementReason = Literal["late_delivery", "damaged_item", "service_failure", "price_match", "other"]
"""Why goodwill is granted (the closed list of docs/payments.md): the delivery came late, an item
arrived damaged, the service failed the customer, a price was matched, or ``other`` (a note says what)."""
APPEASEMENT_REASONS: tuple[str, ...] = get_args(AppeasementReason)
Payout = Literal["card", "store_credit"]
"""``card``: refunded to what paid for the order (through its provider); ``store_credit``: issued to
the customer's store credit in the order's currency."""
CreditKind = Literal["issued", "redeemed", "given_back"]
"""``issued``: credit given (an appeasement, a supervisor); ``redeemed``: taken to pay an order;
``given_back``: what an order took, back when it was cancelled or refunded."""
CreditSource = Literal["appeasement", "supervisor", "order"]


def _positive(money: Money, what: str) -> None:
    if money.amount <= 0:
        raise ValueError(f"{what} must be more than zero")


# --- views and results ----------------------------------------------------------------------------


class StoreCreditMovementView(BaseModel):
    """One movement of a customer's store credit; ``amount`` is positive, ``kind`` says which way."""

    model_config = _model()

    movement_id: uuid.UUID
    kind: CreditKind
    amount: Amount
    currency: str
    source: CreditSource
    reason: str
    order_id: uuid.UUID | None = None
    order_number: str | None = None
    by: str
    at: datetime


class StoreCreditBalance(BaseModel):
    model_config = _model()

    currency: str
    balance: Amount


class StoreCreditView(BaseModel):
    """A customer's store credit (MNY-08): the balance per currency (the sum of the movements) and
    the latest movements, newest first."""

    model_config = _model()

    customer_id: uuid.UUID
    balances: list[StoreCreditBalance]
    movements: list[StoreCreditMovementView]


class AppeasementResult(BaseModel):
    model_config = _model()

    appeasement_id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    amount: Amount
    currency: str
    payout: Payout
    refunded: Amount = Field(description="what went back to the card now (payout card)")
    store_credit_balance: Amount | None = Field(default=None, description="after it (payout store_credit)")


class StoreCreditResult(BaseModel):
    model_config = _model()

    movement_id: uuid.UUID
    customer_id: uuid.UUID
    amount: Amount
    currency: str
    balance: Amount


# --- commands -------------------------------------------------------------------------------------


class GrantAppeasementV1(Command):
    """Grant goodwill on an order to its customer (MNY-07): a reason code from the closed list (a
    note is required for ``other``), an amount in the order's currency, paid to the order's card
    (at most what was captured and not yet refunded: ``exceeds_paid``) or as store credit. Above the
    CSR limit of its currency (setting ``appeasement_csr_limits``) only a supervisor may grant it:
    a CSR is refused with ``supervisor_required``. Recorded in the order's history with who granted
    it. ``appeasement_id`` names it: the same id twice grants once."""

    TOPIC = ORDERS_COMMANDS
    ALLOWED_ROLES = STAFF
    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    appeasement_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    amount: Money
    reason: AppeasementReason
    note: Text | None = None
    payout: Payout

    RESULT = AppeasementResult

    @model_validator(mode="after")
    def _valid(self) -> GrantAppeasementV1:
        _positive(self.amount, "the appeasement's amount")
        if self.reason == "other" and not (self.note and self.note.strip()):
            raise ValueError("a note is required when the reason is 'other'")
        return self


class IssueStoreCreditV1(Command):
    """A supervisor issues store credit to a customer (MNY-08), in one currency, with a reason.
    ``credit_id`` names the movement: the same id twice issues once."""

    TOPIC = ORDERS_COMMANDS
    ALLOWED_ROLES = SUPERVISOR_ONLY
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    credit_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    amount: Money
    reason: Reason

    RESULT = StoreCreditResult

    @model_validator(mode="after")
    def _valid(self) -> IssueStoreCreditV1:
        _positive(self.amount, "the credit's amount")
        return self


# --- queries --------------------------------------------------------------------------------------


class GetStoreCreditV1(Query):
    """A customer's store credit balance per currency and latest movements (MNY-08)."""

    TOPIC = ORDERS_QUERIES
    ALLOWED_ROLES = STAFF
    RESULT = StoreCreditView

    customer_id: uuid.UUID
    currency: CurrencyCode | None = None
    limit: int = Field(default=20, ge=0, le=200)


# --- events ---------------------------------------------------------------------------------------


class AppeasementGrantedV1(Event):
    """Goodwill was granted on an order (MNY-07), for the customer's timeline, finance and an e-mail
    to the customer. ``granted_by`` is the verified actor (and ``granted_role`` their role)."""

    TOPIC = ORDERS_EVENTS
    PARTITION_KEY = PartitionKey("order_id")

    appeasement_id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    amount: Amount
    currency: str
    reason: str
    note: str | None = None
    payout: Payout
    granted_by: str
    granted_role: str
    email: str | None = None
    language: str | None = None
    occurred_at: datetime


class _StoreCreditEvent(Event):
    TOPIC = ORDERS_EVENTS
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    movement_id: uuid.UUID
    amount: Amount
    currency: str
    source: CreditSource
    reason: str
    order_id: uuid.UUID | None = None
    order_number: str | None = None
    balance: Amount = Field(description="the customer's balance in the currency after this movement")
    by: str
    email: str | None = None
    language: str | None = None
    occurred_at: datetime
    cause: MoneyCause | None = Field(default=None, description=CAUSE_DESCRIPTION)


class StoreCreditIssuedV1(_StoreCreditEvent):
    """Store credit was added to a customer's balance (MNY-08): ``kind`` ``issued`` (an appeasement
    or a supervisor) or ``given_back`` (an order that had redeemed it was cancelled, changed,
    exchanged, refunded...). ``cause`` says which (contracts/orders/causes.py): decide on it, not on
    ``reason``."""

    kind: Literal["issued", "given_back"] = "issued"


class StoreCreditRedeemedV1(_StoreCreditEvent):
    """Store credit paid for (part of) an order at submit (MNY-08)."""
