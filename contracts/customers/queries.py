"""Queries of the customers service: customers, accounts, history, ticklers, assets."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from contracts.common import Email
from contracts.customers.values import AgentId, ContactKind, LogonId, Page, SearchTerm, TicklerStatus
from contracts.customers.views import (
    AccountList,
    AccountView,
    ActivityCodes,
    AssetList,
    AssetView,
    ContactEntry,
    ContactHistory,
    CustomerHistory,
    CustomerSummary,
    CustomerView,
    FoundCustomers,
    ProfileChange,
    ProfileChanges,
    TicklerHistory,
    TicklerHistoryEntry,
    TicklerList,
    TicklerView,
)
from contracts.envelope import STAFF, STAFF_AND_CHANNELS, Query
from contracts.paging import ListPage, PageNumber, PageSize
from contracts.topics import CUSTOMERS_QUERIES


class _CustomerQuery(Query):
    TOPIC = CUSTOMERS_QUERIES


class _CustomerPage(_CustomerQuery):
    """A page of one customer's records (changes, history, assets, ...)."""

    customer_id: uuid.UUID
    page: Page = Field(default_factory=Page)


# --- profile (CUS-04, CUS-05) -------------------------------------------------------------------


class GetCustomerV1(_CustomerQuery):
    """A customer's profile, address book, account and status (CUS-04)."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CustomerView

    customer_id: uuid.UUID


class GetProfileChangesV1(_CustomerPage):
    """Who changed what and when on a customer record, newest first (CUS-05). Secrets show only
    that they changed, never a value."""

    ALLOWED_ROLES = STAFF
    RESULT = ProfileChanges


# --- notes and contact history (CUS-09, CUS-10) --------------------------------------------------


class GetActivityCodesV1(_CustomerQuery):
    ALLOWED_ROLES = STAFF
    RESULT = ActivityCodes


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


class GetTicklerHistoryV1(_CustomerPage):
    """Every tickler created about a customer, open and closed, with what happened to each."""

    ALLOWED_ROLES = STAFF
    RESULT = TicklerHistory


# --- accounts (CUS-13) ---------------------------------------------------------------------------


class FindAccountsV1(_CustomerQuery):
    """Accounts whose name or number contains ``text`` (case-insensitive)."""

    ALLOWED_ROLES = STAFF
    RESULT = AccountList

    text: SearchTerm
    page: Page = Field(default_factory=Page)


# --- find (CUS-03) -------------------------------------------------------------------------------


class FindCustomersV1(_CustomerQuery):
    """Find customers (CUS-03). Every criterion given must match; each matches any part of the
    value, ignoring case and accents in every script ("lukasz" finds "Łukasz"; ``phone`` ignores
    punctuation; ``account`` matches the account's name or number; ``postal_code`` and ``city`` any
    address in the book). Sorted by last name, first name.

    ``exact_logon_id`` and ``exact_email`` match the whole value, ignoring case only: what a caller
    names a customer by. Each is one probe of an index (logon ids are unique ignoring case; several
    customers may share an e-mail, a guest and a registered customer say), so a client resolving a
    customer by either needs no paging and no partial matches."""

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
    exact_logon_id: LogonId | None = None
    exact_email: Email | None = None
    include_guests: bool = True
    page: Page = Field(default_factory=Page)


# --- order, quote and return history; assets (CUS-11, CUS-14) -----------------------------------


class GetCustomerHistoryV1(_CustomerPage):
    """The customer's orders, quotes and returns, newest first (CUS-11), built from the orders
    service's events."""

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CustomerHistory


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


# --- the common page shape (docs/contract.md) ---------------------------------------------------
# Each paged query's V2 asks the same as its V1 with ``page`` and ``page_size`` flat, and answers
# a ``contracts.paging.ListPage`` (``total`` not counted: ``has_more`` says whether a next page
# exists). V1 stays, deprecated. GetCustomerHistoryV1 (three lists in one answer) stays as it is.


class _OneCustomersPageV2(_CustomerQuery):
    customer_id: uuid.UUID
    page: PageNumber = 1
    page_size: PageSize = 20


class GetProfileChangesV2(_OneCustomersPageV2):
    """Who changed what and when on a customer record (as ``GetProfileChangesV1``), in the common
    page shape."""

    ALLOWED_ROLES = STAFF
    RESULT = ListPage[ProfileChange]


class GetTicklerHistoryV2(_OneCustomersPageV2):
    """Every tickler created about a customer (as ``GetTicklerHistoryV1``), in the common page shape."""

    ALLOWED_ROLES = STAFF
    RESULT = ListPage[TicklerHistoryEntry]


class GetContactHistoryV2(_CustomerQuery):
    """Notes and e-mails of a customer (as ``GetContactHistoryV1``), in the common page shape."""

    ALLOWED_ROLES = STAFF
    RESULT = ListPage[ContactEntry]

    customer_id: uuid.UUID
    kinds: list[ContactKind] | None = None
    oldest_first: bool = False
    page: PageNumber = 1
    page_size: PageSize = 20


class ListTicklersV2(_CustomerQuery):
    """Ticklers by agent and/or customer (as ``ListTicklersV1``), in the common page shape."""

    ALLOWED_ROLES = STAFF
    RESULT = ListPage[TicklerView]

    assigned_to: AgentId | None = None
    customer_id: uuid.UUID | None = None
    status: TicklerStatus | Literal["all"] = "open"
    due_by: AwareDatetime | None = None
    due_now: bool = False
    page: PageNumber = 1
    page_size: PageSize = 20


class FindAccountsV2(_CustomerQuery):
    """Accounts whose name or number contains ``text`` (as ``FindAccountsV1``), in the common page shape."""

    ALLOWED_ROLES = STAFF
    RESULT = ListPage[AccountView]

    text: SearchTerm
    page: PageNumber = 1
    page_size: PageSize = 20


class FindCustomersV2(_CustomerQuery):
    """Find customers (as ``FindCustomersV1``: every criterion given must match, any part of the
    value, ignoring case and accents; ``exact_logon_id`` and ``exact_email`` the whole value, ignoring
    case, from an index), in the common page shape. Among 100,000 customers the matches are not
    counted: ``has_more`` comes from one extra row."""

    ALLOWED_ROLES = STAFF
    RESULT = ListPage[CustomerSummary]

    logon_id: SearchTerm | None = None
    first_name: SearchTerm | None = None
    last_name: SearchTerm | None = None
    phone: SearchTerm | None = None
    email: SearchTerm | None = None
    postal_code: SearchTerm | None = None
    city: SearchTerm | None = None
    account: SearchTerm | None = None
    exact_logon_id: LogonId | None = None
    exact_email: Email | None = None
    include_guests: bool = True
    page: PageNumber = 1
    page_size: PageSize = 20
