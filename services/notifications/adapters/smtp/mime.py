"""An e-mail's wire form (RFC 5322 + MIME), written directly.

The standard library's EmailMessage parsed every header through its header registry and its
generator walked the message again: 3.2 ms of CPU per e-mail, most of what the notifications
service spent on an order (docs/benchmark.md). The messages sent here have one fixed shape: a few
headers and a text body, or text and HTML alternatives, so they are written out as bytes: UTF-8
bodies as they are (8bit) or, with a line too long for that, in base64; non-ASCII subjects as RFC
2047 encoded words.

Header values are checked here, not trusted: CR, LF (or any other line break) or NUL in one would
let it add headers of its own (header injection), so such a value is refused. Messages with
non-ASCII addresses, which need more care than this writer takes, are built with the standard
library instead.
"""

from __future__ import annotations

import base64
import email.policy
import uuid
from email.header import Header
from email.message import EmailMessage

_CRLF = "\r\n"
_LONGEST = 990  # bytes in a body line sent as it is (RFC 5322 allows 998 before CRLF)
# NUL and every character str.splitlines() ends a line at: CR and LF, and also VT, FF, the
# separators \x1c-\x1e, NEL (U+0085), LINE and PARAGRAPH SEPARATOR (U+2028, U+2029), which some
# readers of a stored or forwarded message treat as line breaks too.
_FORBIDDEN = ("\r", "\n", "\x00", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


class UnsafeHeader(ValueError):
    """A header value that would break out of its header."""


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    message_id: str,
    date: str,
    language: str | None,
    text: str,
    html: str | None,
) -> bytes:
    """The message as it goes to the SMTP server."""
    fields = {"From": sender, "To": to, "Subject": subject, "Message-ID": message_id, "Date": date}
    if language:
        fields["Content-Language"] = language
    for name, value in fields.items():
        if any(c in value for c in _FORBIDDEN):
            raise UnsafeHeader(f"the {name} header contains a line break or NUL")
    if not (sender.isascii() and to.isascii()):
        return _with_stdlib(fields, text, html)
    fields["Subject"] = _encoded(subject)
    head = [f"{name}: {value}" for name, value in fields.items()] + ["MIME-Version: 1.0"]
    if html is None:
        return _join(head + _part("plain", text), [])
    boundary = f"=_{uuid.uuid4().hex}"
    body = [f"--{boundary}", *_part("plain", text), f"--{boundary}", *_part("html", html), f"--{boundary}--"]
    return _join([*head, f'Content-Type: multipart/alternative; boundary="{boundary}"'], ["", *body])


def _part(subtype: str, text: str) -> list[str]:
    """A body's headers, a blank line and the body: as it is (8bit) when every line is short,
    which keeps the message readable where it is stored, else in base64."""
    lines = text.replace("\r\n", "\n").split("\n")
    plain = "\r" not in text.replace("\r\n", "") and all(len(line.encode()) <= _LONGEST for line in lines)
    encoding, body = ("8bit", _CRLF.join(lines)) if plain else ("base64", _base64(text))
    return [f'Content-Type: text/{subtype}; charset="utf-8"', f"Content-Transfer-Encoding: {encoding}", "", body]


def _encoded(value: str) -> str:
    """ASCII as it is (unless it looks like an encoded word), anything else as RFC 2047 words."""
    if value.isascii() and "=?" not in value and len(value) < 900:
        return value
    return Header(value, "utf-8").encode()


def _base64(text: str) -> str:
    # encodebytes wraps at 76 characters, as RFC 2045 asks
    return base64.encodebytes(text.encode("utf-8")).decode("ascii").rstrip("\n").replace("\n", _CRLF)


def _join(head: list[str], rest: list[str]) -> bytes:
    text = _CRLF.join(head + rest)
    ending = "" if text.endswith(_CRLF) else _CRLF  # a body's own last line break ends the message
    return (text + ending).encode("utf-8")  # headers are ASCII; 8bit bodies UTF-8


def _with_stdlib(fields: dict[str, str], text: str, html: str | None) -> bytes:
    msg = EmailMessage()
    for name in ("From", "To", "Subject", "Message-ID", "Date"):
        msg[name] = fields[name]
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if "Content-Language" in fields:
        msg["Content-Language"] = fields["Content-Language"]  # after the body: set_content drops Content-*
    return msg.as_bytes(policy=email.policy.SMTP)
