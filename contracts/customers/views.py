"""What queries and events show of customers, accounts, ticklers, contact history and assets."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from contracts.common import Address
from contracts.customers.values import ContactKind, CustomerStatus, EmailFormat, TicklerStatus, _Result

# --- profile (CUS-04, CUS-05) -------------------------------------------------------------------


class AccountSummary(_Result):
    account_id: uuid.UUID
    account_number: str
    name: str


class AddressEntry(_Result):
    address_id: uuid.UUID
    address: Address
    default_billing: bool
    default_shipping: bool
    created_at: datetime
    updated_at: datetime
    updated_by: str


class _CustomerIdentity(_Result):
    """Who the customer is: the fields a full view and a find result both begin with."""

    customer_id: uuid.UUID
    logon_id: str | None
    guest: bool
    status: CustomerStatus
    first_name: str
    last_name: str
    email: str | None
    phone: str | None


class CustomerView(_CustomerIdentity):
    mobile_phone: str | None
    preferred_currency: str
    preferred_language: str
    email_format: EmailFormat | None
    challenge_question: str | None
    demographics: dict[str, str]
    attributes: dict[str, str]
    account: AccountSummary | None
    addresses: list[AddressEntry]
    failed_logons: int
    locked_at: datetime | None
    must_change_password: bool
    password_expires_at: datetime | None
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class ProfileChange(_Result):
    version: int
    changed_fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str | None
    changed_by: str
    changed_at: datetime


class ProfileChanges(_Result):
    customer_id: uuid.UUID
    changes: list[ProfileChange]
    has_more: bool


# --- notes and contact history (CUS-09, CUS-10) --------------------------------------------------


class ActivityCodes(_Result):
    activity_codes: list[str]
    result_codes: list[str]


class ContactEntry(_Result):
    kind: ContactKind
    occurred_at: datetime
    subject: str
    description: str | None = None
    activity_code: str | None = None
    result_code: str | None = None
    regarding: str | None = None
    by: str | None = Field(default=None, description="the agent who recorded a note")
    to: str | None = Field(default=None, description="the address an e-mail was sent to")
    reference_id: uuid.UUID


class ContactHistory(_Result):
    customer_id: uuid.UUID
    entries: list[ContactEntry]
    has_more: bool


# --- ticklers (CUS-12) ---------------------------------------------------------------------------


class TicklerAction(_Result):
    action: Literal["created", "reassigned", "closed"]
    by: str
    at: datetime
    detail: dict[str, str]


class TicklerView(_Result):
    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    status: TicklerStatus
    due_at: datetime
    overdue: bool
    assigned_to: str
    reason: str
    note: str
    regarding: str | None
    created_by: str
    created_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    resolution: str | None
    version: int


class TicklerList(_Result):
    ticklers: list[TicklerView]
    has_more: bool


class TicklerHistoryEntry(_Result):
    tickler: TicklerView
    actions: list[TicklerAction]


class TicklerHistory(_Result):
    customer_id: uuid.UUID
    ticklers: list[TicklerHistoryEntry]
    has_more: bool


# --- accounts (CUS-13) ---------------------------------------------------------------------------


class AccountView(_Result):
    account_id: uuid.UUID
    account_number: str
    name: str
    email: str | None
    phone: str | None
    attributes: dict[str, str]
    members: int
    created_at: datetime
    created_by: str


class AccountList(_Result):
    accounts: list[AccountView]
    has_more: bool


# --- find (CUS-03) -------------------------------------------------------------------------------


class CustomerSummary(_CustomerIdentity):
    postal_code: str | None
    account_number: str | None
    account_name: str | None


class FoundCustomers(_Result):
    customers: list[CustomerSummary]
    page: int
    size: int
    has_more: bool


# --- order, quote and return history; assets (CUS-11, CUS-14) -----------------------------------


class OrderHistoryEntry(_Result):
    order_id: uuid.UUID
    order_number: str
    status: str
    currency: str
    total: Decimal
    lines: int
    version: int
    placed_at: datetime
    updated_at: datetime


class QuoteHistoryEntry(_Result):
    quote_id: uuid.UUID
    quote_number: str
    currency: str
    total: Decimal
    lines: int
    saved_at: datetime
    expires_at: datetime


class ReturnHistoryEntry(_Result):
    return_id: uuid.UUID
    return_number: str
    order_id: uuid.UUID
    order_number: str
    currency: str
    refund_amount: Decimal
    status: str
    lines: int
    created_at: datetime


class CustomerHistory(_Result):
    customer_id: uuid.UUID
    orders: list[OrderHistoryEntry]
    quotes: list[QuoteHistoryEntry]
    returns: list[ReturnHistoryEntry]
    has_more: bool = Field(description="true when any of the three lists has more than the page")


class AssetView(_Result):
    asset_id: uuid.UUID
    sku: str
    name: str
    quantity: int
    serial_number: str | None
    order_id: uuid.UUID
    order_number: str
    acquired_at: datetime
    status: str


class AssetList(_Result):
    customer_id: uuid.UUID
    assets: list[AssetView]
    has_more: bool
