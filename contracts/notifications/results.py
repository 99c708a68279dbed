"""What an accepted command of the notifications service answers (a reply's ``result``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from contracts.notifications.values import EmailFormat, EmailStatus


class EmailQueuedResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email_id: uuid.UUID
    status: EmailStatus
    to: str | None


class EmailFormatResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    format: EmailFormat | None


class PurgeResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purged: int
    cutoff: datetime
