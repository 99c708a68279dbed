"""Commands of the notifications service: send, resend, e-mail format, purge bodies."""

from __future__ import annotations

import uuid

from pydantic import Field

from contracts.common import Email
from contracts.envelope import Command, PartitionKey
from contracts.notifications.results import EmailFormatResult, EmailQueuedResult, PurgeResult
from contracts.notifications.roles import SUPERVISOR_AND_SYSTEM
from contracts.notifications.values import EmailDraft, EmailFormat
from contracts.topics import NOTIFICATIONS_COMMANDS


class _NotificationCommand(Command):
    TOPIC = NOTIFICATIONS_COMMANDS


class SendEmailV1(_NotificationCommand, EmailDraft):
    """A CSR sends an e-mail (NTF-03). Answered with the queued e-mail's id; delivery follows."""

    RESULT = EmailQueuedResult
    PARTITION_KEY = PartitionKey("customer_id", "to", lowercase=True)


class ResendConfirmationV1(_NotificationCommand):
    """Send the latest confirmation of an order again, as a new e-mail (NTF-04), to the customer's
    current address (or ``to``). The latest confirmation is the order confirmation or, after a
    change, the order-changed e-mail."""

    RESULT = EmailQueuedResult
    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    to: Email | None = None


class ResendEmailV1(_NotificationCommand):
    """Send an ``uncertain`` or ``failed`` e-mail again (NTF-05): the same e-mail, with the same
    Message-ID, so a copy the customer may already have is folded by their mail system. Answered
    with its new status (``pending``). Refused with ``body_purged`` once retention deleted its
    content, ``invalid_state`` when it is not uncertain or failed (or cannot be sent: never
    rendered, or its temporary password is no longer kept), ``not_found`` for an unknown id."""

    RESULT = EmailQueuedResult
    PARTITION_KEY = PartitionKey("email_id")

    email_id: uuid.UUID


class SetEmailFormatV1(_NotificationCommand):
    """The default format of e-mails to one customer (NTF-07); ``None`` goes back to the customer's
    own preference, then to ``OMS_DEFAULT_EMAIL_FORMAT``."""

    RESULT = EmailFormatResult
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    format: EmailFormat | None


class PurgeEmailBodiesV1(_NotificationCommand):
    """Delete the bodies of e-mails older than ``older_than_days`` (default
    ``OMS_BODY_RETENTION_DAYS``), keeping their metadata (NTF-06). A worker does it periodically."""

    ALLOWED_ROLES = SUPERVISOR_AND_SYSTEM
    RESULT = PurgeResult
    PARTITION_KEY = PartitionKey(constant="retention")

    older_than_days: int | None = Field(default=None, ge=0, le=36_500)
