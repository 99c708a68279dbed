"""NTF-01/NTF-02: every e-mail kind driven by the customers' and orders' events, received through
the SMTP sink with the right content, in the customer's language, money and dates formatted for
the locale, HTML autoescaped."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contracts.notifications import EmailHistoryPage, GetEmailHistoryV1
from csr.client import OmsClient
from tests.support.notifications import (
    customer_registered,
    email_rows,
    history,
    html_of,
    mails_to,
    order_cancelled,
    order_changed,
    order_comment,
    order_placed,
    order_shipped,
    password_reset,
    publish,
    quote_requested,
    subject_has,
    text_of,
    wait_mail,
)
from tests.support.system import System, eventually, first_event

NBSP = "\xa0"
NNBSP = "\u202f"


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_welcome_is_in_the_customers_language_with_regional_fallback(system: System, csr: OmsClient) -> None:
    customer = customer_registered(first_name="Zoé", preferred_language="fr-CA")

    await publish(csr, customer)

    mail = await wait_mail(system.mailbox(), customer.email or "")
    assert mail.subject == "Bienvenue, Zoé !"  # fr-CA has no templates of its own: fr is used
    assert f"avec l'identifiant {customer.logon_id}" in text_of(mail)
    html = html_of(mail)
    assert html is not None and '<html lang="fr-CA" dir="ltr">' in html  # formatted for fr-CA
    assert mail.message["Content-Language"] == "fr-CA"
    assert mail.message_id and mail.message_id.endswith("@csr-oms.example.com>")


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_unknown_language_falls_back_to_english(system: System, csr: OmsClient) -> None:
    customer = customer_registered(preferred_language="es")

    await publish(csr, customer)

    mail = await wait_mail(system.mailbox(), customer.email or "")
    assert mail.subject == "Welcome, Jane!"
    assert "Your account has been created" in text_of(mail)


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_order_confirmation_in_german_with_german_money_and_dates(system: System, csr: OmsClient) -> None:
    customer = customer_registered(preferred_language="de")
    await publish(csr, customer)
    order = order_placed(customer, currency="EUR", total=Decimal("1234.50"))

    await publish(csr, order)

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("bestätigt"))
    assert mail.subject == f"Ihre Bestellung {order.order_number} ist bestätigt"
    text = text_of(mail)
    assert "vom 1. März 2026" in text
    assert f"Gesamt: 1.234,50{NBSP}€" in text  # the event's total, German format
    assert f"2 x Two-person tent  300,00{NBSP}€" in text


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_order_changed_tells_the_refund_due(system: System, csr: OmsClient) -> None:
    customer = customer_registered()
    await publish(csr, customer)
    placed = order_placed(customer)
    await publish(csr, placed)
    changed = order_changed(placed, amount_due=Decimal("-20.5"), total=Decimal("279.50"), reason="one tent less")

    await publish(csr, changed)

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("changed"))
    assert mail.subject == f"Your order {placed.order_number} was changed"
    text = text_of(mail)
    assert "Total: $279.50" in text
    assert "To be refunded to you: $20.50" in text
    assert "(one tent less)" in text


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_order_cancelled_in_french_with_refund(system: System, csr: OmsClient) -> None:
    customer = customer_registered(preferred_language="fr")
    await publish(csr, customer)
    placed = order_placed(customer, currency="USD", total=Decimal("1234.50"))
    await publish(csr, placed)

    await publish(csr, order_cancelled(placed, reason="commande en double"))

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("annulée"))
    assert mail.subject == f"Votre commande {placed.order_number} a été annulée"
    text = text_of(mail)
    assert "Motif : commande en double" in text
    assert f"Nous vous rembourserons 1{NNBSP}234,50{NBSP}$US." in text
    assert "annulée le 1 mars 2026" in text


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_shipment_lists_what_shipped_and_tracking(system: System, csr: OmsClient) -> None:
    customer = customer_registered()
    await publish(csr, customer)
    placed = order_placed(customer)
    await publish(csr, placed)

    await publish(csr, order_shipped(placed))

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("shipped"))
    assert mail.subject == f"Your order {placed.order_number} has shipped"
    text = text_of(mail)
    assert "2 x Two-person tent" in text
    assert "Carrier: UPS, tracking number 1Z999AA10123456784" in text


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_customer_comment_is_emailed_and_internal_comment_is_not(system: System, csr: OmsClient) -> None:
    customer = customer_registered()
    await publish(csr, customer)
    placed = order_placed(customer)
    await publish(csr, placed)

    # Same order, same partition: the internal comment is handled before the customer one.
    await publish(csr, order_comment(placed, "Fraud check pending (internal)", visibility="internal"))
    await publish(csr, order_comment(placed, "Your tent ships Monday.\n\nSorry for the <delay> & thanks!"))

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("message"))
    assert mail.subject == f"A message about your order {placed.order_number}"
    assert "Your tent ships Monday." in text_of(mail)
    html = html_of(mail)
    assert html is not None and "<p>Sorry for the &lt;delay&gt; &amp; thanks!</p>" in html
    comments = [m for m in mails_to(system.mailbox(), customer.email or "") if "message" in (m.subject or "")]
    assert len(comments) == 1
    # The internal comment was handled first (same partition) and created no e-mail at all.
    rows = await email_rows(system, "order_id = $1 AND template = 'order_comment'", placed.order_id)
    assert len(rows) == 1 and "internal" not in rows[0]["body_text"]


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_quote_in_german_with_expiry(system: System, csr: OmsClient) -> None:
    customer = customer_registered(preferred_language="de-AT")
    await publish(csr, customer)
    quote = quote_requested(customer)

    await publish(csr, quote)

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("Angebot"))
    assert mail.subject == f"Ihr Angebot {quote.quote_number}"
    text = text_of(mail)
    assert "bis zum 31. März 2026 garantiert" in text
    assert f"Gesamt: €{NBSP}1.234,50" in text  # German template, Austrian number format


@pytest.mark.capability("NTF-01", "NTF-02", "CUS-08")
async def test_password_reset_carries_the_password_only_in_the_email_sent(system: System, csr: OmsClient) -> None:
    customer = customer_registered()
    await publish(csr, customer)
    temporary = f"Tmp-{uuid.uuid4().hex[:10]}"

    await publish(csr, password_reset(csr, customer, temporary))

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("password"))
    assert temporary in text_of(mail)
    assert temporary in (html_of(mail) or "")
    # Stored copy: a placeholder; no row, column or event holds the password in clear.
    rows = await eventually(
        lambda: email_rows(
            system, "customer_id = $1 AND template = 'password_reset' AND status = 'sent'", customer.customer_id
        ),
        60,
    )
    assert len(rows) == 1
    assert all(temporary not in str(value) for value in dict(rows[0]).values())
    assert rows[0]["sealed"] is None  # dropped once sent
    assert "[removed from the stored copy]" in rows[0]["body_text"]
    page = await history(csr, customer_id=customer.customer_id)
    reset = next(item for item in page.items if item.template == "password_reset")
    assert "redacted" in reset.flags and temporary not in reset.model_dump_json()


@pytest.mark.capability("NTF-01", "NTF-06")
async def test_order_email_waits_for_the_customer_details(system: System, csr: OmsClient) -> None:
    customer = customer_registered()
    placed = order_placed(customer)

    await publish(csr, placed)  # the customer's event has not arrived yet
    waiting = await eventually(
        lambda: email_rows(system, "order_id = $1 AND status = 'waiting_for_recipient'", placed.order_id), 30
    )
    assert waiting[0]["to_addr"] is None
    await publish(csr, customer)

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("confirmed"))
    assert mail.subject == f"Your order {placed.order_number} is confirmed"
    assert "Dear Jane Doe," in text_of(mail)  # the full name, as English writes it


@pytest.mark.capability("NTF-01", "NTF-05")
async def test_an_event_delivered_twice_sends_one_email(system: System, csr: OmsClient) -> None:
    customer = customer_registered()
    await publish(csr, customer)
    placed = order_placed(customer)
    message_id = uuid.uuid4()

    await publish(csr, placed, message_id=message_id)
    await publish(csr, placed, message_id=message_id)  # a redelivery: same message id
    # A later e-mail on the same order's partition proves both copies were consumed.
    await publish(csr, order_shipped(placed))

    await wait_mail(system.mailbox(), customer.email or "", subject_has("shipped"))
    confirmations = [m for m in mails_to(system.mailbox(), customer.email or "") if "confirmed" in (m.subject or "")]
    assert len(confirmations) == 1
    rows = await email_rows(system, "order_id = $1 AND template = 'order_confirmation'", placed.order_id)
    assert len(rows) == 1


@pytest.mark.capability("NTF-01", "NTF-06")
async def test_email_sent_event_feeds_contact_history(system: System, csr: OmsClient) -> None:
    customer = customer_registered()
    await publish(csr, customer)
    placed = order_placed(customer)
    await publish(csr, placed)

    sent = await first_event(
        system,
        "notifications.events",
        lambda e: e.type == "EmailSent" and e.payload.get("order_id") == str(placed.order_id),
        timeout=90,
    )
    assert sent.payload["customer_id"] == str(customer.customer_id)
    assert sent.payload["template"] == "order_confirmation"
    assert sent.payload["regarding"] == f"order {placed.order_number}"
    assert sent.payload["to"] == customer.email
    page = await csr.request(GetEmailHistoryV1(order_id=placed.order_id), EmailHistoryPage)
    assert [item.status for item in page.items] == ["sent"]


async def _all_sent(system: System, order_id: uuid.UUID) -> bool:
    rows = await email_rows(system, "order_id = $1", order_id)
    return bool(rows) and all(r["status"] == "sent" for r in rows)
