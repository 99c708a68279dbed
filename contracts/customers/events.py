"""Events of the customers service, published on ``customers.events``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from contracts.common import Address
from contracts.customers.values import CustomerStatus, EmailFormat
from contracts.customers.views import AssetView
from contracts.envelope import Event, PartitionKey
from contracts.sealing import SealedSecret
from contracts.topics import CUSTOMERS_EVENTS


class _CustomerEvent(Event):
    TOPIC = CUSTOMERS_EVENTS


# --- registration and guests (CUS-01, CUS-02) --------------------------------------------------


class CustomerRegisteredV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    logon_id: str | None
    guest: bool = False
    first_name: str
    last_name: str
    email: str | None
    phone: str | None = None
    preferred_currency: str
    preferred_language: str
    email_format: EmailFormat | None = None
    registered_at: datetime
    was_guest: bool = False
    account_id: uuid.UUID | None = None


class AddressBookChangedV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    address_id: uuid.UUID
    change: Literal["added", "modified", "deleted"]
    address: Address | None
    default_billing_address_id: uuid.UUID | None
    default_shipping_address_id: uuid.UUID | None
    version: int
    changed_by: str
    changed_at: datetime


class LogonAttemptRecordedV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    succeeded: bool
    failed_logons: int
    status: CustomerStatus
    channel: str
    occurred_at: datetime


class CustomerLockedOutV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    failed_logons: int
    locked_at: datetime
    version: int


class CustomerEnabledV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    enabled_by: str
    enabled_at: datetime
    reason: str | None
    version: int


class PasswordChangedV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    changed_at: datetime
    version: int


class ActivityNoteRecordedV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    note_id: uuid.UUID
    activity_code: str
    result_code: str
    subject: str
    description: str
    regarding: str | None
    contact_at: datetime
    recorded_by: str
    recorded_at: datetime


class TicklerCreatedV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    due_at: datetime
    assigned_to: str
    reason: str
    regarding: str | None
    created_by: str
    created_at: datetime


class TicklerReassignedV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    due_at: datetime
    assigned_to: str
    reassigned_by: str
    reassigned_at: datetime
    version: int


class TicklerClosedV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    resolution: str
    closed_by: str
    closed_at: datetime
    version: int


class AccountCreatedV1(_CustomerEvent):
    PARTITION_KEY = PartitionKey("account_id")

    account_id: uuid.UUID
    account_number: str
    name: str
    created_by: str
    created_at: datetime


class AssetsAddedV1(_CustomerEvent):
    """Fulfilled trackable items became the customer's assets (CUS-14)."""

    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    assets: list[AssetView]


# --- Events other services rely on ----------------------------------------------------------


# The notifications service keeps its own copy of what it needs about a customer from these.


class CustomerUpdatedV1(_CustomerEvent):
    """A customer's profile changed. Carries the current contact details, whatever changed."""

    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    changed_fields: list[str]
    first_name: str
    last_name: str
    email: str | None
    phone: str | None = None
    preferred_currency: str
    preferred_language: str
    email_format: EmailFormat | None = None
    version: int
    updated_at: datetime


class PasswordResetV1(_CustomerEvent):
    """A CSR reset a customer's password (CUS-08). The temporary password is sealed to the
    deployment's sealing key: it is in clear text nowhere but in the e-mail itself."""

    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    logon_id: str
    sealed_temporary_password: SealedSecret
    expires_at: datetime
    reset_by: str
