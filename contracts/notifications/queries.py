"""Queries of the notifications service: preview, e-mail history, one e-mail, templates."""

from __future__ import annotations

import uuid

from pydantic import Field

from contracts.envelope import STAFF, Query
from contracts.notifications.values import EmailDraft, EmailStatus
from contracts.notifications.views import EmailHistoryPage, EmailPreview, EmailView, TemplateList
from contracts.paging import ListPage
from contracts.topics import NOTIFICATIONS_QUERIES


class _NotificationQuery(Query):
    TOPIC = NOTIFICATIONS_QUERIES
    ALLOWED_ROLES = STAFF


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


class GetEmailHistoryV2(GetEmailHistoryV1):
    """A customer's e-mail history (as ``GetEmailHistoryV1``), answered in the common page shape
    (``contracts.paging.ListPage``: ``items``, ``page``, ``page_size``, ``has_more``, ``total``)."""

    RESULT = ListPage[EmailView]
