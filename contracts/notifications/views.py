"""What queries of the notifications service show of e-mails and templates."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.notifications.values import EmailFormat, EmailStatus


class EmailPreview(BaseModel):
    """What would be sent, rendered, without sending anything."""

    model_config = ConfigDict(extra="forbid")

    to: str | None
    subject: str
    body_text: str
    body_html: str | None
    format: EmailFormat
    language: str
    template: str | None


class EmailView(BaseModel):
    """One e-mail of the history: metadata always, bodies until retention deletes them."""

    model_config = ConfigDict(extra="forbid")

    email_id: uuid.UUID
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None
    template: str | None
    language: str
    format: EmailFormat
    to: str | None
    subject: str
    regarding: str | None
    status: EmailStatus
    attempts: int
    last_error: str | None
    flags: list[str]
    message_id: str
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    body_text: str | None
    body_html: str | None
    body_deleted_at: datetime | None
    resends: int = Field(
        default=0, description="Times queued again with the same Message-ID: after an uncertain outcome, or by a CSR"
    )
    resent_by: str | None = Field(default=None, description="The last CSR who re-sent it (ResendEmailV1)")
    resent_at: datetime | None = None


class EmailHistoryPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[EmailView]
    total: int
    page: int
    page_size: int


class TemplateInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    languages: list[str]
    variables: list[str]


class TemplateList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    templates: list[TemplateInfo]
