"""Commands, queries and events of the notifications service (seed 002; NTF-*)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from contracts.envelope import Event
from contracts.topics import NOTIFICATIONS_EVENTS

EmailStatus = Literal["pending", "sending", "sent", "failed", "uncertain", "waiting_for_recipient"]


class _NotificationEvent(Event):
    TOPIC = NOTIFICATIONS_EVENTS


class EmailSentV1(_NotificationEvent):
    """An e-mail was accepted by the SMTP server (contact history uses it)."""

    email_id: uuid.UUID
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None = None
    template: str | None
    subject: str
    to: str
    message_id: str
    sent_at: datetime

    def partition_key(self) -> str:
        return str(self.customer_id or self.email_id)
