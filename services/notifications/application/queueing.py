"""Turning a request for a templated e-mail into a row of the history, ready for delivery.

An e-mail is decided when it is created: its address, language, format and rendered bodies are
stored, so what is sent is what the history shows. When the customer's details have not arrived yet
(their event is still on its way), the e-mail waits and is decided when they do. A secret the
e-mail carries (a temporary password) stays sealed in the row; the stored bodies show a placeholder.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from contracts import errors
from contracts.notifications import NO_RECIPIENT_ADDRESS, EmailFailedV1, EmailQueuedV1
from contracts.sealing import SealingError
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres import store
from services.notifications.domain import rules as domain
from services.notifications.domain.rendering import TemplateError
from services.runtime.handling import Context, Rejected

Ctx = Context[NotificationsDeps]
NAMES = ("first_name", "last_name")


@dataclass(frozen=True)
class EmailRequest:
    template: str
    context: dict[str, Any]  # the template's variables, secrets excepted
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None = None
    regarding: str | None = None
    to: str | None = None  # explicit address; default: the customer's
    language: str | None = None  # explicit; default: the customer's
    fmt: str | None = None  # explicit for this e-mail; default: NTF-07's chain
    sealed: dict[str, str] = field(default_factory=dict)  # variables still sealed to our key
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    status: str  # waiting_for_recipient | pending | failed
    to_addr: str | None
    language: str
    format: str
    subject: str = ""
    body_text: str | None = None
    body_html: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_code: str | None = None
    flags: tuple[str, ...] = ()


def settle(
    deps: NotificationsDeps, req: EmailRequest, recipient: store.Recipient | None, csr_format: str | None
) -> Outcome:
    """Decide address, language, format and bodies, or why the e-mail cannot be sent. Pure given
    its inputs (no I/O), so the same rules apply when an e-mail is created and when it is released."""
    settings = deps.settings
    language = domain.choose_language(
        req.language, recipient.language if recipient else None, settings.default_language
    )
    fmt = domain.choose_format(
        req.fmt, csr_format, recipient.email_format if recipient else None, settings.default_email_format
    )
    address = req.to or (recipient.email if recipient else None)
    base = Outcome("failed", address, language, fmt, context=req.context, flags=req.flags)
    if recipient is None and "first_name" not in req.context:
        return _replace(base, status="waiting_for_recipient")
    context = {**_names(recipient), **req.context}
    base = _replace(base, context=context)
    if not address:
        return _replace(base, error="no e-mail address is known for the customer", error_code=NO_RECIPIENT_ADDRESS)
    valid = domain.valid_address(address)
    if valid is None:
        return _replace(base, error=f"invalid recipient address {address!r}", error_code=errors.INVALID)
    base = _replace(base, to_addr=valid)  # the plain address, whatever form the event carried
    for name, sealed in req.sealed.items():
        try:
            deps.open_secret(sealed)  # only to know now that it can be opened at send time
        except SealingError:
            return _replace(base, error=f"the sealed {name} cannot be opened with this service's key")
    placeholders = dict.fromkeys(req.sealed, domain.SECRET_PLACEHOLDER)
    try:
        rendered = deps.renderer.render(req.template, language, {**context, **placeholders})
    except TemplateError as exc:
        return _replace(base, error=str(exc), error_code=errors.INVALID)
    flags = req.flags + ((domain.REDACTED,) if req.sealed else ())
    done = _replace(
        base,
        language=rendered.locale,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        flags=flags,
    )
    limit = settings.max_body_chars
    if domain.oversized({"text": rendered.text, "html": rendered.html}, limit):
        return _replace(done, error=f"the body is longer than {limit} characters", error_code=errors.LIMIT_EXCEEDED)
    return _replace(done, status="pending")


@dataclass(frozen=True)
class Queued:
    email_id: uuid.UUID
    outcome: Outcome
    created: bool  # False: this message had created its e-mail already (a redelivery)


async def queue(ctx: Ctx, req: EmailRequest, *, strict: bool = False) -> Queued:
    """Create the e-mail for the message being handled. Problems are recorded as a failed e-mail
    (visible in the history, with an EmailFailedV1) or, when ``strict``, refuse the command."""
    recipient: store.Recipient | None = None
    csr_format: str | None = None
    if req.customer_id:
        await store.lock_customer(ctx.conn, req.customer_id)
        recipient, csr_format = await store.recipient_and_format(ctx.conn, req.customer_id)
    outcome = settle(ctx.deps, req, recipient, csr_format)
    if strict and outcome.status == "failed":
        raise Rejected(outcome.error_code or errors.INVALID_STATE, outcome.error or "the e-mail cannot be sent")
    email_id = uuid.uuid4()
    created = await store.insert_email(
        ctx.conn,
        store.NewEmail(
            email_id=email_id,
            dedupe_key=f"{ctx.envelope.message_id}:{req.template}",
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
            message_id=message_id(ctx.deps, email_id),
            created_at=ctx.now,
            created_by=ctx.actor.agent_id,
            correlation_id=ctx.envelope.correlation_id,
            flags=list(outcome.flags),
            sealed=req.sealed or None,
            format_explicit=req.fmt is not None,
            language_explicit=req.language is not None,
            last_error=outcome.error,
        ),
    )
    if not created:
        return Queued(email_id, outcome, created=False)
    ctx.emit(
        EmailQueuedV1(
            email_id=email_id,
            customer_id=req.customer_id,
            order_id=req.order_id,
            template=req.template,
            regarding=req.regarding,
            status=outcome.status,
            requested_by=ctx.actor.agent_id,
            queued_at=ctx.now,
        )
    )
    _announce(ctx, email_id, req.customer_id, req.order_id, req.template, req.regarding, outcome)
    return Queued(email_id, outcome, created=True)


async def release_waiting(ctx: Ctx, recipient: store.Recipient) -> None:
    """E-mails created before this customer's details arrived can now be decided and sent."""
    csr_format = await store.format_override(ctx.conn, recipient.customer_id)
    for row in await store.waiting_for(ctx.conn, recipient.customer_id):
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
        outcome = settle(ctx.deps, req, recipient, csr_format)
        if outcome.status == "waiting_for_recipient":
            continue
        await store.release(
            ctx.conn,
            row["email_id"],
            store.Release(
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
            ctx.now,
        )
        _announce(ctx, row["email_id"], row["customer_id"], row["order_id"], row["template"], row["regarding"], outcome)


def message_id(deps: NotificationsDeps, email_id: uuid.UUID) -> str:
    return f"<{email_id}@{deps.settings.message_id_domain}>"


def _announce(
    ctx: Ctx,
    email_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    order_id: uuid.UUID | None,
    template: str | None,
    regarding: str | None,
    outcome: Outcome,
) -> None:
    if outcome.status == "pending":
        ctx.deps.mail_queued.set()
    elif outcome.status == "failed":
        ctx.emit(
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
                failed_at=ctx.now,
                regarding=regarding,
            )
        )


def _names(recipient: store.Recipient | None) -> dict[str, Any]:
    if recipient is None:
        return {}
    return {"first_name": recipient.first_name, "last_name": recipient.last_name}


def _replace(outcome: Outcome, **changes: Any) -> Outcome:
    return dataclasses.replace(outcome, **changes)
