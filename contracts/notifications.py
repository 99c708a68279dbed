"""Commands, queries and events of the notifications service (seed 002; NTF-*).

Rejection codes specific to this service (besides those of ``contracts.errors``):

- ``unknown_template``: no template of that name exists (``payload.template``).
- ``template_variable_missing``: the template uses a variable that was not given (``payload.variables``).
- ``no_recipient_address``: neither ``to`` nor a known address of the customer (``payload.to``).
- ``unsafe_html``: a written HTML body holds scripts, event handlers or ``javascript:`` links.
- ``limit_exceeded``: a body is longer than ``OMS_MAX_BODY_CHARS``.
- ``body_purged``: the e-mail cannot be re-sent, retention deleted its content (``payload.email_id``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.common import AttributeName, Email, FreeText, LocaleTag, Text
from contracts.envelope import STAFF, Command, Event, Query, Role
from contracts.topics import NOTIFICATIONS_COMMANDS, NOTIFICATIONS_EVENTS, NOTIFICATIONS_QUERIES

UNKNOWN_TEMPLATE = "unknown_template"
TEMPLATE_VARIABLE_MISSING = "template_variable_missing"
NO_RECIPIENT_ADDRESS = "no_recipient_address"
UNSAFE_HTML = "unsafe_html"
BODY_PURGED = "body_purged"

EmailStatus = Literal["pending", "sending", "sent", "failed", "uncertain", "waiting_for_recipient"]
EmailFormat = Literal["text", "html"]
TemplateName = Annotated[FreeText, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Subject = Annotated[Text, StringConstraints(min_length=1)]
# The contract allows generous bodies; the service enforces its own, configurable limit
# (OMS_MAX_BODY_CHARS) with a clear ``limit_exceeded``.
Body = Annotated[FreeText, StringConstraints(max_length=200_000)]
VariableValue = Annotated[FreeText, StringConstraints(max_length=4000)]

SUPERVISOR_AND_SYSTEM = frozenset({Role.SUPERVISOR, Role.SYSTEM})


class _NotificationCommand(Command):
    TOPIC = NOTIFICATIONS_COMMANDS


class _NotificationQuery(Query):
    TOPIC = NOTIFICATIONS_QUERIES
    ALLOWED_ROLES = STAFF


class _NotificationEvent(Event):
    TOPIC = NOTIFICATIONS_EVENTS


# --- values -------------------------------------------------------------------------------------


class Regarding(BaseModel):
    """What an e-mail is about: an order, invoice or payment number of the customer (seed 002)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    kind: Literal["order", "invoice", "payment", "quote"]
    number: Annotated[FreeText, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._/-]+$")]

    def label(self) -> str:
        return f"{self.kind} {self.number}"


class EmailDraft(BaseModel):
    """A CSR's e-mail (NTF-03): to the customer's address or another, a subject, and a body either
    written (text and/or HTML) or copied from a template rendered with ``variables``.

    Written bodies are used as they are (never rendered as templates). When only one variant is
    written, the other is derived from it (text escaped into HTML, or HTML stripped to text).
    A written subject wins over the template's.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    customer_id: uuid.UUID | None = None
    to: Email | None = Field(default=None, description="Another address; default: the customer's")
    subject: Subject | None = None
    body_text: Body | None = None
    body_html: Body | None = None
    template: TemplateName | None = Field(default=None, description="Copy this template (see ListEmailTemplatesV1)")
    variables: dict[AttributeName, VariableValue] = Field(default_factory=dict, max_length=50)
    language: LocaleTag | None = Field(default=None, description="Default: the customer's language")
    format: EmailFormat | None = Field(default=None, description="This e-mail only; default: the customer's")
    regarding: Regarding | None = None
    order_id: uuid.UUID | None = Field(default=None, description="Files the e-mail under this order's history")


class EmailQueuedResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email_id: uuid.UUID
    status: EmailStatus
    to: str | None


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


class EmailFormatResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    format: EmailFormat | None


class PurgeResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purged: int
    cutoff: datetime


class TemplateInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    languages: list[str]
    variables: list[str]


class TemplateList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    templates: list[TemplateInfo]


# --- commands -----------------------------------------------------------------------------------


class SendEmailV1(_NotificationCommand, EmailDraft):
    """A CSR sends an e-mail (NTF-03). Answered with the queued e-mail's id; delivery follows."""

    RESULT = EmailQueuedResult

    def partition_key(self) -> str:
        return str(self.customer_id) if self.customer_id else str(self.to or "").lower()


