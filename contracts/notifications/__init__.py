"""Commands, queries and events of the notifications service (seed 002; NTF-*).

Rejection codes specific to this service (besides those of ``contracts.errors``):

- ``unknown_template``: no template of that name exists (``payload.template``).
- ``template_variable_missing``: the template uses a variable that was not given (``payload.variables``).
- ``no_recipient_address``: neither ``to`` nor a known address of the customer (``payload.to``).
- ``unsafe_html``: a written HTML body holds scripts, event handlers or ``javascript:`` links.
- ``limit_exceeded``: a body is longer than ``OMS_MAX_BODY_CHARS``.
- ``body_purged``: the e-mail cannot be re-sent, retention deleted its content (``payload.email_id``).

The package's modules: ``values`` (field types, what an e-mail is about, a draft), ``views``
(what queries show of e-mails and templates), ``results`` (what an accepted command answers),
``commands``, ``queries``, ``events``, ``roles`` (who may send what) and ``errors`` (the
service's own rejection codes). Every public name is re-exported here: import from
``contracts.notifications``.
"""

from __future__ import annotations

from contracts.notifications.commands import (
    PurgeEmailBodiesV1,
    ResendConfirmationV1,
    ResendEmailV1,
    SendEmailV1,
    SetEmailFormatV1,
)
from contracts.notifications.errors import (
    BODY_PURGED,
    NO_RECIPIENT_ADDRESS,
    NOTIFICATION_ERROR_DESCRIPTIONS,
    TEMPLATE_VARIABLE_MISSING,
    UNKNOWN_TEMPLATE,
    UNSAFE_HTML,
)
from contracts.notifications.events import (
    EmailBodiesPurgedV1,
    EmailFailedV1,
    EmailFormatSetV1,
    EmailQueuedV1,
    EmailSentV1,
)
from contracts.notifications.queries import (
    GetEmailHistoryV1,
    GetEmailHistoryV2,
    GetEmailV1,
    ListEmailTemplatesV1,
    PreviewEmailV1,
)
from contracts.notifications.results import EmailFormatResult, EmailQueuedResult, PurgeResult
from contracts.notifications.roles import SUPERVISOR_AND_SYSTEM
from contracts.notifications.values import (
    Body,
    EmailDraft,
    EmailFormat,
    EmailStatus,
    Regarding,
    Subject,
    TemplateName,
    VariableValue,
)
from contracts.notifications.views import EmailHistoryPage, EmailPreview, EmailView, TemplateInfo, TemplateList

__all__ = [
    "BODY_PURGED",
    "NOTIFICATION_ERROR_DESCRIPTIONS",
    "NO_RECIPIENT_ADDRESS",
    "SUPERVISOR_AND_SYSTEM",
    "TEMPLATE_VARIABLE_MISSING",
    "UNKNOWN_TEMPLATE",
    "UNSAFE_HTML",
    "Body",
    "EmailBodiesPurgedV1",
    "EmailDraft",
    "EmailFailedV1",
    "EmailFormat",
    "EmailFormatResult",
    "EmailFormatSetV1",
    "EmailHistoryPage",
    "EmailPreview",
    "EmailQueuedResult",
    "EmailQueuedV1",
    "EmailSentV1",
    "EmailStatus",
    "EmailView",
    "GetEmailHistoryV1",
    "GetEmailHistoryV2",
    "GetEmailV1",
    "ListEmailTemplatesV1",
    "PreviewEmailV1",
    "PurgeEmailBodiesV1",
    "PurgeResult",
    "Regarding",
    "ResendConfirmationV1",
    "ResendEmailV1",
    "SendEmailV1",
    "SetEmailFormatV1",
    "Subject",
    "TemplateInfo",
    "TemplateList",
    "TemplateName",
    "VariableValue",
]
