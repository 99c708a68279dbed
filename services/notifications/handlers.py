"""Event and command handlers: decide which e-mail, render it, queue it for delivery."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from contracts import errors
from contracts.customers import CustomerRegisteredV1
from contracts.orders import OrderPlacedV1
from services.notifications import store
from services.notifications.rendering import Renderer, TemplateError
from services.notifications.settings import NotificationsSettings
from services.runtime.handling import Context, Handlers, Rejected


@dataclass
class NotificationsDeps:
    settings: NotificationsSettings
    renderer: Renderer
    mail_queued: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for_mail(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.mail_queued.wait(), timeout)
        self.mail_queued.clear()


Ctx = Context[NotificationsDeps]


def build_handlers() -> Handlers[NotificationsDeps]:
    handlers: Handlers[NotificationsDeps] = Handlers()
    handlers.event(CustomerRegisteredV1)(on_customer_registered)
    handlers.event(OrderPlacedV1)(on_order_placed)
    return handlers


async def on_customer_registered(ctx: Ctx, event: CustomerRegisteredV1) -> None:
    recipient = store.Recipient(
        customer_id=event.customer_id,
        email=event.email,
        first_name=event.first_name,
        last_name=event.last_name,
        language=event.preferred_language,
        email_format=event.email_format,
    )
    await store.upsert_recipient(ctx.conn, recipient, ctx.now)
    await release_waiting(ctx, recipient)
    if not event.guest and event.email:
        await queue_email(ctx, "welcome", customer_id=event.customer_id, context={"logon_id": event.logon_id})


async def on_order_placed(ctx: Ctx, event: OrderPlacedV1) -> None:
    await queue_email(
        ctx,
        "order_confirmation",
        customer_id=event.customer_id,
        order_id=event.order_id,
        regarding=f"order {event.order_number}",
        to=event.email,
        language=event.language,
        context=event.model_dump(mode="json"),
    )


async def queue_email(
    ctx: Ctx,
    template: str,
    *,
    customer_id: uuid.UUID | None,
    context: dict[str, Any],
    order_id: uuid.UUID | None = None,
    regarding: str | None = None,
    to: str | None = None,
    language: str | None = None,
    fmt: str | None = None,
    dedupe_suffix: str = "",
) -> uuid.UUID | None:
    """Render and queue one e-mail for this message. If nobody knows the address yet (the customer's
    event has not arrived), it waits and is rendered when it does."""
    settings = ctx.deps.settings
    recipient = await store.recipient(ctx.conn, customer_id) if customer_id else None
    address = to or (recipient.email if recipient else None)
    language = language or (recipient.language if recipient else None) or settings.default_language
    fmt = fmt or (recipient.email_format if recipient else None) or settings.default_email_format
    full_context = {**_names(recipient), **context}
    email_id = uuid.uuid4()
    rendered = None
    if address and (recipient or "first_name" in context):
        try:
            rendered = ctx.deps.renderer.render(template, language, full_context)
        except TemplateError as exc:
            raise Rejected(errors.INVALID, str(exc)) from None
    created = await store.insert_email(
        ctx.conn,
        store.NewEmail(
            email_id=email_id,
            dedupe_key=f"{ctx.envelope.message_id}:{template}{dedupe_suffix}",
            customer_id=customer_id,
            order_id=order_id,
            regarding=regarding,
            template=template,
            language=rendered.language if rendered else language,
            format=fmt,
            to_addr=address,
            subject=rendered.subject if rendered else "",
            body_text=rendered.text if rendered else None,
            body_html=rendered.html if rendered else None,
            context=context,
            status="pending" if rendered else "waiting_for_recipient",
            message_id=f"<{email_id}@{settings.message_id_domain}>",
            created_at=ctx.now,
            created_by=ctx.actor.agent_id,
            correlation_id=ctx.envelope.correlation_id,
        ),
    )
    if created and rendered:
        ctx.deps.mail_queued.set()
    return email_id if created else None


async def release_waiting(ctx: Ctx, recipient: store.Recipient) -> None:
    """E-mails queued before this customer's details arrived can now be rendered and sent."""
    if not recipient.email:
        return
    for row in await store.waiting_for(ctx.conn, recipient.customer_id):
        import json

        context = {**_names(recipient), **json.loads(row["context"])}
        language = row["language"] or recipient.language
        rendered = ctx.deps.renderer.render(row["template"], language, context)
        await store.release(
            ctx.conn,
            row["email_id"],
            to_addr=row["to_addr"] or recipient.email,
            language=rendered.language,
            fmt=row["format"],
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            now=ctx.now,
        )
        ctx.deps.mail_queued.set()


def _names(recipient: store.Recipient | None) -> dict[str, Any]:
    if recipient is None:
        return {}
    return {"first_name": recipient.first_name, "last_name": recipient.last_name}
