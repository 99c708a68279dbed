"""Queries of the customers service: customers, accounts, history, ticklers, assets."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from contracts.customers.values import AgentId, ContactKind, Page, SearchTerm, TicklerStatus
from contracts.customers.views import (
    AccountList,
    ActivityCodes,
    AssetList,
    AssetView,
    ContactHistory,
    CustomerHistory,
    CustomerView,
    FoundCustomers,
    ProfileChanges,
    TicklerHistory,
    TicklerList,
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
