"""The decisions about one e-mail (address, language, format, bodies, secrets) and the message handed
to the SMTP server, without I/O."""

from __future__ import annotations

import json
import uuid
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest

from contracts.sealing import generate_private_key, public_key_of, seal
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.smtp.delivery import PermanentFailure, build_message, content_for_sending
from services.notifications.adapters.templates import Renderer
from services.notifications.domain import rules as domain
from services.notifications.domain.recipients import Recipient
from services.notifications.domain.requests import EmailRequest, settle
from services.notifications.settings import NotificationsSettings

KEY = generate_private_key()


def deps(**settings: Any) -> NotificationsDeps:
    return NotificationsDeps(settings=NotificationsSettings(**settings), renderer=Renderer(), sealing_key=KEY)


def jane(**changes: Any) -> Recipient:
    fields: dict[str, Any] = {
        "customer_id": uuid.uuid4(),
        "email": "jane@example.com",
        "first_name": "Jane",
        "last_name": "Doe",
        "language": "fr",
        "email_format": None,
    }
    return Recipient(**(fields | changes))


def welcome(**changes: Any) -> EmailRequest:
    fields: dict[str, Any] = {"template": "welcome", "context": {"logon_id": "jane"}, "customer_id": uuid.uuid4()}
    return EmailRequest(**(fields | changes))


def test_customer_not_known_yet_waits() -> None:
    outcome = settle(deps(), welcome(), None, None)

    assert outcome.status == "waiting_for_recipient" and outcome.body_text is None


def test_customers_language_format_and_address_are_used() -> None:
    outcome = settle(deps(), welcome(), jane(email_format="text"), None)

    assert outcome.status == "pending" and outcome.to_addr == "jane@example.com"
    assert outcome.language == "fr" and outcome.format == "text"
    assert outcome.subject == "Bienvenue, Jane !"
    assert outcome.context == {"first_name": "Jane", "last_name": "Doe", "logon_id": "jane"}


def test_explicit_address_language_and_format_win() -> None:
    request = welcome(to="other@example.com", language="de", fmt="html")

    outcome = settle(deps(), request, jane(email_format="text"), "text")

    assert (outcome.to_addr, outcome.language, outcome.format) == ("other@example.com", "de", "html")


def test_csr_choice_for_the_customer_beats_their_preference() -> None:
    assert settle(deps(), welcome(), jane(email_format="html"), "text").format == "text"
    assert settle(deps(default_email_format="text"), welcome(), jane(), None).format == "text"


@pytest.mark.parametrize(
    ("recipient", "to", "error"),
    [
        ({"email": None}, None, "no e-mail address"),
        ({"email": "nope"}, None, "invalid recipient address"),
        ({}, "a@example.com\r\nBcc: b@example.com", "invalid recipient address"),
    ],
)
def test_missing_or_bad_address_fails(recipient: dict[str, Any], to: str | None, error: str) -> None:
    outcome = settle(deps(), welcome(to=to), jane(**recipient), None)

    assert outcome.status == "failed" and error in (outcome.error or "")


def test_a_body_over_the_limit_fails() -> None:
    outcome = settle(deps(max_body_chars=100), welcome(), jane(), None)

    assert outcome.status == "failed" and "longer than 100 characters" in (outcome.error or "")


def test_a_secret_is_stored_as_a_placeholder_and_opened_only_for_sending() -> None:
    sealed = seal("Tmp-4711", public_key_of(KEY))
    request = EmailRequest(
        "password_reset",
        {"logon_id": "jane", "expires_at": "2026-03-02T10:00:00+00:00"},
        customer_id=uuid.uuid4(),
        sealed={"temporary_password": sealed},
    )
    d = deps()

    outcome = settle(d, request, jane(language="en"), None)

    assert outcome.status == "pending" and domain.REDACTED in outcome.flags
    stored = json.dumps([outcome.subject, outcome.body_text, outcome.body_html, outcome.context])
    assert "Tmp-4711" not in stored and domain.SECRET_PLACEHOLDER in (outcome.body_text or "")
    row = _row(outcome, template="password_reset", sealed=json.dumps({"temporary_password": sealed}))
    text, html = content_for_sending(d, row)
    assert "Tmp-4711" in text and "Tmp-4711" in (html or "")


def test_a_secret_that_cannot_be_opened_fails_at_once() -> None:
    other_key = public_key_of(generate_private_key())
    request = welcome(sealed={"temporary_password": seal("x", other_key)})

    outcome = settle(deps(), request, jane(), None)

    assert outcome.status == "failed" and "cannot be opened" in (outcome.error or "")


def test_the_message_has_its_headers_and_only_the_text_part_in_text_format() -> None:
    outcome = settle(deps(), welcome(), jane(email_format="text"), None)
    row = _row(outcome)

    msg = build_message(row, NotificationsSettings(), outcome.body_text or "", outcome.body_html)

    parsed = BytesParser(policy=policy.default).parsebytes(msg)
    assert parsed["Message-ID"] == row["message_id"] and parsed["To"] == "jane@example.com"
    assert parsed["Content-Language"] == "fr" and parsed.get_content_type() == "text/plain"


def test_header_injection_is_refused_when_building_the_message() -> None:
    outcome = settle(deps(), welcome(), jane(), None)
    row = _row(outcome) | {"subject": "Hi\r\nBcc: evil@example.com"}

    with pytest.raises(PermanentFailure):
        build_message(row, NotificationsSettings(), "x", None)


def _row(outcome: Any, **changes: Any) -> dict[str, Any]:
    email_id = uuid.uuid4()
    row = {
        "email_id": email_id,
        "to_addr": outcome.to_addr,
        "subject": outcome.subject,
        "message_id": f"<{email_id}@csr-oms.example.com>",
        "language": outcome.language,
        "format": outcome.format,
        "body_text": outcome.body_text,
        "body_html": outcome.body_html,
        "context": json.dumps(outcome.context),
        "template": "welcome",
        "sealed": None,
    }
    return row | changes