class ResendConfirmationV1(_NotificationCommand):
    """Send the latest confirmation of an order again, as a new e-mail (NTF-04), to the customer's
    current address (or ``to``). The latest confirmation is the order confirmation or, after a
    change, the order-changed e-mail."""

    RESULT = EmailQueuedResult

    order_id: uuid.UUID
    to: Email | None = None

    def partition_key(self) -> str:
        return str(self.order_id)


class ResendEmailV1(_NotificationCommand):
    """Send an ``uncertain`` or ``failed`` e-mail again (NTF-05): the same e-mail, with the same
    Message-ID, so a copy the customer may already have is folded by their mail system. Answered
    with its new status (``pending``). Refused with ``body_purged`` once retention deleted its
    content, ``invalid_state`` when it is not uncertain or failed (or cannot be sent: never
    rendered, or its temporary password is no longer kept), ``not_found`` for an unknown id."""

    RESULT = EmailQueuedResult

    email_id: uuid.UUID

    def partition_key(self) -> str:
        return str(self.email_id)


class SetEmailFormatV1(_NotificationCommand):
    """The default format of e-mails to one customer (NTF-07); ``None`` goes back to the customer's
    own preference, then to ``OMS_DEFAULT_EMAIL_FORMAT``."""

    RESULT = EmailFormatResult

    customer_id: uuid.UUID
    format: EmailFormat | None

    def partition_key(self) -> str:
        return str(self.customer_id)


class PurgeEmailBodiesV1(_NotificationCommand):
    """Delete the bodies of e-mails older than ``older_than_days`` (default
    ``OMS_BODY_RETENTION_DAYS``), keeping their metadata (NTF-06). A worker does it periodically."""

    ALLOWED_ROLES = SUPERVISOR_AND_SYSTEM
    RESULT = PurgeResult

    older_than_days: int | None = Field(default=None, ge=0, le=36_500)

    def partition_key(self) -> str:
        return "retention"


# --- queries ------------------------------------------------------------------------------------


class PreviewEmailV1(_NotificationQuery, EmailDraft):
    """Render a CSR e-mail as it would be sent (subject, text and HTML bodies); sends nothing."""

    RESULT = EmailPreview


class GetEmailHistoryV1(_NotificationQuery):
    """E-mails of a customer or of an order, newest first, paged (NTF-06). Give one id, or none
    with ``status`` ``uncertain`` or ``failed`` to list every customer's e-mails in that status
    (those a CSR may want to re-send with ResendEmailV1)."""

    RESULT = EmailHistoryPage

    customer_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    status: EmailStatus | None = Field(default=None, description="Only e-mails in this status")
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=100)
    include_bodies: bool = True


class GetEmailV1(_NotificationQuery):
    RESULT = EmailView

    email_id: uuid.UUID


class ListEmailTemplatesV1(_NotificationQuery):
    """The templates a CSR can copy, with their languages and the variables they use."""

    RESULT = TemplateList


# --- events -------------------------------------------------------------------------------------


class EmailQueuedV1(_NotificationEvent):
    """An e-mail was created and waits for delivery (or for the customer's address)."""

    email_id: uuid.UUID
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None = None
    template: str | None
    regarding: str | None = None
    status: EmailStatus
    requested_by: str
    queued_at: datetime

    def partition_key(self) -> str:
        return str(self.customer_id or self.email_id)


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
    regarding: str | None = None

    def partition_key(self) -> str:
        return str(self.customer_id or self.email_id)


class EmailFailedV1(_NotificationEvent):
    """An e-mail was not delivered: refused for good (``failed``), or an attempt may or may not
    have delivered it and it is not sent again automatically (``uncertain``: the delivery rule is
    at most once, or its attempts ran out); a CSR may re-send either (ResendEmailV1)."""

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

    def partition_key(self) -> str:
        return str(self.customer_id or self.email_id)


class EmailFormatSetV1(_NotificationEvent):
    customer_id: uuid.UUID
    format: EmailFormat | None
    set_by: str
    set_at: datetime

    def partition_key(self) -> str:
        return str(self.customer_id)


class EmailBodiesPurgedV1(_NotificationEvent):
    """Bodies of e-mails created before ``cutoff`` were deleted; their metadata stays."""

    cutoff: datetime
    count: int
    purged_by: str
    purged_at: datetime

    def partition_key(self) -> str:
        return "retention"
