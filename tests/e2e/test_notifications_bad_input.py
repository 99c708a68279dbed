"""Bad input to the notifications service: unknown templates, missing variables, header injection,
invalid addresses, HTML in customer-provided fields, oversized bodies. Each is refused with a code a
program can act on (or, arriving in an event, recorded as a failed e-mail), nothing is sent wrongly,
and the service goes on."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts import errors
from contracts.notifications import (
    NO_RECIPIENT_ADDRESS,
    TEMPLATE_VARIABLE_MISSING,
    UNKNOWN_TEMPLATE,
    UNSAFE_HTML,
    EmailQueuedResult,
    PreviewEmailV1,
    SendEmailV1,
)
from csr.client import OmsClient
from tests.support.notifications import (
    address,
    customer_registered,
    email_rows,
    html_of,
    mails_to,
    order_comment,
    order_placed,
    publish,
    subject_has,
    text_of,
    wait_mail,
)
from tests.support.system import System, eventually, first_event

INJECTED = "evil.{}@example.com"


async def _still_running(system: System, csr: OmsClient) -> None:
    assert await system.services["notifications"].still_healthy()
    fine = address("still-running.")
    await csr.request(SendEmailV1(to=fine, subject="Still running", body_text="ok"), EmailQueuedResult)
    await wait_mail(system.mailbox(), fine)


@pytest.mark.capability("NTF-03", "NTF-02", "PLT-02")
@pytest.mark.parametrize(
    ("draft", "code", "field"),
    [
        ({"template": "no_such_template"}, UNKNOWN_TEMPLATE, "payload.template"),
        ({"template": "../en/welcome"}, errors.INVALID, "payload.template"),
        ({"template": "csr_message", "variables": {}}, TEMPLATE_VARIABLE_MISSING, "payload.variables"),
        ({"template": "quote", "variables": {"message": "x"}}, TEMPLATE_VARIABLE_MISSING, "payload.variables"),
        ({"subject": "Hello\r\nBcc: {evil}"}, errors.INVALID, "payload.subject"),
        ({"subject": "Hello\nX-Injected: yes"}, errors.INVALID, "payload.subject"),
        ({"to": "{to}\r\nBcc: {evil}"}, errors.INVALID, "payload.to"),
        ({"to": "not-an-address"}, errors.INVALID, "payload.to"),
        ({"to": "Jane <{to}>, {evil}"}, errors.INVALID, "payload.to"),
        ({"body_html": "<p>Hi</p><script>alert(1)</script>"}, UNSAFE_HTML, "payload.body_html"),
        ({"body_html": '<img src="x" onerror="alert(1)">'}, UNSAFE_HTML, "payload.body_html"),
        ({"body_html": '<a href="javascript:alert(1)">pay here</a>'}, UNSAFE_HTML, "payload.body_html"),
        ({"body_text": "x" * 100_001}, errors.LIMIT_EXCEEDED, "payload.body_text"),
        ({"body_text": None}, errors.INVALID, "payload.body_text"),
        ({"subject": None}, errors.INVALID, "payload.subject"),
        ({"to": None}, NO_RECIPIENT_ADDRESS, "payload.to"),
    ],
    ids=[
        "unknown-template", "template-path", "missing-variable", "missing-variables", "crlf-subject", "lf-subject",
        "crlf-to", "invalid-to", "two-addresses", "script", "event-handler", "javascript-link", "oversized-body",
        "no-body", "no-subject", "no-recipient",
    ],
)  # fmt: skip
async def test_bad_csr_email_is_rejected_and_nothing_is_sent(
    system: System, csr: OmsClient, draft: dict[str, Any], code: str, field: str
) -> None:
    to, evil = address("bad."), INJECTED.format(uuid.uuid4().hex[:8])
    fields: dict[str, Any] = {"to": to, "subject": f"Bad input {uuid.uuid4().hex}", "body_text": "Hello"}
    for key, value in draft.items():
        fields[key] = value.format(to=to, evil=evil) if isinstance(value, str) else value
    fields = {k: v for k, v in fields.items() if v is not None}

    # model_construct: the client must not stop what a hostile or buggy sender could put on the wire.
    sent = await csr.send(SendEmailV1.model_construct(**fields))
    previewed = await csr.send(PreviewEmailV1.model_construct(**fields))

    for reply in (sent, previewed):
        assert reply.status == "rejected" and reply.code == code, reply
        assert field in [e.field for e in reply.field_errors], reply.field_errors
    # Without a subject, look for the address alone: e-mails still waiting to be rendered have none.
    subject = fields.get("subject") or to
    assert await email_rows(system, "to_addr LIKE $1 OR subject = $2", f"%{to}%", subject) == []
    await _still_running(system, csr)
    assert mails_to(system.mailbox(), to) == [] and mails_to(system.mailbox(), evil) == []


@pytest.mark.capability("NTF-03", "PLT-06")
async def test_channels_may_not_send_csr_emails(system: System, channel: OmsClient) -> None:
    to = address("channel.")

    reply = await channel.send(SendEmailV1(to=to, subject="From a channel", body_text="x"))

    assert reply.code == errors.FORBIDDEN
    assert await email_rows(system, "to_addr = $1", to) == []


@pytest.mark.capability("NTF-02", "NTF-01")
async def test_html_in_customer_names_is_escaped_in_the_html_variant(system: System, csr: OmsClient) -> None:
    customer = customer_registered(first_name="<script>alert(1)</script>", last_name="O'Neil & <b>Co</b>")

    await publish(csr, customer)

    mail = await wait_mail(system.mailbox(), customer.email or "")
    html = html_of(mail) or ""
    assert "<script" not in html and "<b>Co</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "O&#39;Neil &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "Dear <script>alert(1)</script> O'Neil & <b>Co</b>," in text_of(mail)  # plain text: shown as typed


@pytest.mark.capability("NTF-02", "NTF-05")
async def test_line_breaks_in_a_name_cannot_inject_headers(system: System, csr: OmsClient) -> None:
    evil = INJECTED.format(uuid.uuid4().hex[:8])
    customer = customer_registered(first_name=f"Eve\r\nBcc: {evil}\r\nX-Injected: yes")

    await publish(csr, customer)

    mail = await wait_mail(system.mailbox(), customer.email or "")
    assert mail.rcpt_tos == (customer.email,)
    assert mail.message["Bcc"] is None and mail.message["X-Injected"] is None
    assert mail.subject == f"Welcome, Eve Bcc: {evil} X-Injected: yes!"  # one harmless line
    assert mails_to(system.mailbox(), evil) == []


@pytest.mark.capability("NTF-01", "NTF-05", "NTF-06")
@pytest.mark.parametrize(
    "bad_address", ["not an address", "jane@example.com\r\nBcc: {evil}", "jane@example.com, {evil}"]
)
async def test_an_event_with_a_bad_address_fails_visibly_and_sends_nothing(
    system: System, csr: OmsClient, bad_address: str
) -> None:
    evil = INJECTED.format(uuid.uuid4().hex[:8])
    customer = customer_registered(email=None, logon_id=None, guest=True)
    await publish(csr, customer)
    placed = order_placed(customer, email=bad_address.format(evil=evil))

    await publish(csr, placed)

    rows = await eventually(lambda: email_rows(system, "order_id = $1 AND status = 'failed'", placed.order_id), 60)
    assert "invalid recipient address" in rows[0]["last_error"] and rows[0]["attempts"] == 0
    event = await first_event(
        system,
        "notifications.events",
        lambda e: e.type == "EmailFailed" and e.payload.get("order_id") == str(placed.order_id),
    )
    assert event.payload["status"] == "failed"
    await _still_running(system, csr)
    assert mails_to(system.mailbox(), evil) == []


@pytest.mark.capability("NTF-01", "NTF-05")
async def test_an_oversized_comment_fails_visibly_and_sends_nothing(system: System, csr: OmsClient) -> None:
    customer = customer_registered()
    await publish(csr, customer)
    await wait_mail(system.mailbox(), customer.email or "", subject_has("Welcome"))
    placed = order_placed(customer)

    await publish(csr, order_comment(placed, "A very long comment. " * 6_000))  # 126,000 characters

    rows = await eventually(lambda: email_rows(system, "order_id = $1 AND status = 'failed'", placed.order_id), 60)
    assert "longer than 100000 characters" in rows[0]["last_error"]
    await _still_running(system, csr)
    assert [m for m in mails_to(system.mailbox(), customer.email or "") if "order" in (m.subject or "")] == []
