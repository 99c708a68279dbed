"""Event, command and query handlers: decide which e-mail, queue it for delivery, answer history."""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel

from contracts import errors
from contracts.customers import CustomerRegisteredV1, CustomerUpdatedV1, PasswordResetV1
from contracts.notifications import (
    BODY_PURGED,
    NO_RECIPIENT_ADDRESS,
    EmailBodiesPurgedV1,
    EmailFormatResult,
    EmailFormatSetV1,
    EmailHistoryPage,
    EmailPreview,
    EmailQueuedResult,
    EmailQueuedV1,
    EmailView,
    GetEmailHistoryV1,
    GetEmailHistoryV2,
    GetEmailV1,
    ListEmailTemplatesV1,
    PreviewEmailV1,
    PurgeEmailBodiesV1,
    PurgeResult,
    ResendConfirmationV1,
    ResendEmailV1,
    SendEmailV1,
    SetEmailFormatV1,
    TemplateInfo,
    TemplateList,
)
from contracts.orders import (
    OrderCancelledV1,
    OrderChangedV1,
    OrderCommentAddedV1,
    OrderPlacedV1,
    OrderShippedV1,
    QuoteEmailRequestedV1,
)
from services.notifications import domain, drafts, emails, metrics, store
from services.notifications.deps import NotificationsDeps
from services.notifications.emails import EmailRequest
from services.notifications.views import email_view
from services.runtime import paging
from services.runtime.handling import Context, Handlers, Rejected

Ctx = Context[NotificationsDeps]

__all__ = ["NotificationsDeps", "build_handlers"]


def build_handlers() -> Handlers[NotificationsDeps]:
    handlers: Handlers[NotificationsDeps] = Handlers()
    handlers.event(CustomerRegisteredV1)(on_customer_registered)
    handlers.event(CustomerUpdatedV1)(on_customer_updated)
    handlers.event(PasswordResetV1)(on_password_reset)
    handlers.event(OrderPlacedV1)(on_order_placed)
    handlers.event(OrderChangedV1)(on_order_changed)
    handlers.event(OrderCancelledV1)(on_order_cancelled)
    handlers.event(OrderShippedV1)(on_order_shipped)
    handlers.event(OrderCommentAddedV1)(on_order_comment)
    handlers.event(QuoteEmailRequestedV1)(on_quote_requested)
    handlers.command(SendEmailV1)(send_email)
    handlers.command(ResendConfirmationV1)(resend_confirmation)
    handlers.command(ResendEmailV1)(resend_email)
    handlers.command(SetEmailFormatV1)(set_email_format)
    handlers.command(PurgeEmailBodiesV1)(purge_email_bodies)
    handlers.query(PreviewEmailV1)(preview_email)
    handlers.query(GetEmailHistoryV1)(email_history)
    handlers.query(GetEmailHistoryV2)(paging.from_counted(email_history))  # the common page shape
    handlers.query(GetEmailV1)(get_email)
    handlers.query(ListEmailTemplatesV1)(list_templates)
    return handlers


# --- customers' events: the service's own copy of what it needs, and their e-mails -----------


async def on_customer_registered(ctx: Ctx, event: CustomerRegisteredV1) -> None:
    recipient = await _remember_customer(ctx, event)
    if not event.guest and event.email:
        await emails.queue(
            ctx, EmailRequest("welcome", {"logon_id": event.logon_id}, customer_id=recipient.customer_id)
        )


async def on_customer_updated(ctx: Ctx, event: CustomerUpdatedV1) -> None:
    await _remember_customer(ctx, event)


async def _remember_customer(ctx: Ctx, event: CustomerRegisteredV1 | CustomerUpdatedV1) -> store.Recipient:
    recipient = store.Recipient(
        customer_id=event.customer_id,
        email=event.email,
        first_name=event.first_name,
        last_name=event.last_name,
        language=event.preferred_language,
        email_format=event.email_format,
    )
    await store.lock_customer(ctx.conn, event.customer_id)
    await store.upsert_recipient(ctx.conn, recipient, ctx.now)
    await emails.release_waiting(ctx, recipient)
    return recipient


async def on_password_reset(ctx: Ctx, event: PasswordResetV1) -> None:
    # The temporary password stays sealed in the row; it is opened only to render the copy that goes
    # to the SMTP server (see delivery.py). The stored bodies show a placeholder.
    await emails.queue(
        ctx,
        EmailRequest(
            "password_reset",
            {"logon_id": event.logon_id, "expires_at": event.expires_at.isoformat()},
            customer_id=event.customer_id,
            sealed={"temporary_password": event.sealed_temporary_password},
        ),
    )


# --- orders' events ---------------------------------------------------------------------------


async def on_order_placed(ctx: Ctx, event: OrderPlacedV1) -> None:
    await _order_email(ctx, event, "order_confirmation", event.order_number)


async def on_order_changed(ctx: Ctx, event: OrderChangedV1) -> None:
    await _order_email(ctx, event, "order_changed", event.order_number)


async def on_order_cancelled(ctx: Ctx, event: OrderCancelledV1) -> None:
    await _order_email(ctx, event, "order_cancelled", event.order_number)


