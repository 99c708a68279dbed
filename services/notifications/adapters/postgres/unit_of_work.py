"""The unit of work on PostgreSQL: the repositories on the connection of the transaction the
runtime's dispatcher opened for this message (it commits them with the inbox claim and the
outbox rows, or none of them)."""

from __future__ import annotations

import uuid
from functools import cached_property

from services.notifications.adapters import metrics
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres.emails import PostgresEmails
from services.notifications.adapters.postgres.known_orders import PostgresKnownOrders
from services.notifications.adapters.postgres.recipients import PostgresRecipients
from services.notifications.adapters.postgres.views import PostgresViews
from services.notifications.domain.requests import Deciding
from services.runtime.unit_of_work import MessageUnitOfWork


class PostgresUnitOfWork(MessageUnitOfWork[NotificationsDeps]):
    @cached_property
    def recipients(self) -> PostgresRecipients:
        return PostgresRecipients(self.ctx.conn)

    @cached_property
    def orders(self) -> PostgresKnownOrders:
        return PostgresKnownOrders(self.ctx.conn)

    @cached_property
    def emails(self) -> PostgresEmails:
        return PostgresEmails(self.ctx.conn)

    @cached_property
    def views(self) -> PostgresViews:
        return PostgresViews(self.ctx.conn, self.ctx.deps.renderer)

    @property
    def deciding(self) -> Deciding:
        return self.ctx.deps

    @property
    def body_retention_days(self) -> int:
        return self.ctx.deps.settings.body_retention_days

    def email_message_id(self, email_id: uuid.UUID) -> str:
        return message_id_header(self.ctx.deps, email_id)

    def mail_queued(self) -> None:
        self.ctx.deps.mail_queued.set()

    def count(self, outcome: str) -> None:
        metrics.count(outcome)


def message_id_header(deps: NotificationsDeps, email_id: uuid.UUID) -> str:
    """The Message-ID an e-mail is sent with on every attempt, made from its id."""
    return f"<{email_id}@{deps.settings.message_id_domain}>"
