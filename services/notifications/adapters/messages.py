"""Which use case answers which message, wired into the runtime: each message is handed to its
use case with a unit of work on the transaction the runtime opened for it."""

from __future__ import annotations

from contracts import notifications as n
from contracts.customers import CustomerRegisteredV1, CustomerUpdatedV1, PasswordResetV1
from contracts.orders import (
    OrderCancelledV1,
    OrderChangedV1,
    OrderCommentAddedV1,
    OrderPlacedV1,
    OrderShippedV1,
    QuoteEmailRequestedV1,
)
from services.notifications.adapters import claim_messages, credit_messages
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres.unit_of_work import PostgresUnitOfWork
from services.notifications.application import csr_emails, customer_events, history, order_events, preferences
from services.runtime import paging
from services.runtime.handling import Handlers
from services.runtime.unit_of_work import UseCases

__all__ = ["NotificationsDeps", "build_handlers"]


def build_handlers() -> Handlers[NotificationsDeps]:
    h: Handlers[NotificationsDeps] = Handlers()
    u = UseCases(PostgresUnitOfWork)
    # The customers' events: the service's copy of them, a welcome (NTF-01), a temporary password (CUS-08)
    h.event(CustomerRegisteredV1)(u(customer_events.on_customer_registered))
    h.event(CustomerUpdatedV1)(u(customer_events.on_customer_updated))
    h.event(PasswordResetV1)(u(customer_events.on_password_reset))
    # The orders' events (NTF-01, NTF-02)
    h.event(OrderPlacedV1)(u(order_events.on_order_placed))
    h.event(OrderChangedV1)(u(order_events.on_order_changed))
    h.event(OrderCancelledV1)(u(order_events.on_order_cancelled))
    h.event(OrderShippedV1)(u(order_events.on_order_shipped))
    h.event(OrderCommentAddedV1)(u(order_events.on_order_comment))
    h.event(QuoteEmailRequestedV1)(u(order_events.on_quote_requested))
    credit_messages.register(h)  # refunds, appeasements, store credit (MNY-04, MNY-07, MNY-08)
    claim_messages.register(h)  # what a claim decided: a reship or a refund (MNY-06)
    # A CSR's e-mails (NTF-03, NTF-04), format (NTF-07), history and retention (NTF-06)
    h.command(n.SendEmailV1)(u(csr_emails.send_email))
    h.command(n.ResendConfirmationV1)(u(csr_emails.resend_confirmation))
    h.command(n.ResendEmailV1)(u(csr_emails.resend_email))
    h.command(n.SetEmailFormatV1)(u(preferences.set_email_format))
    h.command(n.PurgeEmailBodiesV1)(u(history.purge_email_bodies))
    h.query(n.PreviewEmailV1)(u(csr_emails.preview_email))
    h.query(n.GetEmailHistoryV1)(u(history.email_history))
    h.query(n.GetEmailHistoryV2)(paging.from_counted(u(history.email_history)))  # the common page shape
    h.query(n.GetEmailV1)(u(history.get_email))
    h.query(n.ListEmailTemplatesV1)(u(history.list_email_templates))
    return h
