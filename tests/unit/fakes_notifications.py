"""A unit of work for the notifications service's use cases in memory (application/unit_of_work.py),
for fast tests of the application layer: the e-mails a handler created are read back as rows,
the events it emitted and the signals it gave from lists. The real templates render the e-mails."""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contracts.envelope import Actor, Event, Role
from contracts.notifications import EmailHistoryPage, EmailView, GetEmailHistoryV1, TemplateList
from services.notifications.adapters.templates import Renderer
from services.notifications.application.unit_of_work import NewEmail, Release, Row
from services.notifications.domain.recipients import KnownOrder, Recipient
from services.notifications.domain.rendering import Templates
from services.notifications.domain.requests import EmailPolicy

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORDERS = Actor(agent_id="orders", role=Role.SYSTEM)
RENDERER = Renderer()  # the built-in templates, read once for the whole module


@dataclass
class FakeRecipients:
    by_id: dict[uuid.UUID, Recipient] = field(default_factory=dict)
    formats: dict[uuid.UUID, str] = field(default_factory=dict)
    locked: list[uuid.UUID] = field(default_factory=list)

    async def lock(self, customer_id: uuid.UUID) -> None:
        self.locked.append(customer_id)

    async def get(self, customer_id: uuid.UUID) -> Recipient | None:
        return self.by_id.get(customer_id)

    async def get_with_format(self, customer_id: uuid.UUID) -> tuple[Recipient | None, str | None]:
        return self.by_id.get(customer_id), self.formats.get(customer_id)

    async def format_override(self, customer_id: uuid.UUID) -> str | None:
        return self.formats.get(customer_id)

    async def upsert(self, recipient: Recipient, now: datetime) -> None:
        self.by_id[recipient.customer_id] = recipient

    async def set_format_override(self, customer_id: uuid.UUID, fmt: str | None, by: str, now: datetime) -> None:
        if fmt is None:
            self.formats.pop(customer_id, None)
        else:
            self.formats[customer_id] = fmt


@dataclass
class FakeKnownOrders:
    by_id: dict[uuid.UUID, KnownOrder] = field(default_factory=dict)

    async def remember(
        self, order_id: uuid.UUID, order_number: str | None, customer_id: uuid.UUID, now: datetime
    ) -> None:
        known = self.by_id.get(order_id)
        number = order_number or (known.order_number if known else None)
        self.by_id[order_id] = KnownOrder(order_id, number, customer_id)

    async def get(self, order_id: uuid.UUID) -> KnownOrder | None:
        return self.by_id.get(order_id)

    async def by_number(self, order_number: str) -> KnownOrder | None:
        return next((o for o in self.by_id.values() if o.order_number == order_number), None)


def _row(email: NewEmail) -> dict[str, Any]:
    """A new e-mail as its row reads, as the migrations default the columns it does not set."""
    row = dataclasses.asdict(email)
    row |= {"attempts": 0, "body_deleted_at": None, "resends": 0, "resent_by": None, "resent_at": None}
    row |= {"sent_at": None, "context": _json(email.context), "sealed": _json(email.sealed) if email.sealed else None}
    return row


def _json(value: Any) -> str:
    return json.dumps(value)


@dataclass
class FakeEmails:
    """The e-mail history, unique by the source message and template (the dedupe key)."""

    rows: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)

    async def add(self, email: NewEmail) -> bool:
        if any(r["dedupe_key"] == email.dedupe_key for r in self.rows.values()):
            return False
        self.rows[email.email_id] = _row(email)
        return True

    async def waiting_for(self, customer_id: uuid.UUID) -> list[Row]:
        return [
            r for r in self.rows.values() if r["customer_id"] == customer_id and r["status"] == "waiting_for_recipient"
        ]

    async def release(self, email_id: uuid.UUID, release: Release, now: datetime) -> None:
        row = self.rows[email_id]
        row |= dataclasses.asdict(release) | {"context": _json(release.context)}
        row["last_error"] = release.last_error
        if release.status != "pending":
            row["sealed"] = None

    async def get(self, email_id: uuid.UUID, *, for_update: bool = False) -> Row | None:
        return self.rows.get(email_id)

    async def latest_confirmation(self, order_id: uuid.UUID) -> Row | None:
        confirmations = [
            r
            for r in self.rows.values()
            if r["order_id"] == order_id and r["template"] in ("order_confirmation", "order_changed")
        ]
        return confirmations[-1] if confirmations else None

    async def resend_by_csr(
        self, email_id: uuid.UUID, flags: list[str], note: str, by: str, now: datetime
    ) -> Row | None:
        row = self.rows[email_id]
        if row["status"] not in ("uncertain", "failed"):
            return None
        row |= {"status": "pending", "flags": flags, "last_error": note, "resent_by": by, "resent_at": now}
        row["resends"] += 1
        return row

    async def purge_bodies(self, cutoff: datetime, now: datetime) -> int:
        raise NotImplementedError


class FakeViews:
    """The read side is SQL through and through: its tests are the e2e tests on PostgreSQL."""

    async def email_history(self, query: GetEmailHistoryV1, offset: int) -> EmailHistoryPage:
        raise NotImplementedError

    async def email(self, email_id: uuid.UUID) -> EmailView | None:
        raise NotImplementedError

    def templates(self) -> TemplateList:
        raise NotImplementedError


POLICY = EmailPolicy(default_language="en", default_email_format="html", max_body_chars=100_000)


@dataclass
class FakeDeciding:
    policy: EmailPolicy = POLICY
    templates: Templates = RENDERER

    def can_open(self, sealed: str) -> bool:
        return sealed.startswith("sealed:")


@dataclass
class FakeNotificationsUnitOfWork:
    recipients: FakeRecipients = field(default_factory=FakeRecipients)
    orders: FakeKnownOrders = field(default_factory=FakeKnownOrders)
    emails: FakeEmails = field(default_factory=FakeEmails)
    views: FakeViews = field(default_factory=FakeViews)
    deciding: FakeDeciding = field(default_factory=FakeDeciding)
    body_retention_days: int = 90
    now: datetime = NOW
    actor: Actor = ORDERS
    message_id: uuid.UUID = field(default_factory=uuid.uuid4)
    correlation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    emitted: list[Event] = field(default_factory=list)
    wake_ups: int = 0
    counted: list[str] = field(default_factory=list)

    def email_message_id(self, email_id: uuid.UUID) -> str:
        return f"<{email_id}@test.example.com>"

    def emit(self, event: Event) -> None:
        self.emitted.append(event)

    def mail_queued(self) -> None:
        self.wake_ups += 1

    def count(self, outcome: str) -> None:
        self.counted.append(outcome)

    def next_message(self) -> None:
        """The next message is handled: a new message id (a redelivery keeps the old one)."""
        self.message_id = uuid.uuid4()
