"""The e-mail's wire form, read back by the standard library's parser (NTF-02, NTF-05)."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest

from services.notifications.adapters.smtp.mime import UnsafeHeader, compose

BASE: dict[str, Any] = {
    "sender": "Shop <shop@example.com>",
    "to": "jane@example.com",
    "subject": "Votre commande 1000123 est confirmée — merci",
    "message_id": "<e1@csr-oms.example.com>",
    "date": "Mon, 07 Dec 2026 07:27:09 -0000",
    "language": "fr",
    "text": "Bonjour Jeanne,\n\nTotal : 12,50 €\n" + "ligne\n" * 50,
    "html": "<p>Bonjour Jeanne,</p><p>Total : 12,50 €</p>",
}


def _parsed(**changes: Any) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(compose(**(BASE | changes)))


def _unix(text: str) -> str:
    return text.replace("\r\n", "\n")  # e-mail lines end in CRLF on the wire


def test_headers_and_both_bodies_read_back_exactly() -> None:
    msg = _parsed()

    assert msg["Subject"] == BASE["subject"] and msg["To"] == "jane@example.com"
    assert msg["From"] == "Shop <shop@example.com>" and msg["Message-ID"] == BASE["message_id"]
    assert msg["Content-Language"] == "fr" and msg.get_content_type() == "multipart/alternative"
    text, html = (_unix(part.get_content()) for part in msg.iter_parts())
    assert text == BASE["text"] and html == BASE["html"]


def test_a_text_only_e_mail_is_a_single_part() -> None:
    msg = _parsed(html=None, subject="Plain ASCII subject")

    assert msg.get_content_type() == "text/plain" and msg["Subject"] == "Plain ASCII subject"
    assert _unix(msg.get_content()) == BASE["text"]


def test_every_line_is_short_and_ends_with_crlf() -> None:
    raw = compose(**BASE)

    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"") and max(len(line) for line in lines) <= 998


@pytest.mark.parametrize("field", ["sender", "to", "subject", "message_id", "language"])
@pytest.mark.parametrize("breaker", ["\r\nBcc: evil@example.com", "\nX: y", "\x00"])
def test_a_header_value_that_breaks_its_line_is_refused(field: str, breaker: str) -> None:
    with pytest.raises(UnsafeHeader):
        compose(**(BASE | {field: BASE[field] + breaker}))


def test_an_ascii_subject_that_looks_encoded_is_encoded_itself() -> None:
    assert _parsed(subject="=?utf-8?q?not_a_word?=")["Subject"] == "=?utf-8?q?not_a_word?="


def test_short_lines_travel_as_they_are_and_a_long_line_in_base64() -> None:
    readable = compose(**BASE)
    long_line = compose(**(BASE | {"html": None, "text": "x" * 2000}))

    assert "Total : 12,50 €".encode() in readable and b"Content-Transfer-Encoding: 8bit" in readable
    assert b"Content-Transfer-Encoding: base64" in long_line and b"x" * 100 not in long_line
    assert _parsed(html=None, text="x" * 2000).get_content() == "x" * 2000


def test_non_ascii_addresses_are_left_to_the_standard_library() -> None:
    msg = _parsed(to="jeanne@exemple.fr", sender="Boutique Élan <shop@example.com>")

    assert msg["From"] == "Boutique Élan <shop@example.com>" and msg.get_content_type() == "multipart/alternative"
