"""Field types of the notifications service's messages: what an e-mail is about, a draft."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.common import AttributeName, Email, FreeText, LocaleTag, Text

EmailStatus = Literal["pending", "sending", "sent", "failed", "uncertain", "waiting_for_recipient"]
EmailFormat = Literal["text", "html"]
TemplateName = Annotated[FreeText, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Subject = Annotated[Text, StringConstraints(min_length=1)]
# The contract allows generous bodies; the service enforces its own, configurable limit
# (OMS_MAX_BODY_CHARS) with a clear ``limit_exceeded``.
Body = Annotated[FreeText, StringConstraints(max_length=200_000)]
VariableValue = Annotated[FreeText, StringConstraints(max_length=4000)]


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
