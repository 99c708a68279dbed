"""The notifications service's rules, pure and synchronous: which address, language and format an
e-mail gets, what a CSR may write, and what the history keeps."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError

from contracts import errors
from contracts.common import Email
from contracts.errors import Refused
from contracts.notifications import BODY_PURGED, NO_RECIPIENT_ADDRESS

_EMAIL: TypeAdapter[str] = TypeAdapter(Email)

# Flags shown in the e-mail history.
CSR = "csr"
TEMPLATE_COPY = "template_copy"
RESEND = "resend"
FORMAT_OVERRIDE = "format_override"
REDACTED = "redacted"
RESENT_AFTER_UNCERTAIN = "resent_after_uncertain"  # queued again, same Message-ID, after an uncertain attempt
RESENT_BY_CSR = "resent_by_csr"  # a CSR queued it again (ResendEmailV1)

# Statuses whose e-mails a CSR may list for every customer at once (GetEmailHistoryV1 with no id):
# the ones needing a decision (migration 003 indexes them).
LISTED_ACROSS_CUSTOMERS = ("uncertain", "failed")

# What the stored copy of an e-mail shows instead of a secret it carried.
SECRET_PLACEHOLDER = "[removed from the stored copy]"  # noqa: S105 - a placeholder, not a password


def choose_format(
    per_email: str | None, csr_override: str | None, customer_preference: str | None, default: str
) -> str:
    """NTF-07: this e-mail's format, else the CSR's choice for the customer, else the customer's own
    preference, else the deployment's default."""
    return per_email or csr_override or customer_preference or default


def choose_language(explicit: str | None, customer: str | None, default: str) -> str:
    return explicit or customer or default


def valid_address(value: str | None) -> str | None:
    """The address if it is a single, valid e-mail address (no display name, no CR/LF), else None.
    Events carry addresses their producers validated; this is the check before anything is sent."""
    if not value:
        return None
    try:
        return _EMAIL.validate_python(value)
    except ValidationError:
        return None


_DANGEROUS_TAGS = frozenset({"script", "iframe", "frame", "object", "embed", "applet", "form", "meta", "base", "link"})
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "background", "xlink:href", "srcset"})
_SCRIPT_URL = re.compile(r"^(javascript|vbscript|data):", re.I)
_CONTROL = re.compile(r"[\x00-\x20]+")


class _HtmlInspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.problem:
            return
        if tag in _DANGEROUS_TAGS:
            self.problem = f"<{tag}> elements are not allowed in an e-mail"
        for name, value in attrs:
            if name.startswith("on"):
                self.problem = "event handler attributes (on...=) are not allowed in an e-mail"
            elif name in _URL_ATTRIBUTES and value and _SCRIPT_URL.match(_CONTROL.sub("", value)):
                self.problem = "javascript:, vbscript: and data: links are not allowed in an e-mail"

    handle_startendtag = handle_starttag


def unsafe_html(body: str) -> str | None:
    """Why a CSR-written HTML body is refused, or None. E-mail HTML never needs scripts, frames,
    forms, event handlers or script URLs; refusing them keeps a pasted snippet from reaching a
    customer. The body is parsed the way a browser tokenizes it, not searched with patterns."""
    inspector = _HtmlInspector()
    inspector.feed(body)
    inspector.close()
    return inspector.problem


def text_to_html(text: str) -> str:
    """The HTML variant of a written plain-text body: escaped, paragraphs and line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    inner = "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    return f'<!doctype html>\n<html><head><meta charset="utf-8"></head><body>\n{inner}\n</body></html>\n'


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table"})
    _SKIP = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(self._skipping - 1, 0)
        elif tag in ("p", "div", "table", "h1", "h2", "h3", "h4"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(body: str) -> str:
    """The plain-text variant of a written HTML body (every e-mail carries a text part)."""
    extractor = _TextExtractor()
    extractor.feed(body)
    extractor.close()
    lines = [line.strip() for line in "".join(extractor.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def oversized(bodies: dict[str, str | None], limit: int) -> str | None:
    """The first body (by field name) longer than ``limit`` characters, or None."""
    return next((name for name, body in bodies.items() if body is not None and len(body) > limit), None)


def retention_cutoff(now: datetime, days: int) -> datetime:
    """E-mails created before this instant lose their bodies (NTF-06)."""
    return now - timedelta(days=days)


def offset(page: int, page_size: int) -> int:
    return (page - 1) * page_size


class StoredEmail(Protocol):
    """An e-mail of the history, read by column name."""

    def __getitem__(self, key: str) -> Any: ...


def check_resendable(row: StoredEmail) -> None:
    """Only an e-mail that was rendered, may not have arrived, and can be rendered again is re-sent."""
    if row["body_deleted_at"] is not None:
        raise Refused.field(
            BODY_PURGED,
            "payload.email_id",
            f"the e-mail's content was deleted by retention on {row['body_deleted_at']:%Y-%m-%d}; it cannot be re-sent",
        )
    if row["status"] not in ("uncertain", "failed"):
        raise Refused.field(
            errors.INVALID_STATE,
            "payload.email_id",
            f"only an uncertain or failed e-mail can be re-sent; this one is {row['status']}",
        )
    if row["to_addr"] is None:
        raise Refused.field(NO_RECIPIENT_ADDRESS, "payload.email_id", "the e-mail has no recipient address")
    if row["attempts"] == 0:
        raise Refused.field(
            errors.INVALID_STATE, "payload.email_id", f"the e-mail could never be sent: {row['last_error']}"
        )
    if REDACTED in row["flags"] and row["sealed"] is None:
        raise Refused.field(
            errors.INVALID_STATE,
            "payload.email_id",
            "the e-mail carried a temporary password that is no longer kept; ask for a new password reset",
        )


def resend_flags(row: StoredEmail) -> list[str]:
    """The e-mail's flags with those of a CSR's resend added (once each)."""
    wanted = [RESENT_BY_CSR] + ([RESENT_AFTER_UNCERTAIN] if row["status"] == "uncertain" else [])
    return list(row["flags"]) + [flag for flag in wanted if flag not in row["flags"]]
