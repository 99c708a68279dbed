"""Events of the notifications service, published on ``notifications.events``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from contracts.envelope import Event, PartitionKey
from contracts.notifications.values import EmailFormat, EmailStatus
from contracts.topics import NOTIFICATIONS_EVENTS


class _NotificationEvent(Event):
    TOPIC = NOTIFICATIONS_EVENTS


class EmailQueuedV1(_NotificationEvent):
    """An e-mail was created and waits for delivery (or for the customer's address)."""

    PARTITION_KEY = PartitionKey("customer_id", "email_id")

    email_id: uuid.UUID
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None = None
    template: str | None
    regarding: str | None = None
    status: EmailStatus
    requested_by: str
    queued_at: datetime


class EmailSentV1(_NotificationEvent):
    """An e-mail was accepted by the SMTP server (contact history uses it)."""

    PARTITION_KEY = PartitionKey("customer_id", "email_id")

    email_id: uuid.UUID
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None = None
    template: str | None
    subject: str
    to: str
    message_id: str
    sent_at: datetime
    regarding: str | None = None


class EmailFailedV1(_NotificationEvent):
    """An e-mail was not delivered: refused for good (``failed``), or an attempt may or may not
    have delivered it and it is not sent again automatically (``uncertain``: the delivery rule is
    at most once, or its attempts ran out); a CSR may re-send either (ResendEmailV1)."""

    PARTITION_KEY = PartitionKey("customer_id", "email_id")

    email_id: uuid.UUID
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None = None
    template: str | None
    subject: str
    to: str | None
    status: Literal["failed", "uncertain"]
    error: str
    attempts: int
    failed_at: datetime
    regarding: str | None = None


class EmailFormatSetV1(_NotificationEvent):
    PARTITION_KEY = PartitionKey("customer_id")

    customer_id: uuid.UUID
    format: EmailFormat | None
    set_by: str
    set_at: datetime


class EmailBodiesPurgedV1(_NotificationEvent):
    """Bodies of e-mails created before ``cutoff`` were deleted; their metadata stays."""

    PARTITION_KEY = PartitionKey(constant="retention")

    cutoff: datetime
    count: int
    purged_by: str
    purged_at: datetime
