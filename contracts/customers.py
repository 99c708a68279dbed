"""Commands, queries and events of the customers service (seeds 001, 003, 004; CUS-*).

Rejection codes specific to this service, beside those of ``contracts.errors``:

- ``password_policy``: the (new) password breaks the policy; the message states the policy.
- ``unknown_activity_code`` / ``unknown_result_code``: the code is not in the configured lists
  (``GetActivityCodesV1`` lists them).
- ``authentication_failed``: the current password given to ``ChangePasswordV1`` is wrong.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

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
    SingleLine,
    Text,
)
from contracts.envelope import STAFF, STAFF_AND_CHANNELS, Command, Event, Query, Role
from contracts.paging import ListPage, PageNumber, PageSize
from contracts.sealing import SealedSecret
from contracts.topics import CUSTOMERS_COMMANDS, CUSTOMERS_EVENTS, CUSTOMERS_QUERIES

EmailFormat = Literal["text", "html"]
CustomerStatus = Literal["enabled", "locked"]
LogonId = Annotated[FreeText, StringConstraints(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._@+-]+$")]
AgentId = Annotated[FreeText, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@:-]+$")]
SearchTerm = Annotated[SingleLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Code = Annotated[FreeText, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
Attributes = Annotated[dict[AttributeName, AttributeValue], Field(max_length=50)]
CHANNELS_ONLY = frozenset({Role.CHANNEL})


class _CustomerCommand(Command):
    TOPIC = CUSTOMERS_COMMANDS


class _CustomerQuery(Query):
    TOPIC = CUSTOMERS_QUERIES


class _CustomerEvent(Event):
    TOPIC = CUSTOMERS_EVENTS


class _CustomerChange(_CustomerCommand):
    """A command about one customer, keyed by its id so that one customer's commands keep their order."""

    customer_id: uuid.UUID

    def partition_key(self) -> str:
        return str(self.customer_id)


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel):
    """Which page of a list: 1-based page number and its size."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: int = Field(default=1, ge=1, le=10_000)
    size: int = Field(default=20, ge=1, le=100)


class _CustomerPage(_CustomerQuery):
    """A page of one customer's records (changes, history, assets, ...)."""

    customer_id: uuid.UUID
    page: Page = Field(default_factory=Page)


class CustomerIdResult(_Result):
    customer_id: uuid.UUID
    version: int = 1


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

    def partition_key(self) -> str:
        return self.logon_id.lower()


class CreateGuestCustomerV1(_CustomerCommand):
    """Create a guest customer for a guest order (CUS-02): no logon id, no password."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CustomerIdResult

    first_name: Name
    last_name: Name
    email: Email | None = None
    phone: Phone | None = None
    preferred_currency: CurrencyCode = "USD"
    preferred_language: LocaleTag = "en"
    email_format: EmailFormat | None = None
    address: Address | None = None

    def partition_key(self) -> str | None:
        return str(self.email).lower() if self.email else None


class CustomerRegisteredV1(_CustomerEvent):
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

    def partition_key(self) -> str:
        return str(self.customer_id)


# --- profile (CUS-04, CUS-05) -------------------------------------------------------------------

ClearableField = Literal["phone", "mobile_phone", "email_format", "challenge_question", "account_id"]


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


class GetCustomerV1(_CustomerQuery):
    """A customer's profile, address book, account and status (CUS-04)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CustomerView

    customer_id: uuid.UUID


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


class GetProfileChangesV1(_CustomerPage):
    """Who changed what and when on a customer record, newest first (CUS-05). Secrets show only
    that they changed, never a value."""

    ALLOWED_ROLES = STAFF
    RESULT = ProfileChanges


# --- address book (CUS-06) ----------------------------------------------------------------------


class AddressResult(_Result):
    customer_id: uuid.UUID
    address_id: uuid.UUID
    version: int


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

LogonOutcome = Literal["ok", "wrong_password", "locked", "temporary_password_expired"]


class LogonResult(_Result):
    customer_id: uuid.UUID
    outcome: LogonOutcome
    must_change_password: bool
    failed_logons: int
    status: CustomerStatus


class AuthenticateCustomerV1(_CustomerCommand):
    """A channel checks a customer's logon id and password. A wrong password counts toward the
    lock-out (CUS-07); a temporary password says it must be changed now (CUS-08). The answer is
    accepted with an ``outcome`` so that a failure is still recorded."""

    ALLOWED_ROLES = CHANNELS_ONLY
    RESULT = LogonResult

    logon_id: LogonId
    password: SealedSecret

    def partition_key(self) -> str:
        return self.logon_id.lower()


