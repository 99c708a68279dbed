"""Commands of the customers service: registration, profile, addresses, logon, passwords, notes, ticklers, accounts."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from contracts.common import (
    MAX_INT,
    Address,
    AttributeName,
    AttributeValue,
    CurrencyCode,
    Email,
    FreeText,
    LocaleTag,
    LongText,
    Name,
    Phone,
    Text,
)
from contracts.customers.results import (
    AccountResult,
    AddressResult,
    CustomerIdResult,
    LogonResult,
    NoteResult,
    PasswordResetResult,
    TicklerResult,
)
from contracts.customers.roles import CHANNELS_ONLY
from contracts.customers.values import AgentId, Attributes, ClearableField, Code, EmailFormat, LogonId
from contracts.envelope import STAFF_AND_CHANNELS, Command, PartitionKey
from contracts.sealing import SealedSecret
from contracts.topics import CUSTOMERS_COMMANDS


class _CustomerCommand(Command):
    TOPIC = CUSTOMERS_COMMANDS


class _CustomerChange(_CustomerCommand):
    """A command about one customer, keyed by its id so that one customer's commands keep their order."""

    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID


# --- registration and guests (CUS-01, CUS-02) --------------------------------------------------


class RegisterCustomerV1(_CustomerCommand):
    """Create a registered, enabled customer (CUS-01), or register an existing guest (CUS-02).

    ``password`` and ``challenge_answer`` are sealed to the service's public key
    (see ``contracts.sealing``); the service stores only argon2 hashes of them. With
    ``guest_customer_id`` the guest becomes a registered customer under the same customer id, so
    its order, quote and return history stays with it.
    """

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CustomerIdResult
    PARTITION_KEY = PartitionKey("logon_id", lowercase=True)

    logon_id: LogonId
    password: SealedSecret
    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    challenge_question: Text | None = None
    challenge_answer: SealedSecret | None = None
    preferred_currency: CurrencyCode = "USD"
    preferred_language: LocaleTag = "en"
    email_format: EmailFormat | None = None
    address: Address | None = None
    demographics: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=50)
    mobile_phone: Phone | None = None
    attributes: Attributes = Field(default_factory=dict)
    account_id: uuid.UUID | None = None
    guest_customer_id: uuid.UUID | None = None


class CreateGuestCustomerV1(_CustomerCommand):
    """Create a guest customer for a guest order (CUS-02): no logon id, no password."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CustomerIdResult
    PARTITION_KEY = PartitionKey("email", lowercase=True)

    first_name: Name
    last_name: Name
    email: Email | None = None
    phone: Phone | None = None
    preferred_currency: CurrencyCode = "USD"
    preferred_language: LocaleTag = "en"
    email_format: EmailFormat | None = None
    address: Address | None = None


# --- profile (CUS-04, CUS-05) -------------------------------------------------------------------


class UpdateCustomerProfileV1(_CustomerChange):
    """Change profile fields (CUS-05). A field left out (or null) is unchanged; ``clear`` empties
    optional fields. Attributes and demographics are merged: ``set_*`` adds or replaces keys,
    ``remove_*`` deletes them. Rejected with ``stale_version`` unless ``expected_version`` is the
    customer's current version."""

    RESULT = CustomerIdResult

    expected_version: int = Field(ge=1, le=MAX_INT)
    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    mobile_phone: Phone | None = None
    preferred_currency: CurrencyCode | None = None
    preferred_language: LocaleTag | None = None
    email_format: EmailFormat | None = None
    challenge_question: Text | None = None
    challenge_answer: SealedSecret | None = None
    account_id: uuid.UUID | None = None
    set_attributes: Attributes = Field(default_factory=dict)
    remove_attributes: list[AttributeName] = Field(default_factory=list, max_length=50)
    set_demographics: Attributes = Field(default_factory=dict)
    remove_demographics: list[AttributeName] = Field(default_factory=list, max_length=50)
    clear: list[ClearableField] = Field(default_factory=list, max_length=5)
    reason: Text | None = None


# --- address book (CUS-06) ----------------------------------------------------------------------


class AddAddressV1(_CustomerChange):
    RESULT = AddressResult

    expected_version: int = Field(ge=1, le=MAX_INT)
    address: Address
    default_billing: bool = False
    default_shipping: bool = False


