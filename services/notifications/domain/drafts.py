"""A CSR's e-mail (NTF-03): decided the same way for a preview and for sending, so the preview is
exactly what the customer gets. Every problem is a refusal naming the field that is wrong."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from contracts import errors
from contracts.errors import Refused
from contracts.notifications import (
    NO_RECIPIENT_ADDRESS,
    TEMPLATE_VARIABLE_MISSING,
    UNKNOWN_TEMPLATE,
    UNSAFE_HTML,
    EmailDraft,
)
from services.notifications.domain import rules
from services.notifications.domain.recipients import KnownOrder, Recipient
from services.notifications.domain.rendering import MissingVariable, Rendered, TemplateError, UnknownTemplate
from services.notifications.domain.requests import Deciding


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


def recipient_of(draft: EmailDraft, order: KnownOrder | None) -> uuid.UUID | None:
    """The customer the draft is for: named, or the order's."""
    customer_id = draft.customer_id or (order.customer_id if order else None)
    if customer_id is None and draft.to is None:
        raise Refused.field(NO_RECIPIENT_ADDRESS, "payload.to", "give the customer (customer_id) or an address (to)")
    return customer_id


def compose(
    deciding: Deciding,
    draft: EmailDraft,
    order: KnownOrder | None,
    recipient: Recipient | None,
    csr_format: str | None,
) -> Composed:
    """Everything about the e-mail decided, or a refusal saying which field is wrong."""
    policy = deciding.policy
    customer_id = recipient_of(draft, order)
    to = draft.to or (recipient.email if recipient else None)
    if not to:
        raise Refused.field(
            NO_RECIPIENT_ADDRESS, "payload.to", "no e-mail address is known for this customer; give one in 'to'"
        )
    valid = rules.valid_address(to)
    if valid is None:
        # Not quoted: an e-mail address is personal data, and 'to' may be the sender's own text.
        whose = "the address given" if draft.to else "the customer's address on record"
        raise Refused.field(errors.INVALID, "payload.to", f"{whose} is not a valid e-mail address")
    written = draft.body_text is not None or draft.body_html is not None
    if not written and draft.template is None:
        raise Refused.field(errors.INVALID, "payload.body_text", "write a body (text or HTML) or copy a template")
    if not draft.subject and draft.template is None:
        raise Refused.field(errors.INVALID, "payload.subject", "a subject is needed when no template is copied")
    if draft.body_html is not None and (why := rules.unsafe_html(draft.body_html)):
        raise Refused.field(UNSAFE_HTML, "payload.body_html", why)
    limit = policy.max_body_chars
    if too_long := rules.oversized({"body_text": draft.body_text, "body_html": draft.body_html}, limit):
        raise Refused.field(
            errors.LIMIT_EXCEEDED, f"payload.{too_long}", f"{too_long} is longer than {limit} characters"
        )
    language = rules.choose_language(draft.language, recipient.language if recipient else None, policy.default_language)
    fmt = rules.choose_format(
        draft.format, csr_format, recipient.email_format if recipient else None, policy.default_email_format
    )
    rendered = _render(deciding, draft, recipient, language) if draft.template else None
    if written:
        text = draft.body_text if draft.body_text is not None else rules.html_to_text(draft.body_html or "")
        html = draft.body_html if draft.body_html is not None else rules.text_to_html(text)
    else:
        assert rendered is not None
        text, html = rendered.text, rendered.html
        if rules.oversized({"text": text, "html": html}, limit):
            raise Refused.field(
                errors.LIMIT_EXCEEDED, "payload.variables", f"the rendered body is longer than {limit} characters"
            )
    flags = [rules.CSR]
    flags += [rules.TEMPLATE_COPY] if draft.template else []
    flags += [rules.FORMAT_OVERRIDE] if draft.format else []
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


def _render(deciding: Deciding, draft: EmailDraft, recipient: Recipient | None, language: str) -> Rendered:
    assert draft.template is not None
    names = {"first_name": recipient.first_name, "last_name": recipient.last_name} if recipient else {}
    try:
        return deciding.templates.render(draft.template, language, {**names, **draft.variables})
    except UnknownTemplate as exc:
        raise Refused.field(UNKNOWN_TEMPLATE, "payload.template", str(exc)) from None
    except MissingVariable as exc:
        raise Refused.field(TEMPLATE_VARIABLE_MISSING, "payload.variables", str(exc)) from None
    except TemplateError as exc:
        raise Refused.field(errors.INVALID, "payload.template", str(exc)) from None


def _regarding(draft: EmailDraft, order: KnownOrder | None) -> str | None:
    if draft.regarding:
        return draft.regarding.label()
    if order and order.order_number:
        return f"order {order.order_number}"
    return None
