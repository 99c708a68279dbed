"""The seam between the use cases and the world: what a handler may load, save, emit and signal.

A use case is handed one unit of work per message. The runtime's dispatcher owns the transaction
(the inbox claim, these writes and the outbox rows commit together or not at all), so the unit of
work neither begins nor commits: it is the handler's view of that transaction. Production wires it
to PostgreSQL (adapters/postgres/unit_of_work.py); fast tests to tests/unit/fakes_notifications.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from contracts.envelope import Actor, Event
from contracts.notifications import EmailHistoryPage, EmailView, GetEmailHistoryV1, TemplateList
from services.notifications.domain.recipients import KnownOrder, Recipient
from services.notifications.domain.requests import Deciding


class Row(Protocol):
    """A stored e-mail, read by column name."""

    def __getitem__(self, key: str) -> Any: ...


@dataclass(frozen=True)
class NewEmail:
    email_id: uuid.UUID
    dedupe_key: str
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None
    regarding: str | None
    template: str | None
    language: str
    format: str
    to_addr: str | None
    subject: str
    body_text: str | None
    body_html: str | None
    context: dict[str, Any]
    status: str
    message_id: str
    created_at: datetime
    created_by: str
    correlation_id: uuid.UUID
    flags: list[str] = field(default_factory=list)
    sealed: dict[str, str] | None = None
    format_explicit: bool = False
    language_explicit: bool = False
    last_error: str | None = None


@dataclass(frozen=True)
class Release:
    """What an e-mail that waited for its customer's details becomes."""

    status: str
    to_addr: str | None
    language: str
    format: str
    subject: str
    body_text: str | None
    body_html: str | None
    context: dict[str, Any]
    last_error: str | None


class Recipients(Protocol):
    """The service's own copy of the customers, and a CSR's format choice for each (NTF-07)."""

    async def lock(self, customer_id: uuid.UUID) -> None: ...  # until the transaction ends
    async def get(self, customer_id: uuid.UUID) -> Recipient | None: ...
    async def get_with_format(self, customer_id: uuid.UUID) -> tuple[Recipient | None, str | None]: ...
    async def format_override(self, customer_id: uuid.UUID) -> str | None: ...
    async def upsert(self, recipient: Recipient, now: datetime) -> None: ...
    async def set_format_override(
        self, customer_id: uuid.UUID, fmt: str | None, by: str, now: datetime
    ) -> None: ...  # None: the customer's own preference again


class KnownOrders(Protocol):
    async def remember(
        self, order_id: uuid.UUID, order_number: str | None, customer_id: uuid.UUID, now: datetime
    ) -> None: ...
    async def get(self, order_id: uuid.UUID) -> KnownOrder | None: ...
    async def by_number(self, order_number: str) -> KnownOrder | None: ...


class Emails(Protocol):
    """The e-mail history, which is also the delivery queue."""

    async def add(self, email: NewEmail) -> bool: ...  # False: this message created it already
    async def waiting_for(self, customer_id: uuid.UUID) -> list[Row]: ...  # locked
    async def release(self, email_id: uuid.UUID, release: Release, now: datetime) -> None: ...
    async def get(self, email_id: uuid.UUID, *, for_update: bool = False) -> Row | None: ...
    async def latest_confirmation(self, order_id: uuid.UUID) -> Row | None: ...
    async def resend_by_csr(
        self, email_id: uuid.UUID, flags: list[str], note: str, by: str, now: datetime
    ) -> Row | None: ...
    async def purge_bodies(self, cutoff: datetime, now: datetime) -> int: ...


class Views(Protocol):
    """The read side: the contract's views of the history and the templates."""

    async def email_history(self, query: GetEmailHistoryV1, offset: int) -> EmailHistoryPage: ...
    async def email(self, email_id: uuid.UUID) -> EmailView | None: ...
    def templates(self) -> TemplateList: ...


class UnitOfWork(Protocol):
    """One message's work: the repositories, the rules' inputs, the clock, who asks, the message
    being handled, the events to publish (after the commit, through the outbox) and the signals
    to the delivery worker and the metrics."""

    @property
    def recipients(self) -> Recipients: ...
    @property
    def orders(self) -> KnownOrders: ...
    @property
    def emails(self) -> Emails: ...
    @property
    def views(self) -> Views: ...
    @property
    def deciding(self) -> Deciding: ...
    @property
    def body_retention_days(self) -> int: ...
    @property
    def now(self) -> datetime: ...
    @property
    def actor(self) -> Actor: ...
    @property
    def message_id(self) -> uuid.UUID: ...  # of the message being handled: what makes its e-mails unique
    @property
    def correlation_id(self) -> uuid.UUID: ...
    def email_message_id(self, email_id: uuid.UUID) -> str: ...  # the Message-ID header it is sent with
    def emit(self, event: Event) -> None: ...
    def mail_queued(self) -> None: ...  # wakes the delivery worker (it finds the e-mail once committed)
    def count(self, outcome: str) -> None: ...  # an e-mail outcome, for the metrics
