"""Turning a request for a templated e-mail into a row of the history, ready for delivery
(domain/requests.py decides what it becomes)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from contracts import errors
from contracts.errors import Refused
from contracts.notifications import EmailFailedV1, EmailQueuedV1
from services.notifications.application.unit_of_work import NewEmail, Release, UnitOfWork
from services.notifications.domain.recipients import Recipient
from services.notifications.domain.requests import EmailRequest, Outcome, settle


@dataclass(frozen=True)
class Queued:
    email_id: uuid.UUID
    outcome: Outcome
    created: bool  # False: this message had created its e-mail already (a redelivery)


async def queue(uow: UnitOfWork, req: EmailRequest, *, strict: bool = False) -> Queued:
    """Create the e-mail for the message being handled. Problems are recorded as a failed e-mail
    (visible in the history, with an EmailFailedV1) or, when ``strict``, refuse the command."""
    recipient: Recipient | None = None
    csr_format: str | None = None
    if req.customer_id:
        await uow.recipients.lock(req.customer_id)
        recipient, csr_format = await uow.recipients.get_with_format(req.customer_id)
    outcome = settle(uow.deciding, req, recipient, csr_format)
    if strict and outcome.status == "failed":
        raise Refused(outcome.error_code or errors.INVALID_STATE, outcome.error or "the e-mail cannot be sent")
    email_id = uuid.uuid4()
    created = await uow.emails.add(
        NewEmail(
            email_id=email_id,
            dedupe_key=f"{uow.message_id}:{req.template}",
            customer_id=req.customer_id,
            order_id=req.order_id,
            regarding=req.regarding,
            template=req.template,
            language=outcome.language,
            format=outcome.format,
            to_addr=outcome.to_addr,
            subject=outcome.subject,
            body_text=outcome.body_text,
            body_html=outcome.body_html,
            context=outcome.context,
            status=outcome.status,
            message_id=uow.email_message_id(email_id),
            created_at=uow.now,
            created_by=uow.actor.agent_id,
            correlation_id=uow.correlation_id,
            flags=list(outcome.flags),
            sealed=req.sealed or None,
            format_explicit=req.fmt is not None,
            language_explicit=req.language is not None,
            last_error=outcome.error,
        )
    )
    if not created:
        return Queued(email_id, outcome, created=False)
    uow.emit(
        EmailQueuedV1(
            email_id=email_id,
            customer_id=req.customer_id,
            order_id=req.order_id,
            template=req.template,
            regarding=req.regarding,
            status=outcome.status,
            requested_by=uow.actor.agent_id,
            queued_at=uow.now,
        )
    )
    _announce(uow, email_id, req.customer_id, req.order_id, req.template, req.regarding, outcome)
    return Queued(email_id, outcome, created=True)


async def release_waiting(uow: UnitOfWork, recipient: Recipient) -> None:
    """E-mails created before this customer's details arrived can now be decided and sent."""
    csr_format = await uow.recipients.format_override(recipient.customer_id)
    for row in await uow.emails.waiting_for(recipient.customer_id):
        req = EmailRequest(
            template=row["template"],
            context=json.loads(row["context"]),
            customer_id=row["customer_id"],
            to=row["to_addr"],
            language=row["language"] if row["language_explicit"] else None,
            fmt=row["format"] if row["format_explicit"] else None,
            sealed=json.loads(row["sealed"]) if row["sealed"] else {},
            flags=tuple(row["flags"]),
        )
        outcome = settle(uow.deciding, req, recipient, csr_format)
        if outcome.status == "waiting_for_recipient":
            continue
        await uow.emails.release(
            row["email_id"],
            Release(
                status=outcome.status,
                to_addr=outcome.to_addr,
                language=outcome.language,
                format=outcome.format,
                subject=outcome.subject,
                body_text=outcome.body_text,
                body_html=outcome.body_html,
                context=outcome.context,
                last_error=outcome.error,
            ),
            uow.now,
        )
        _announce(uow, row["email_id"], row["customer_id"], row["order_id"], row["template"], row["regarding"], outcome)


def _announce(
    uow: UnitOfWork,
    email_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    order_id: uuid.UUID | None,
    template: str | None,
    regarding: str | None,
    outcome: Outcome,
) -> None:
    if outcome.status == "pending":
        uow.mail_queued()
    elif outcome.status == "failed":
        uow.emit(
            EmailFailedV1(
                email_id=email_id,
                customer_id=customer_id,
                order_id=order_id,
                template=template,
                subject=outcome.subject,
                to=outcome.to_addr,
                status="failed",
                error=outcome.error or "",
                attempts=0,
                failed_at=uow.now,
                regarding=regarding,
            )
        )