async def on_order_shipped(ctx: Ctx, event: OrderShippedV1) -> None:
    await _order_email(ctx, event, "shipment", event.order_number)


async def on_order_comment(ctx: Ctx, event: OrderCommentAddedV1) -> None:
    number = event.order_number
    if number is None and (known := await store.known_order(ctx.conn, event.order_id)):
        number = known.order_number
    if event.visibility != "customer":
        await store.remember_order(ctx.conn, event.order_id, number, event.customer_id, ctx.now)
        return  # an internal comment is never e-mailed
    await _order_email(ctx, event, "order_comment", number, {"order_number": number})


async def on_quote_requested(ctx: Ctx, event: QuoteEmailRequestedV1) -> None:
    await emails.queue(
        ctx,
        EmailRequest(
            "quote",
            _context(event),
            customer_id=event.customer_id,
            regarding=f"quote {event.quote_number}",
            to=event.email,
            language=event.language,
        ),
    )


OrderEvent = OrderPlacedV1 | OrderChangedV1 | OrderCancelledV1 | OrderShippedV1 | OrderCommentAddedV1


async def _order_email(
    ctx: Ctx, event: OrderEvent, template: str, number: str | None, extra: dict[str, Any] | None = None
) -> None:
    await store.remember_order(ctx.conn, event.order_id, number, event.customer_id, ctx.now)
    await emails.queue(
        ctx,
        EmailRequest(
            template,
            {**_context(event), **(extra or {})},
            customer_id=event.customer_id,
            order_id=event.order_id,
            regarding=f"order {number}" if number else None,
            to=event.email,
            language=event.language,
        ),
    )


def _context(event: BaseModel) -> dict[str, Any]:
    """An event's fields as template variables (the address and language are the e-mail's, not text)."""
    values: dict[str, Any] = event.model_dump(mode="json", exclude={"email", "language"})
    return values


# --- commands ---------------------------------------------------------------------------------


async def send_email(ctx: Ctx, cmd: SendEmailV1) -> EmailQueuedResult:
    composed = await drafts.compose(ctx, cmd)
    email_id = uuid.uuid4()
    await store.insert_email(
        ctx.conn,
        store.NewEmail(
            email_id=email_id,
            dedupe_key=f"{ctx.envelope.message_id}:csr",
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
            message_id=emails.message_id(ctx.deps, email_id),
            created_at=ctx.now,
            created_by=ctx.actor.agent_id,
            correlation_id=ctx.envelope.correlation_id,
            flags=composed.flags,
            format_explicit=cmd.format is not None,
            language_explicit=True,
        ),
    )
    ctx.emit(
        EmailQueuedV1(
            email_id=email_id,
            customer_id=composed.customer_id,
            order_id=composed.order_id,
            template=composed.template,
            regarding=composed.regarding,
            status="pending",
            requested_by=ctx.actor.agent_id,
            queued_at=ctx.now,
        )
    )
    ctx.deps.mail_queued.set()
    return EmailQueuedResult(email_id=email_id, status="pending", to=composed.to)


async def resend_confirmation(ctx: Ctx, cmd: ResendConfirmationV1) -> EmailQueuedResult:
    row = await store.latest_confirmation(ctx.conn, cmd.order_id)
    if row is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.order_id", "no confirmation e-mail exists for this order")
    if row["body_deleted_at"] is not None:
        raise Rejected(
            errors.INVALID_STATE,
            f"the confirmation's content was deleted by retention on {row['body_deleted_at']:%Y-%m-%d}",
        )
    recipient = await store.recipient(ctx.conn, row["customer_id"]) if row["customer_id"] else None
    context = {k: v for k, v in json.loads(row["context"]).items() if k not in emails.NAMES}
    queued = await emails.queue(
        ctx,
        EmailRequest(
            row["template"],
            context,
            customer_id=row["customer_id"],
            order_id=row["order_id"],
            regarding=row["regarding"],
            to=cmd.to or (recipient.email if recipient and recipient.email else row["to_addr"]),
            language=row["language"],
            flags=(domain.RESEND,),
        ),
        strict=True,
    )
    return EmailQueuedResult(
        email_id=queued.email_id,
        status=queued.outcome.status,
        to=queued.outcome.to_addr,
    )


async def resend_email(ctx: Ctx, cmd: ResendEmailV1) -> EmailQueuedResult:
    """The same e-mail, same Message-ID, queued again by a CSR. Idempotent by the command's message
    id (the inbox answers a repeat with the first reply)."""
    row = await store.email(ctx.conn, cmd.email_id, for_update=True)
    if row is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.email_id", "no such e-mail")
    _check_resendable(row)
    wanted = [domain.RESENT_BY_CSR] + ([domain.RESENT_AFTER_UNCERTAIN] if row["status"] == "uncertain" else [])
    flags = list(row["flags"]) + [flag for flag in wanted if flag not in row["flags"]]
    note = f"re-sent by {ctx.actor.agent_id} after: {row['last_error'] or row['status']}"
    resent = await store.resend_by_csr(ctx.conn, cmd.email_id, flags, note, ctx.actor.agent_id, ctx.now)
    assert resent is not None  # the row is locked and was uncertain or failed
    ctx.emit(
        EmailQueuedV1(
            email_id=cmd.email_id,
            customer_id=row["customer_id"],
            order_id=row["order_id"],
            template=row["template"],
            regarding=row["regarding"],
            status="pending",
            requested_by=ctx.actor.agent_id,
            queued_at=ctx.now,
        )
    )
    ctx.deps.mail_queued.set()
    metrics.count("resent")
    return EmailQueuedResult(email_id=cmd.email_id, status="pending", to=row["to_addr"])


