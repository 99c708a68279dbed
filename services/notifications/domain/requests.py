"""An e-mail asked for by an event (a welcome, an order confirmation...) and what it becomes.

An e-mail is decided when it is created: its address, language, format and rendered bodies are
stored, so what is sent is what the history shows. When the customer's details have not arrived yet
(their event is still on its way), the e-mail waits and is decided when they do. A secret the
e-mail carries (a temporary password) stays sealed; the stored bodies show a placeholder.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from contracts import errors
from contracts.notifications import NO_RECIPIENT_ADDRESS
from services.notifications.domain import rules
from services.notifications.domain.recipients import Recipient
from services.notifications.domain.rendering import TemplateError, Templates

NAMES = ("first_name", "last_name")


@dataclass(frozen=True)
class EmailPolicy:
    """The deployment's settings the rules take."""

    default_language: str
    default_email_format: str
    max_body_chars: int


class Deciding(Protocol):
    """What deciding an e-mail needs besides the request: the policy, the templates, and whether a
    sealed secret can be opened at send time (it is not opened for the stored copy)."""

    @property
    def policy(self) -> EmailPolicy: ...
    @property
    def templates(self) -> Templates: ...
    def can_open(self, sealed: str) -> bool: ...


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


def settle(deciding: Deciding, req: EmailRequest, recipient: Recipient | None, csr_format: str | None) -> Outcome:
    """Decide address, language, format and bodies, or why the e-mail cannot be sent. Pure given
    its inputs (no I/O), so the same rules apply when an e-mail is created and when it is released."""
    policy = deciding.policy
    language = rules.choose_language(req.language, recipient.language if recipient else None, policy.default_language)
    fmt = rules.choose_format(
        req.fmt, csr_format, recipient.email_format if recipient else None, policy.default_email_format
    )
    address = req.to or (recipient.email if recipient else None)
    base = Outcome("failed", address, language, fmt, context=req.context, flags=req.flags)
    if recipient is None and "first_name" not in req.context:
        return _replace(base, status="waiting_for_recipient")
    context = {**_names(recipient), **req.context}
    base = _replace(base, context=context)
    if not address:
        return _replace(base, error="no e-mail address is known for the customer", error_code=NO_RECIPIENT_ADDRESS)
    valid = rules.valid_address(address)
    if valid is None:
        # Not quoted: the error is kept in the e-mail's history and an address is personal data.
        return _replace(base, error="invalid recipient address: not a valid e-mail address", error_code=errors.INVALID)
    base = _replace(base, to_addr=valid)  # the plain address, whatever form the event carried
    for name, sealed in req.sealed.items():
        if not deciding.can_open(sealed):  # only to know now that it can be opened at send time
            return _replace(base, error=f"the sealed {name} cannot be opened with this service's key")
    placeholders = dict.fromkeys(req.sealed, rules.SECRET_PLACEHOLDER)
    try:
        rendered = deciding.templates.render(req.template, language, {**context, **placeholders})
    except TemplateError as exc:
        return _replace(base, error=str(exc), error_code=errors.INVALID)
    flags = req.flags + ((rules.REDACTED,) if req.sealed else ())
    done = _replace(
        base,
        language=rendered.locale,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        flags=flags,
    )
    limit = policy.max_body_chars
    if rules.oversized({"text": rendered.text, "html": rendered.html}, limit):
        return _replace(done, error=f"the body is longer than {limit} characters", error_code=errors.LIMIT_EXCEEDED)
    return _replace(done, status="pending")


def _names(recipient: Recipient | None) -> dict[str, Any]:
    if recipient is None:
        return {}
    return {"first_name": recipient.first_name, "last_name": recipient.last_name}


def _replace(outcome: Outcome, **changes: Any) -> Outcome:
    return dataclasses.replace(outcome, **changes)