class ReportFailedLogonV1(_CustomerCommand):
    """A channel that authenticates customers itself reports a failed logon (CUS-07)."""

    ALLOWED_ROLES = CHANNELS_ONLY
    RESULT = LogonResult

    logon_id: LogonId

    def partition_key(self) -> str:
        return self.logon_id.lower()


class EnableCustomerV1(_CustomerChange):
    """A CSR re-enables a locked-out account (CUS-07, seed 004 "Enable customer account")."""

    RESULT = CustomerIdResult

    reason: Text | None = None
    expected_version: int | None = Field(default=None, ge=1, le=MAX_INT)


class PasswordResetResult(_Result):
    """Deliberately without the temporary password: it reaches the customer only by e-mail."""

    customer_id: uuid.UUID
    expires_at: datetime
    version: int


class ResetPasswordV1(_CustomerChange):
    """Generate a temporary password, store only its hash, e-mail it (CUS-08)."""

    RESULT = PasswordResetResult

    expected_version: int | None = Field(default=None, ge=1, le=MAX_INT)


class ChangePasswordV1(_CustomerCommand):
    """The customer, through a channel, replaces their (temporary) password."""

    ALLOWED_ROLES = CHANNELS_ONLY
    RESULT = CustomerIdResult

    logon_id: LogonId
    current_password: SealedSecret
    new_password: SealedSecret

    def partition_key(self) -> str:
        return self.logon_id.lower()


# --- notes and contact history (CUS-09, CUS-10) --------------------------------------------------


class NoteResult(_Result):
    customer_id: uuid.UUID
    note_id: uuid.UUID


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


class ActivityCodes(_Result):
    activity_codes: list[str]
    result_codes: list[str]


class GetActivityCodesV1(_CustomerQuery):
    ALLOWED_ROLES = STAFF
    RESULT = ActivityCodes


ContactKind = Literal["note", "email"]


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


class GetContactHistoryV1(_CustomerQuery):
    """Notes (calls and other activities) and e-mails sent, in time order (CUS-10); newest first
    unless ``oldest_first``."""

    ALLOWED_ROLES = STAFF
    RESULT = ContactHistory

    customer_id: uuid.UUID
    kinds: list[ContactKind] | None = None
    oldest_first: bool = False
    page: Page = Field(default_factory=Page)


# --- ticklers (CUS-12) ---------------------------------------------------------------------------

TicklerStatus = Literal["open", "closed"]


class TicklerResult(_Result):
    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    status: TicklerStatus
    version: int


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


class ListTicklersV1(_CustomerQuery):
    """Ticklers by agent and/or customer, earliest due first. ``due_by`` keeps those due by then
    (``due_now`` means due by the time of the query)."""

    ALLOWED_ROLES = STAFF
    RESULT = TicklerList

    assigned_to: AgentId | None = None
    customer_id: uuid.UUID | None = None
    status: TicklerStatus | Literal["all"] = "open"
    due_by: AwareDatetime | None = None
    due_now: bool = False
    page: Page = Field(default_factory=Page)


class TicklerHistoryEntry(_Result):
    tickler: TicklerView
    actions: list[TicklerAction]


class TicklerHistory(_Result):
    customer_id: uuid.UUID
    ticklers: list[TicklerHistoryEntry]
    has_more: bool


class GetTicklerHistoryV1(_CustomerPage):
    """Every tickler created about a customer, open and closed, with what happened to each."""

    ALLOWED_ROLES = STAFF
    RESULT = TicklerHistory


# --- accounts (CUS-13) ---------------------------------------------------------------------------


class AccountResult(_Result):
    account_id: uuid.UUID
    account_number: str


class CreateAccountV1(_CustomerCommand):
    """A business entity customers can belong to (CUS-13). Without ``account_number`` one is
    generated."""

    RESULT = AccountResult

    name: Name
    account_number: (
        Annotated[FreeText, StringConstraints(min_length=2, max_length=30, pattern=r"^[A-Za-z0-9-]+$")] | None
    ) = None
    email: Email | None = None
    phone: Phone | None = None
    attributes: Attributes = Field(default_factory=dict)

    def partition_key(self) -> str:
        return self.name.lower()


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


class FindAccountsV1(_CustomerQuery):
    """Accounts whose name or number contains ``text`` (case-insensitive)."""

    ALLOWED_ROLES = STAFF
    RESULT = AccountList

    text: SearchTerm
    page: Page = Field(default_factory=Page)


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


