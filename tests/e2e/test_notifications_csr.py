"""NTF-03 (a CSR sends an e-mail; preview), NTF-04 (resend the confirmation), NTF-07 (default
format, per customer and per e-mail)."""

from __future__ import annotations

import uuid

import pytest

from contracts import errors
from contracts.customers import CustomerUpdatedV1
from contracts.notifications import (
    EmailFormatResult,
    EmailPreview,
    EmailQueuedResult,
    ListEmailTemplatesV1,
    PreviewEmailV1,
    ResendConfirmationV1,
    SendEmailV1,
    SetEmailFormatV1,
    TemplateList,
)
from csr.client import OmsClient
from tests.support.notifications import (
    WHEN,
    address,
    email_rows,
    history,
    html_of,
    known_customer,
    mails_to,
    order_placed,
    publish,
    subject_has,
    text_of,
    wait_mail,
)
from tests.support.system import System, eventually, first_event


async def _sent(system: System, email_id: uuid.UUID) -> bool:
    rows = await email_rows(system, "email_id = $1 AND status = 'sent'", email_id)
    return bool(rows)


@pytest.mark.capability("NTF-03", "NTF-06")
async def test_csr_writes_a_text_email_regarding_an_order(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr)
    placed = order_placed(customer)
    await publish(csr, placed)
    await wait_mail(system.mailbox(), customer.email or "", subject_has("confirmed"))

    result = await csr.request(
        SendEmailV1(
            customer_id=customer.customer_id,
            subject="About your delivery",
            body_text="Hello Jane,\n\nYour tent is late.\n\n<b>Sorry</b> & thanks",
            regarding={"kind": "order", "number": placed.order_number},
        ),
        EmailQueuedResult,
    )

    assert result.to == customer.email and result.status == "pending"
    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("About your delivery"))
    assert "Your tent is late." in text_of(mail)
    assert "<p>&lt;b&gt;Sorry&lt;/b&gt; &amp; thanks</p>" in (html_of(mail) or "")  # written text, escaped
    await eventually(lambda: _sent(system, result.email_id), 60)
    page = await history(csr, order_id=placed.order_id)  # filed under the order named by its number
    item = next(i for i in page.items if i.email_id == result.email_id)
    assert item.regarding == f"order {placed.order_number}" and item.customer_id == customer.customer_id
    assert item.flags == ["csr"] and item.created_by == "csr-alice" and item.status == "sent"
    assert item.subject == "About your delivery" and item.body_text and "late" in item.body_text
    assert item.message_id == mail.message_id


@pytest.mark.capability("NTF-03")
async def test_csr_writes_html_to_another_address_regarding_an_invoice(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr)
    other = address("billing.")

    result = await csr.request(
        SendEmailV1(
            customer_id=customer.customer_id,
            to=other,
            subject="Your invoice",
            body_html="<p>Invoice <strong>INV-77</strong> is attached to your account.</p><p>Regards</p>",
            regarding={"kind": "invoice", "number": "INV-77"},
        ),
        EmailQueuedResult,
    )

    mail = await wait_mail(system.mailbox(), other)
    assert mail.rcpt_tos == (other,)
    assert "<strong>INV-77</strong>" in (html_of(mail) or "")
    assert "Invoice INV-77 is attached to your account." in text_of(mail)  # derived plain-text part
    rows = await email_rows(system, "email_id = $1", result.email_id)
    assert rows[0]["to_addr"] == other and rows[0]["regarding"] == "invoice INV-77"
    assert rows[0]["customer_id"] == customer.customer_id


@pytest.mark.capability("NTF-03", "NTF-02")
async def test_csr_copies_a_template_localized_for_the_customer(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr, preferred_language="fr")

    result = await csr.request(
        SendEmailV1(
            customer_id=customer.customer_id,
            template="csr_message",
            variables={"message": "Votre colis arrive demain.\n\nMerci de votre patience."},
            regarding={"kind": "payment", "number": "PAY-9"},
        ),
        EmailQueuedResult,
    )

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("service client"))
    assert mail.subject == "Un message du service client"
    assert "Bonjour Jane,\n\nVotre colis arrive demain." in text_of(mail)
    assert "<p>Merci de votre patience.</p>" in (html_of(mail) or "")
    rows = await email_rows(system, "email_id = $1", result.email_id)
    assert rows[0]["template"] == "csr_message" and list(rows[0]["flags"]) == ["csr", "template_copy"]
    assert rows[0]["language"] == "fr"


