"""The notifications service's rules, pure and synchronous: which address, language and format an
e-mail gets, what a CSR may write, and what the history keeps."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

from pydantic import TypeAdapter, ValidationError

from contracts.common import Email

_EMAIL: TypeAdapter[str] = TypeAdapter(Email)

# Flags shown in the e-mail history.
CSR = "csr"
TEMPLATE_COPY = "template_copy"
RESEND = "resend"
FORMAT_OVERRIDE = "format_override"
REDACTED = "redacted"

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


_SCRIPT = re.compile(r"<\s*(script|iframe|object|embed|form|meta|base)\b", re.I)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
_JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*(javascript|vbscript|data):", re.I)


def unsafe_html(body: str) -> str | None:
    """Why a CSR-written HTML body is refused, or None. E-mail HTML never needs scripts, event
    handlers or script URLs; refusing them keeps a pasted snippet from reaching a customer."""
    if match := _SCRIPT.search(body):
        return f"<{match.group(1).lower()}> elements are not allowed in an e-mail"
    if _HANDLER.search(body):
        return "event handler attributes (onclick=...) are not allowed in an e-mail"
    if _JS_URL.search(body):
        return "javascript:, vbscript: and data: links are not allowed in an e-mail"
    return None


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