class FindCustomersV1(_CustomerQuery):
    """Find customers (CUS-03). Every criterion given must match; each matches any part of the
    value, ignoring case and accents in every script ("lukasz" finds "Łukasz"; ``phone`` ignores
    punctuation; ``account`` matches the account's name or number; ``postal_code`` and ``city`` any
    address in the book). Sorted by last name, first name."""

    ALLOWED_ROLES = STAFF
    RESULT = FoundCustomers

    logon_id: SearchTerm | None = None
    first_name: SearchTerm | None = None
    last_name: SearchTerm | None = None
    phone: SearchTerm | None = None
    email: SearchTerm | None = None
    postal_code: SearchTerm | None = None
    city: SearchTerm | None = None
    account: SearchTerm | None = None
    include_guests: bool = True
    page: Page = Field(default_factory=Page)


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


class GetCustomerHistoryV1(_CustomerPage):
    """The customer's orders, quotes and returns, newest first (CUS-11), built from the orders
    service's events."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CustomerHistory


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


class ListAssetsV1(_CustomerPage):
    """What the customer owns: trackable items fulfilled to them (CUS-14)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = AssetList


class ListAssetsV2(_CustomerQuery):
    """What the customer owns (CUS-14), newest first, in the common page shape
    (``contracts.paging``): ``page`` and ``page_size`` in, a ``ListPage`` of assets out (``total``
    is not counted: ``has_more`` says whether another page follows)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = ListPage[AssetView]

    customer_id: uuid.UUID
    page: PageNumber = 1
    page_size: PageSize = 20


# --- events of this service ----------------------------------------------------------------------


class AddressBookChangedV1(_CustomerEvent):
    customer_id: uuid.UUID
    address_id: uuid.UUID
    change: Literal["added", "modified", "deleted"]
    address: Address | None
    default_billing_address_id: uuid.UUID | None
    default_shipping_address_id: uuid.UUID | None
    version: int
    changed_by: str
    changed_at: datetime

    def partition_key(self) -> str:
        return str(self.customer_id)


class LogonAttemptRecordedV1(_CustomerEvent):
    customer_id: uuid.UUID
    succeeded: bool
    failed_logons: int
    status: CustomerStatus
    channel: str
    occurred_at: datetime

    def partition_key(self) -> str:
        return str(self.customer_id)


class CustomerLockedOutV1(_CustomerEvent):
    customer_id: uuid.UUID
    failed_logons: int
    locked_at: datetime
    version: int

    def partition_key(self) -> str:
        return str(self.customer_id)


class CustomerEnabledV1(_CustomerEvent):
    customer_id: uuid.UUID
    enabled_by: str
    enabled_at: datetime
    reason: str | None
    version: int

    def partition_key(self) -> str:
        return str(self.customer_id)


class PasswordChangedV1(_CustomerEvent):
    customer_id: uuid.UUID
    changed_at: datetime
    version: int

    def partition_key(self) -> str:
        return str(self.customer_id)


class ActivityNoteRecordedV1(_CustomerEvent):
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

    def partition_key(self) -> str:
        return str(self.customer_id)


class TicklerCreatedV1(_CustomerEvent):
    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    due_at: datetime
    assigned_to: str
    reason: str
    regarding: str | None
    created_by: str
    created_at: datetime

    def partition_key(self) -> str:
        return str(self.customer_id)


class TicklerReassignedV1(_CustomerEvent):
    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    due_at: datetime
    assigned_to: str
    reassigned_by: str
    reassigned_at: datetime
    version: int

    def partition_key(self) -> str:
        return str(self.customer_id)


class TicklerClosedV1(_CustomerEvent):
    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    resolution: str
    closed_by: str
    closed_at: datetime
    version: int

    def partition_key(self) -> str:
        return str(self.customer_id)


class AccountCreatedV1(_CustomerEvent):
    account_id: uuid.UUID
    account_number: str
    name: str
    created_by: str
    created_at: datetime

    def partition_key(self) -> str:
        return str(self.account_id)


class AssetsAddedV1(_CustomerEvent):
    """Fulfilled trackable items became the customer's assets (CUS-14)."""

    customer_id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    assets: list[AssetView]

    def partition_key(self) -> str:
        return str(self.customer_id)


# --- Events other services rely on ----------------------------------------------------------
# The notifications service keeps its own copy of what it needs about a customer from these.


class CustomerUpdatedV1(_CustomerEvent):
    """A customer's profile changed. Carries the current contact details, whatever changed."""

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

    def partition_key(self) -> str:
        return str(self.customer_id)


class PasswordResetV1(_CustomerEvent):
    """A CSR reset a customer's password (CUS-08). The temporary password is sealed to the
    deployment's sealing key: it is in clear text nowhere but in the e-mail itself."""

    customer_id: uuid.UUID
    logon_id: str
    sealed_temporary_password: SealedSecret
    expires_at: datetime
    reset_by: str

    def partition_key(self) -> str:
        return str(self.customer_id)
