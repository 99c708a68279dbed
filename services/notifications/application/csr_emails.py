"""A CSR's e-mails (NTF-03, NTF-04): write or copy one, preview it, send it; send a confirmation
again; re-send an e-mail that may not have arrived."""

from __future__ import annotations

import json
import uuid

from contracts import errors
from contracts.errors import Refused
from contracts.notifications import (
    EmailDraft,
    EmailPreview,
    EmailQueuedResult,
    EmailQueuedV1,
    PreviewEmailV1,
    ResendConfirmationV1,
    ResendEmailV1,
    SendEmailV1,
)
from services.notifications.application.queueing import queue
from services.notifications.application.unit_of_work import NewEmail, UnitOfWork
from services.notifications.domain import drafts, rules
from services.notifications.domain.drafts import Composed
from services.notifications.domain.recipients import KnownOrder
from services.notifications.domain.requests import NAMES, EmailRequest


async def _compose(uow: UnitOfWork, draft: EmailDraft) -> Composed:
    order = await _order(uow, draft)
    customer_id = drafts.recipient_of(draft, order)
    recipient = await uow.recipients.get(customer_id) if customer_id else None
    csr_format = await uow.recipients.format_override(customer_id) if customer_id else None
    return drafts.compose(uow.deciding, draft, order, recipient, csr_format)


async def _order(uow: UnitOfWork, draft: EmailDraft) -> KnownOrder | None:
    if draft.order_id:
        return await uow.orders.get(draft.order_id)
    if draft.regarding and draft.regarding.kind == "order":
        return await uow.orders.by_number(draft.regarding.number)
    return None


async def preview_email(uow: UnitOfWork, query: PreviewEmailV1) -> EmailPreview:
    composed = await _compose(uow, query)
    return EmailPreview(
        to=composed.to,
        subject=composed.subject,
        body_text=composed.body_text,
        body_html=composed.body_html if composed.format == "html" else None,
        format=composed.format,
        language=composed.language,
        template=composed.template,
    )


async def send_email(uow: UnitOfWork, cmd: SendEmailV1) -> EmailQueuedResult:
    composed = await _compose(uow, cmd)
    email_id = uuid.uuid4()
    await uow.emails.add(
        NewEmail(
            email_id=email_id,
            dedupe_key=f"{uow.message_id}:csr",
            customer_id=composed.customer_id,
            order_id=composed.order_id,
            regarding=composed.regarding,
            template=composed.template,
            language=composed.language,
            format=composed.format,
            to_addr=composed.to,
            subject=composed.subject,
            body_text=composed.body_text,
            body_html=composed.body_html,
            context={},
            status="pending",
            message_id=uow.email_message_id(email_id),
            created_at=uow.now,
            created_by=uow.actor.agent_id,
            correlation_id=uow.correlation_id,
            flags=composed.flags,
            format_explicit=cmd.format is not None,
            language_explicit=True,
        )
    )
    uow.emit(
        EmailQueuedV1(
            email_id=email_id,
            customer_id=composed.customer_id,
            order_id=composed.order_id,
            template=composed.template,
            regarding=composed.regarding,
            status="pending",
            requested_by=uow.actor.agent_id,
            queued_at=uow.now,
        )
    )
    uow.mail_queued()
    return EmailQueuedResult(email_id=email_id, status="pending", to=composed.to)


async def resend_confirmation(uow: UnitOfWork, cmd: ResendConfirmationV1) -> EmailQueuedResult:
    row = await uow.emails.latest_confirmation(cmd.order_id)
    if row is None:
        raise Refused.field(errors.NOT_FOUND, "payload.order_id", "no confirmation e-mail exists for this order")
    if row["body_deleted_at"] is not None:
        raise Refused(
            errors.INVALID_STATE,
            f"the confirmation's content was deleted by retention on {row['body_deleted_at']:%Y-%m-%d}",
        )
    recipient = await uow.recipients.get(row["customer_id"]) if row["customer_id"] else None
    context = {k: v for k, v in json.loads(row["context"]).items() if k not in NAMES}
    queued = await queue(
        uow,
        EmailRequest(
            row["template"],
            context,
            customer_id=row["customer_id"],
            order_id=row["order_id"],
            regarding=row["regarding"],
            to=cmd.to or (recipient.email if recipient and recipient.email else row["to_addr"]),
            language=row["language"],
            flags=(rules.RESEND,),
        ),
        strict=True,
    )
    return EmailQueuedResult(email_id=queued.email_id, status=queued.outcome.status, to=queued.outcome.to_addr)


async def resend_email(uow: UnitOfWork, cmd: ResendEmailV1) -> EmailQueuedResult:
    """The same e-mail, same Message-ID, queued again by a CSR. Idempotent by the command's message
    id (the inbox answers a repeat with the first reply)."""
    row = await uow.emails.get(cmd.email_id, for_update=True)
    if row is None:
        raise Refused.field(errors.NOT_FOUND, "payload.email_id", "no such e-mail")
    rules.check_resendable(row)
    note = f"re-sent by {uow.actor.agent_id} after: {row['last_error'] or row['status']}"
    resent = await uow.emails.resend_by_csr(cmd.email_id, rules.resend_flags(row), note, uow.actor.agent_id, uow.now)
    assert resent is not None  # the row is locked and was uncertain or failed
    uow.emit(
        EmailQueuedV1(
            email_id=cmd.email_id,
            customer_id=row["customer_id"],
            order_id=row["order_id"],
            template=row["template"],
            regarding=row["regarding"],
            status="pending",
            requested_by=uow.actor.agent_id,
            queued_at=uow.now,
        )
    )
    uow.mail_queued()
    uow.count("resent")
    return EmailQueuedResult(email_id=cmd.email_id, status="pending", to=row["to_addr"])
