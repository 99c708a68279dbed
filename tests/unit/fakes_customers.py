"""A unit of work for the customers service's use cases in memory (application/unit_of_work.py),
for fast tests of the application layer: what a handler saved, logged and emitted is read back
from plain dicts and lists. Its answers follow the PostgreSQL adapter's (case-insensitive logon
ids, the first address as both defaults, replays adding nothing)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from contracts.common import Address
from contracts.customers import ActivityNoteRecordedV1
from contracts.envelope import Actor, Event, Role
from contracts.notifications import EmailSentV1
from contracts.orders import QuoteSavedV1, ReturnCreatedV1
from contracts.sealing import generate_private_key, public_key_of, seal
from services.customers.application.unit_of_work import CustomerPolicy, Taken
from services.customers.domain.address_book import BookChange, Entry
from services.customers.domain.customer import Customer, ProfileChange
from services.customers.domain.history import Asset, OrderEntry
from services.customers.domain.ticklers import Action, Tickler
from services.runtime.secrets import open_secret

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CSR = Actor(agent_id="csr-1", role=Role.CSR)


@dataclass
class FakeCustomers:
    by_id: dict[uuid.UUID, Customer] = field(default_factory=dict)
    password_hashes: dict[uuid.UUID, str | None] = field(default_factory=dict)
    answer_hashes: dict[uuid.UUID, str | None] = field(default_factory=dict)
    changes: list[tuple[uuid.UUID, int, ProfileChange]] = field(default_factory=list)
    books: dict[uuid.UUID, list[Entry]] = field(default_factory=dict)

    def _holder_of(self, logon_id: str | None) -> uuid.UUID | None:
        wanted = (logon_id or "").lower()
        return next((c.customer_id for c in self.by_id.values() if c.logon_id and c.logon_id.lower() == wanted), None)

    async def logon_id_taken(self, logon_id: str) -> bool:
        return self._holder_of(logon_id) is not None

    async def get(self, customer_id: uuid.UUID, *, for_update: bool = False) -> Customer | None:
        return self.by_id.get(customer_id)

    async def get_by_logon_for_update(self, logon_id: str) -> tuple[Customer, str | None] | None:
        holder = self._holder_of(logon_id)
        return (self.by_id[holder], self.password_hashes.get(holder)) if holder else None

    async def add(self, customer: Customer, password_hash: str | None, answer_hash: str | None) -> None:
        if customer.logon_id and self._holder_of(customer.logon_id):
            raise Taken(customer.logon_id)  # the unique index on lower(logon_id)
        self.by_id[customer.customer_id] = customer
        self.password_hashes[customer.customer_id] = password_hash
        self.answer_hashes[customer.customer_id] = answer_hash

    async def save(self, customer: Customer) -> None:
        holder = self._holder_of(customer.logon_id)
        if holder not in (None, customer.customer_id):
            raise Taken(str(customer.logon_id))
        self.by_id[customer.customer_id] = customer

    async def set_password(self, customer_id: uuid.UUID, password_hash: str, now: datetime) -> None:
        self.password_hashes[customer_id] = password_hash

    async def set_challenge_answer(self, customer_id: uuid.UUID, answer_hash: str | None) -> None:
        self.answer_hashes[customer_id] = answer_hash

    async def record_change(self, customer: Customer, change: ProfileChange) -> None:
        self.changes.append((customer.customer_id, customer.version, change))

    async def add_address(self, customer_id: uuid.UUID, address: Address, now: datetime, *, by: str) -> None:
        self.books.setdefault(customer_id, []).append(Entry(uuid.uuid4(), address, True, True))

    async def address_book(self, customer_id: uuid.UUID) -> list[Entry]:
        return list(self.books.get(customer_id, []))

    async def save_book_change(self, customer_id: uuid.UUID, change: BookChange, now: datetime, by: str) -> None:
        self.books[customer_id] = list(change.book)


@dataclass
class FakeAccounts:
    numbers: dict[str, uuid.UUID] = field(default_factory=dict)
    issued: int = 0

    async def exists(self, account_id: uuid.UUID) -> bool:
        return account_id in self.numbers.values()

    async def next_account_number(self) -> str:
        self.issued += 1
        return f"A{self.issued}"

    async def add(self, values: dict[str, Any], now: datetime, by: str) -> None:
        if values["account_number"] in self.numbers:
            raise Taken(values["account_number"])
        self.numbers[values["account_number"]] = values["account_id"]


@dataclass
class FakeActivity:
    notes: list[ActivityNoteRecordedV1] = field(default_factory=list)
    emails: dict[uuid.UUID, EmailSentV1] = field(default_factory=dict)
    ticklers: dict[uuid.UUID, Tickler] = field(default_factory=dict)
    actions: list[tuple[uuid.UUID, Action]] = field(default_factory=list)

    async def add_note(self, note: ActivityNoteRecordedV1) -> None:
        self.notes.append(note)

    async def add_email(self, event: EmailSentV1) -> None:
        self.emails.setdefault(event.email_id, event)

    async def add_tickler(self, tickler: Tickler) -> None:
        self.ticklers[tickler.tickler_id] = tickler

    async def tickler_for_update(self, customer_id: uuid.UUID, tickler_id: uuid.UUID) -> Tickler | None:
        found = self.ticklers.get(tickler_id)
        return found if found and found.customer_id == customer_id else None

    async def save_tickler(self, tickler: Tickler) -> None:
        self.ticklers[tickler.tickler_id] = tickler

    async def add_tickler_action(self, tickler_id: uuid.UUID, action: Action, actor: str, at: datetime) -> None:
        self.actions.append((tickler_id, action))


@dataclass
class FakeTimeline:
    orders: dict[uuid.UUID, OrderEntry] = field(default_factory=dict)
    assets: dict[uuid.UUID, Asset] = field(default_factory=dict)

    async def upsert_order(self, entry: OrderEntry) -> None:
        known = self.orders.get(entry.order_id)
        if known is None or known.version < entry.version:
            self.orders[entry.order_id] = entry if known is None else replace(entry, placed_at=known.placed_at)

    async def cancel_order(self, order_id: uuid.UUID, status: str, version: int, at: datetime) -> bool:
        known = self.orders.get(order_id)
        if known is None:
            return False
        self.orders[order_id] = replace(known, status=status, version=max(known.version, version), updated_at=at)
        return True

    async def upsert_quote(self, event: QuoteSavedV1) -> None:
        raise NotImplementedError

    async def add_return(self, event: ReturnCreatedV1) -> None:
        raise NotImplementedError

    async def advance_return(self, return_id: uuid.UUID, status: str) -> None:
        raise NotImplementedError

    async def add_assets(self, assets: list[Asset]) -> list[Asset]:
        added = [a for a in assets if a.asset_id not in self.assets]
        self.assets.update({a.asset_id: a for a in added})
        return added


class FakeViews:
    """The read side is SQL through and through: its tests are the e2e tests on PostgreSQL."""

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"views.{name} in memory")


KEY = generate_private_key()


def sealed(secret: str) -> str:
    """``secret`` as a channel sends it: sealed to the key the fake keyring holds."""
    return seal(secret, public_key_of(KEY))


@dataclass
class FakeKeyring:
    """The real sealing with a key of the test's own (sealing itself is tested in test_sealing.py)."""

    def open(self, sealed: str, field_name: str) -> str:
        return open_secret(KEY, sealed, field_name)

    def seal_for_deployment(self, secret: str) -> str:
        return seal(secret, public_key_of(KEY))


@dataclass
class FakeCustomersUnitOfWork:
    customers: FakeCustomers = field(default_factory=FakeCustomers)
    accounts: FakeAccounts = field(default_factory=FakeAccounts)
    activity: FakeActivity = field(default_factory=FakeActivity)
    timeline: FakeTimeline = field(default_factory=FakeTimeline)
    views: FakeViews = field(default_factory=FakeViews)
    keyring: FakeKeyring = field(default_factory=FakeKeyring)
    policy: CustomerPolicy = field(
        default_factory=lambda: CustomerPolicy(
            lockout_threshold=3, temporary_password_hours=24, activity_codes=["call_in"], result_codes=["resolved"]
        )
    )
    now: datetime = NOW
    actor: Actor = CSR
    emitted: list[Event] = field(default_factory=list)

    def emit(self, event: Event) -> None:
        self.emitted.append(event)