def _check_resendable(row: Any) -> None:
    """Only an e-mail that was rendered, may not have arrived, and can be rendered again is re-sent."""
    if row["body_deleted_at"] is not None:
        raise Rejected.field(
            BODY_PURGED,
            "payload.email_id",
            f"the e-mail's content was deleted by retention on {row['body_deleted_at']:%Y-%m-%d}; it cannot be re-sent",
        )
    if row["status"] not in ("uncertain", "failed"):
        raise Rejected.field(
            errors.INVALID_STATE,
            "payload.email_id",
            f"only an uncertain or failed e-mail can be re-sent; this one is {row['status']}",
        )
    if row["to_addr"] is None:
        raise Rejected.field(NO_RECIPIENT_ADDRESS, "payload.email_id", "the e-mail has no recipient address")
    if row["attempts"] == 0:
        raise Rejected.field(
            errors.INVALID_STATE, "payload.email_id", f"the e-mail could never be sent: {row['last_error']}"
        )
    if domain.REDACTED in row["flags"] and row["sealed"] is None:
        raise Rejected.field(
            errors.INVALID_STATE,
            "payload.email_id",
            "the e-mail carried a temporary password that is no longer kept; ask for a new password reset",
        )


async def set_email_format(ctx: Ctx, cmd: SetEmailFormatV1) -> EmailFormatResult:
    await store.set_format_override(ctx.conn, cmd.customer_id, cmd.format, ctx.actor.agent_id, ctx.now)
    ctx.emit(
        EmailFormatSetV1(customer_id=cmd.customer_id, format=cmd.format, set_by=ctx.actor.agent_id, set_at=ctx.now)
    )
    return EmailFormatResult(customer_id=cmd.customer_id, format=cmd.format)


async def purge_email_bodies(ctx: Ctx, cmd: PurgeEmailBodiesV1) -> PurgeResult:
    days = cmd.older_than_days if cmd.older_than_days is not None else ctx.deps.settings.body_retention_days
    cutoff = domain.retention_cutoff(ctx.now, days)
    count = await store.purge_bodies(ctx.conn, cutoff, ctx.now)
    ctx.emit(EmailBodiesPurgedV1(cutoff=cutoff, count=count, purged_by=ctx.actor.agent_id, purged_at=ctx.now))
    return PurgeResult(purged=count, cutoff=cutoff)


# --- queries ----------------------------------------------------------------------------------


async def preview_email(ctx: Ctx, query: PreviewEmailV1) -> EmailPreview:
    composed = await drafts.compose(ctx, query)
    return EmailPreview(
        to=composed.to,
        subject=composed.subject,
        body_text=composed.body_text,
        body_html=composed.body_html if composed.format == "html" else None,
        format=composed.format,
        language=composed.language,
        template=composed.template,
    )


async def email_history(ctx: Ctx, query: GetEmailHistoryV1) -> EmailHistoryPage:
    if query.customer_id is not None and query.order_id is not None:
        raise Rejected.field(errors.INVALID, "payload.customer_id", "give customer_id or order_id, not both")
    if query.customer_id is None and query.order_id is None:
        if query.status is None:
            missing = "give customer_id or order_id, or a status to list every customer's"
            raise Rejected.field(errors.INVALID, "payload.customer_id", missing)
        if query.status not in domain.LISTED_ACROSS_CUSTOMERS:
            # Those few are indexed; every customer's sent e-mails would be a scan of the whole history.
            raise Rejected.field(
                errors.INVALID,
                "payload.status",
                f"every customer's e-mails are listed only for status {' or '.join(domain.LISTED_ACROSS_CUSTOMERS)}",
            )
    rows, total = await store.history(
        ctx.conn,
        customer_id=query.customer_id,
        order_id=query.order_id,
        status=query.status,
        limit=query.page_size,
        offset=domain.offset(query.page, query.page_size),
    )
    return EmailHistoryPage(
        items=[email_view(r, include_bodies=query.include_bodies) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


async def get_email(ctx: Ctx, query: GetEmailV1) -> EmailView:
    row = await store.email(ctx.conn, query.email_id)
    if row is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.email_id", "no such e-mail")
    return email_view(row)


async def list_templates(ctx: Ctx, query: ListEmailTemplatesV1) -> TemplateList:
    renderer = ctx.deps.renderer
    return TemplateList(
        templates=[
            TemplateInfo(name=name, languages=languages, variables=renderer.variables(name))
            for name, languages in renderer.names().items()
        ]
    )