@pytest.mark.capability("NTF-03")
async def test_preview_shows_exactly_what_would_be_sent_and_sends_nothing(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr)
    draft = {
        "customer_id": customer.customer_id,
        "template": "csr_message",
        "variables": {"message": f"Preview marker {uuid.uuid4().hex}"},
    }

    preview = await csr.request(PreviewEmailV1(**draft), EmailPreview)

    assert preview.to == customer.email and preview.subject == "A message from Customer Service"
    assert preview.format == "html" and preview.body_html and "Preview marker" in preview.body_html
    assert preview.body_text.startswith("Dear Jane,")
    assert not await email_rows(system, "customer_id = $1 AND template = 'csr_message'", customer.customer_id)
    # Sending the same draft delivers what the preview showed.
    await csr.request(SendEmailV1(**draft), EmailQueuedResult)
    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("Customer Service"))
    assert text_of(mail).strip() == preview.body_text.strip()
    copies = [m for m in mails_to(system.mailbox(), customer.email or "") if "Customer Service" in (m.subject or "")]
    assert len(copies) == 1


@pytest.mark.capability("NTF-03", "NTF-02")
async def test_templates_a_csr_can_copy_are_listed_with_languages_and_variables(csr: OmsClient) -> None:
    listing = await csr.request(ListEmailTemplatesV1(), TemplateList)

    by_name = {t.name: t for t in listing.templates}
    expected = {
        "welcome", "password_reset", "order_confirmation", "order_changed", "order_cancelled",
        "quote", "shipment", "order_comment", "csr_message",
    }  # fmt: skip
    assert expected <= set(by_name)
    assert all({"en", "fr", "de"} <= set(by_name[name].languages) for name in expected)
    assert by_name["csr_message"].variables == ["first_name", "message"]


@pytest.mark.capability("NTF-04")
async def test_resend_confirmation_sends_a_new_copy_to_the_current_address(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr)
    placed = order_placed(customer)
    await publish(csr, placed)
    first = await wait_mail(system.mailbox(), customer.email or "", subject_has("confirmed"))
    new_address = address("moved.")
    await publish(
        csr,
        CustomerUpdatedV1(
            customer_id=customer.customer_id,
            changed_fields=["email"],
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=new_address,
            preferred_currency="USD",
            preferred_language="en-US",
            version=2,
            updated_at=WHEN,
        ),
    )
    await eventually(
        lambda: system.fetch("notifications", "SELECT 1 FROM recipients WHERE email = $1", new_address), 60
    )

    result = await csr.request(ResendConfirmationV1(order_id=placed.order_id), EmailQueuedResult)

    assert result.to == new_address
    again = await wait_mail(system.mailbox(), new_address, subject_has("confirmed"))
    assert again.subject == first.subject and text_of(again) == text_of(first)
    assert again.message_id != first.message_id
    await eventually(lambda: _sent(system, result.email_id), 60)
    page = await history(csr, order_id=placed.order_id)
    confirmations = [i for i in page.items if i.template == "order_confirmation"]
    assert len(confirmations) == 2
    assert confirmations[0].flags == ["resend"] and confirmations[0].created_by == "csr-alice"
    assert confirmations[1].flags == [] and confirmations[1].to == customer.email


@pytest.mark.capability("NTF-04")
async def test_resend_for_an_order_without_confirmation_is_not_found(system: System, csr: OmsClient) -> None:
    reply = await csr.send(ResendConfirmationV1(order_id=uuid.uuid4()))

    assert reply.status == "rejected" and reply.code == errors.NOT_FOUND
    assert [e.field for e in reply.field_errors] == ["payload.order_id"]


@pytest.mark.capability("NTF-07")
async def test_format_default_per_customer_and_per_email(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr)

    async def send(subject: str, fmt: str | None = None) -> None:
        draft = SendEmailV1(customer_id=customer.customer_id, subject=subject, body_text="Hello", format=fmt)
        await csr.request(draft, EmailQueuedResult)

    await send("Default format")
    default = await wait_mail(system.mailbox(), customer.email or "", subject_has("Default format"))
    assert default.message.get_content_type() == "multipart/alternative" and html_of(default)  # setting: html

    chosen = await csr.request(SetEmailFormatV1(customer_id=customer.customer_id, format="text"), EmailFormatResult)
    assert chosen.format == "text"
    await send("Customer format")
    text_only = await wait_mail(system.mailbox(), customer.email or "", subject_has("Customer format"))
    assert text_only.message.get_content_type() == "text/plain" and html_of(text_only) is None

    await send("This one in HTML", fmt="html")
    overridden = await wait_mail(system.mailbox(), customer.email or "", subject_has("This one in HTML"))
    assert html_of(overridden)

    await csr.request(SetEmailFormatV1(customer_id=customer.customer_id, format=None), EmailFormatResult)
    await send("Back to default")
    back = await wait_mail(system.mailbox(), customer.email or "", subject_has("Back to default"))
    assert html_of(back)
    event = await first_event(
        system,
        "notifications.events",
        lambda e: e.type == "EmailFormatSet" and e.payload["customer_id"] == str(customer.customer_id),
        timeout=60,
    )
    assert event.payload["format"] == "text" and event.payload["set_by"] == "csr-alice"


@pytest.mark.capability("NTF-07", "NTF-01")
async def test_customers_own_preferred_format_is_used(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr, email_format="text")

    welcome = await wait_mail(system.mailbox(), customer.email or "", subject_has("Welcome"))

    assert welcome.message.get_content_type() == "text/plain"
