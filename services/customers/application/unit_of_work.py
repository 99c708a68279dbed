"""The seam between the use cases and the world: what a handler may load, save, emit and open.

A use case is handed one unit of work per message. The runtime's dispatcher owns the transaction
(the inbox claim, these writes and the outbox rows commit together or not at all), so the unit of
work neither begins nor commits: it is the handler's view of that transaction. Production wires it
to PostgreSQL (adapters/postgres/unit_of_work.py); fast tests to tests/unit/fakes_customers.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from contracts.common import Address
from contracts.customers import (
    AccountList,
    ActivityNoteRecordedV1,
    AssetView,
    ContactHistory,
    CustomerHistory,
    CustomerView,
    FindAccountsV1,
    FindCustomersV1,
    FoundCustomers,
    GetContactHistoryV1,
    ListTicklersV1,
    Page,
    ProfileChanges,
    TicklerHistory,
    TicklerList,
)
from contracts.envelope import Actor, Event
from contracts.notifications import EmailSentV1
from contracts.orders import QuoteSavedV1, ReturnCreatedV1
from services.customers.domain.address_book import BookChange, Entry
from services.customers.domain.customer import Customer, ProfileChange
from services.customers.domain.history import Asset, OrderEntry
from services.customers.domain.ticklers import Action, Tickler


class Taken(Exception):
    """A value that must be unique (a logon id, an account number) was taken meanwhile, by a
    concurrent command: the store's unique index, not our check before, had the last word."""


class Customers(Protocol):
    """The customer records, their secrets' hashes, address books and change logs."""

    async def logon_id_taken(self, logon_id: str) -> bool: ...
    async def get(self, customer_id: uuid.UUID, *, for_update: bool = False) -> Customer | None: ...
    async def get_by_logon_for_update(self, logon_id: str) -> tuple[Customer, str | None] | None: ...
    async def add(self, customer: Customer, password_hash: str | None, answer_hash: str | None) -> None: ...
    async def save(self, customer: Customer) -> None: ...
    async def set_password(self, customer_id: uuid.UUID, password_hash: str, now: datetime) -> None: ...
    async def set_challenge_answer(self, customer_id: uuid.UUID, answer_hash: str | None) -> None: ...
    async def record_change(self, customer: Customer, change: ProfileChange) -> None: ...
    async def add_address(
        self, customer_id: uuid.UUID, address: Address, now: datetime, *, by: str
    ) -> None: ...  # the first address: the default for billing and shipping
    async def address_book(self, customer_id: uuid.UUID) -> list[Entry]: ...
    async def save_book_change(self, customer_id: uuid.UUID, change: BookChange, now: datetime, by: str) -> None: ...


class Accounts(Protocol):
    async def exists(self, account_id: uuid.UUID) -> bool: ...
    async def next_account_number(self) -> str: ...
    async def add(self, values: dict[str, Any], now: datetime, by: str) -> None: ...  # Taken: number in use


class Activity(Protocol):
    """What happens around a customer: notes, e-mails sent, ticklers and their actions."""

    async def add_note(self, note: ActivityNoteRecordedV1) -> None: ...
    async def add_email(self, event: EmailSentV1) -> None: ...  # a replayed event adds nothing
    async def add_tickler(self, tickler: Tickler) -> None: ...
    async def tickler_for_update(self, customer_id: uuid.UUID, tickler_id: uuid.UUID) -> Tickler | None: ...
    async def save_tickler(self, tickler: Tickler) -> None: ...
    async def add_tickler_action(self, tickler_id: uuid.UUID, action: Action, actor: str, at: datetime) -> None: ...


class Timeline(Protocol):
    """The history drawn from other services' events. Every write is idempotent and never moves
    the history back, so a replayed or late event changes nothing."""

    async def upsert_order(self, entry: OrderEntry) -> None: ...
    async def cancel_order(self, order_id: uuid.UUID, status: str, version: int, at: datetime) -> bool: ...
    async def upsert_quote(self, event: QuoteSavedV1) -> None: ...
    async def add_return(self, event: ReturnCreatedV1) -> None: ...
    async def advance_return(self, return_id: uuid.UUID, status: str) -> None: ...
    async def add_assets(self, assets: list[Asset]) -> list[Asset]: ...  # those that were new


class Views(Protocol):
    """The read side: the contract's views, answered from this service's own tables."""

    async def customer(self, customer_id: uuid.UUID) -> CustomerView | None: ...
    async def profile_changes(self, customer_id: uuid.UUID, page: Page) -> ProfileChanges: ...
    async def found_customers(self, query: FindCustomersV1) -> FoundCustomers: ...
    async def found_accounts(self, query: FindAccountsV1) -> AccountList: ...
    async def contact_history(self, query: GetContactHistoryV1) -> ContactHistory: ...
    async def customer_history(self, customer_id: uuid.UUID, page: Page) -> CustomerHistory: ...
    async def assets(self, customer_id: uuid.UUID, page: Page) -> tuple[list[AssetView], bool]: ...
    async def ticklers(self, query: ListTicklersV1, now: datetime) -> TicklerList: ...
    async def tickler_history(self, customer_id: uuid.UUID, page: Page, now: datetime) -> TicklerHistory: ...


class Keyring(Protocol):
    """Secrets sealed to the deployment's key pair."""

    def open(self, sealed: str, field_name: str) -> str: ...  # Refused when it cannot be opened
    def seal_for_deployment(self, secret: str) -> str: ...  # only a holder of the private key reads it


@dataclass(frozen=True)
class CustomerPolicy:
    """The deployment's settings the rules take."""

    lockout_threshold: int  # failed logons before the account locks (CUS-07)
    temporary_password_hours: float  # how long a reset password stays valid (CUS-08)
    activity_codes: list[str]  # of activity notes (CUS-09)
    result_codes: list[str]


class UnitOfWork(Protocol):
    """One message's work: the repositories, the clock, who asks, and the events to publish (after
    the commit, through the outbox)."""

    @property
    def customers(self) -> Customers: ...
    @property
    def accounts(self) -> Accounts: ...
    @property
    def activity(self) -> Activity: ...
    @property
    def timeline(self) -> Timeline: ...
    @property
    def views(self) -> Views: ...
    @property
    def keyring(self) -> Keyring: ...
    @property
    def policy(self) -> CustomerPolicy: ...
    @property
    def now(self) -> datetime: ...
    @property
    def actor(self) -> Actor: ...
    def emit(self, event: Event) -> None: ...
