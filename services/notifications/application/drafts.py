"""A CSR's e-mail (NTF-03): composed the same way for a preview and for sending, so the preview is
exactly what the customer gets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from contracts import errors
from contracts.notifications import (
    NO_RECIPIENT_ADDRESS,
    TEMPLATE_VARIABLE_MISSING,
    UNKNOWN_TEMPLATE,
    UNSAFE_HTML,
    EmailDraft,
)
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres import store
from services.notifications.domain import rules as domain
from services.notifications.domain.rendering import MissingVariable, Rendered, TemplateError, UnknownTemplate
from services.runtime.handling import Context, Rejected

Ctx = Context[NotificationsDeps]


@dataclass(frozen=True)
class Composed:
    customer_id: uuid.UUID | None
    order_id: uuid.UUID | None
    regarding: str | None
    to: str
    subject: str
    body_text: str
    body_html: str
    format: str
    language: str
    template: str | None
    flags: list[str]


async def compose(ctx: Ctx, draft: EmailDraft) -> Composed:
    """Everything about the e-mail decided, or a rejection saying which field is wrong."""
    settings = ctx.deps.settings
    order = await _order(ctx, draft)
    customer_id = draft.customer_id or (order.customer_id if order else None)
    if customer_id is None and draft.to is None:
        raise Rejected.field(NO_RECIPIENT_ADDRESS, "payload.to", "give the customer (customer_id) or an address (to)")
    recipient = await store.recipient(ctx.conn, customer_id) if customer_id else None
    to = draft.to or (recipient.email if recipient else None)
    if not to:
        raise Rejected.field(
            NO_RECIPIENT_ADDRESS, "payload.to", "no e-mail address is known for this customer; give one in 'to'"
        )
    valid = domain.valid_address(to)
    if valid is None:
        raise Rejected.field(errors.INVALID, "payload.to", f"the customer's address {to!r} is not a valid address")
    written = draft.body_text is not None or draft.body_html is not None
    if not written and draft.template is None:
        raise Rejected.field(errors.INVALID, "payload.body_text", "write a body (text or HTML) or copy a template")
    if not draft.subject and draft.template is None:
        raise Rejected.field(errors.INVALID, "payload.subject", "a subject is needed when no template is copied")
    if draft.body_html is not None and (why := domain.unsafe_html(draft.body_html)):
        raise Rejected.field(UNSAFE_HTML, "payload.body_html", why)
    limit = settings.max_body_chars
    if too_long := domain.oversized({"body_text": draft.body_text, "body_html": draft.body_html}, limit):
        raise Rejected.field(
            errors.LIMIT_EXCEEDED, f"payload.{too_long}", f"{too_long} is longer than {limit} characters"
        )
    language = domain.choose_language(
        draft.language, recipient.language if recipient else None, settings.default_language
    )
    csr_format = await store.format_override(ctx.conn, customer_id) if customer_id else None
    fmt = domain.choose_format(
        draft.format, csr_format, recipient.email_format if recipient else None, settings.default_email_format
    )
    rendered = _render(ctx, draft, recipient, language) if draft.template else None
    if written:
        text = draft.body_text if draft.body_text is not None else domain.html_to_text(draft.body_html or "")
        html = draft.body_html if draft.body_html is not None else domain.text_to_html(text)
    else:
        assert rendered is not None
        text, html = rendered.text, rendered.html
        if domain.oversized({"text": text, "html": html}, limit):
            raise Rejected.field(
                errors.LIMIT_EXCEEDED, "payload.variables", f"the rendered body is longer than {limit} characters"
            )
    flags = [domain.CSR]
    flags += [domain.TEMPLATE_COPY] if draft.template else []
    flags += [domain.FORMAT_OVERRIDE] if draft.format else []
    return Composed(
        customer_id=customer_id,
        order_id=draft.order_id or (order.order_id if order else None),
        regarding=_regarding(draft, order),
        to=valid,
        subject=draft.subject or (rendered.subject if rendered else ""),
        body_text=text,
        body_html=html,
        format=fmt,
        language=rendered.locale if rendered else language,
        template=draft.template,
        flags=flags,
    )


def _render(ctx: Ctx, draft: EmailDraft, recipient: store.Recipient | None, language: str) -> Rendered:
    assert draft.template is not None
    names = {"first_name": recipient.first_name, "last_name": recipient.last_name} if recipient else {}
    try:
        return ctx.deps.renderer.render(draft.template, language, {**names, **draft.variables})
    except UnknownTemplate as exc:
        raise Rejected.field(UNKNOWN_TEMPLATE, "payload.template", str(exc)) from None
    except MissingVariable as exc:
        raise Rejected.field(TEMPLATE_VARIABLE_MISSING, "payload.variables", str(exc)) from None
    except TemplateError as exc:
        raise Rejected.field(errors.INVALID, "payload.template", str(exc)) from None


async def _order(ctx: Ctx, draft: EmailDraft) -> store.KnownOrder | None:
    if draft.order_id:
        return await store.known_order(ctx.conn, draft.order_id)
    if draft.regarding and draft.regarding.kind == "order":
        return await store.known_order_by_number(ctx.conn, draft.regarding.number)
    return None


def _regarding(draft: EmailDraft, order: store.KnownOrder | None) -> str | None:
    if draft.regarding:
        return draft.regarding.label()
    if order and order.order_number:
        return f"order {order.order_number}"
    return None