class ModifyAddressV1(_CustomerChange):
    """Replace an address (when ``address`` is given) and/or make it the default billing or
    shipping address. ``False`` for a default flag unsets it when this address holds it."""

    RESULT = AddressResult

    address_id: uuid.UUID
    expected_version: int = Field(ge=1, le=MAX_INT)
    address: Address | None = None
    default_billing: bool | None = None
    default_shipping: bool | None = None


class DeleteAddressV1(_CustomerChange):
    RESULT = AddressResult

    address_id: uuid.UUID
    expected_version: int = Field(ge=1, le=MAX_INT)


# --- logon, lock-out and passwords (CUS-07, CUS-08) ----------------------------------------------


class AuthenticateCustomerV1(_CustomerCommand):
    """A channel checks a customer's logon id and password. A wrong password counts toward the
    lock-out (CUS-07); a temporary password says it must be changed now (CUS-08). The answer is
    accepted with an ``outcome`` so that a failure is still recorded."""

    ALLOWED_ROLES = CHANNELS_ONLY
    RESULT = LogonResult
    PARTITION_KEY = PartitionKey("logon_id", lowercase=True)

    logon_id: LogonId
    password: SealedSecret


class ReportFailedLogonV1(_CustomerCommand):
    """A channel that authenticates customers itself reports a failed logon (CUS-07)."""

    ALLOWED_ROLES = CHANNELS_ONLY
    RESULT = LogonResult
    PARTITION_KEY = PartitionKey("logon_id", lowercase=True)

    logon_id: LogonId


class EnableCustomerV1(_CustomerChange):
    """A CSR re-enables a locked-out account (CUS-07, seed 004 "Enable customer account")."""

    RESULT = CustomerIdResult

    reason: Text | None = None
    expected_version: int | None = Field(default=None, ge=1, le=MAX_INT)


class ResetPasswordV1(_CustomerChange):
    """Generate a temporary password, store only its hash, e-mail it (CUS-08)."""

    RESULT = PasswordResetResult

    expected_version: int | None = Field(default=None, ge=1, le=MAX_INT)


class ChangePasswordV1(_CustomerCommand):
    """The customer, through a channel, replaces their (temporary) password."""

    ALLOWED_ROLES = CHANNELS_ONLY
    RESULT = CustomerIdResult
    PARTITION_KEY = PartitionKey("logon_id", lowercase=True)

    logon_id: LogonId
    current_password: SealedSecret
    new_password: SealedSecret


# --- notes and contact history (CUS-09, CUS-10) --------------------------------------------------


class RecordActivityNoteV1(_CustomerChange):
    """A comment or activity note on a customer (CUS-09). ``activity_code`` and ``result_code``
    come from the configured lists (``GetActivityCodesV1``)."""

    RESULT = NoteResult

    activity_code: Code
    result_code: Code
    subject: Text = Field(min_length=1)
    description: LongText = ""
    regarding: Text | None = Field(default=None, description="e.g. an order or quote number")
    contact_at: AwareDatetime | None = Field(default=None, description="when the contact happened; default now")


# --- ticklers (CUS-12) ---------------------------------------------------------------------------


class CreateTicklerV1(_CustomerChange):
    """A follow-up reminder about a customer, for an agent, due at a time (CUS-12)."""

    RESULT = TicklerResult

    due_at: AwareDatetime
    assigned_to: AgentId
    reason: Text = Field(min_length=1)
    note: LongText = ""
    regarding: Text | None = None


class ReassignTicklerV1(_CustomerChange):
    RESULT = TicklerResult

    tickler_id: uuid.UUID
    assigned_to: AgentId | None = None
    due_at: AwareDatetime | None = None
    expected_version: int | None = Field(default=None, ge=1, le=MAX_INT)


class CloseTicklerV1(_CustomerChange):
    RESULT = TicklerResult

    tickler_id: uuid.UUID
    resolution: Text = Field(min_length=1)
    expected_version: int | None = Field(default=None, ge=1, le=MAX_INT)


# --- accounts (CUS-13) ---------------------------------------------------------------------------


class CreateAccountV1(_CustomerCommand):
    """A business entity customers can belong to (CUS-13). Without ``account_number`` one is
    generated."""

    RESULT = AccountResult
    PARTITION_KEY = PartitionKey("name", lowercase=True)

    name: Name
    account_number: (
        Annotated[FreeText, StringConstraints(min_length=2, max_length=30, pattern=r"^[A-Za-z0-9-]+$")] | None
    ) = None
    email: Email | None = None
    phone: Phone | None = None
    attributes: Attributes = Field(default_factory=dict)
