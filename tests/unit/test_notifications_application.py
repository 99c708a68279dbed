"""The notifications service's use cases against a unit of work in memory: which e-mail an event
or a CSR's command creates, how it is rendered and queued, and what is refused, without Kafka,
PostgreSQL or SMTP (tests/unit/fakes_notifications.py)."""

from __future__ import annotations

import pytest

from contracts import errors
from contracts.customers import CustomerRegisteredV1
from contracts.errors import Refused
from contracts.notifications import UNSAFE_HTML, EmailQueuedV1, ResendEmailV1, SendEmailV1
from services.notifications.application import csr_emails, customer_events, order_events
from tests.support.notifications import customer_registered, order_comment, order_placed
from tests.unit.fakes_notifications import FakeNotificationsUnitOfWork


async def known_customer(uow: FakeNotificationsUnitOfWork, **changes: object) -> CustomerRegisteredV1:
    customer = customer_registered(**changes)
    await customer_events.on_customer_registered(uow, customer)
    uow.next_message()
    uow.emitted.clear()
    return customer


async def test_an_order_placed_is_confirmed_by_an_e_mail_rendered_in_the_customers_language_and_queued() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer = await known_customer(uow, preferred_language="fr", first_name="Amélie")
    placed = order_placed(customer)

    await order_events.on_order_placed(uow, placed)

    [row] = [r for r in uow.emails.rows.values() if r["template"] == "order_confirmation"]
    assert row["status"] == "pending" and row["to_addr"] == customer.email and row["language"] == "fr"
    assert placed.order_number in row["subject"] and "Amélie" in row["body_text"]
    assert row["order_id"] == placed.order_id and row["regarding"] == f"order {placed.order_number}"
    [event] = uow.emitted
    assert isinstance(event, EmailQueuedV1) and event.email_id == row["email_id"] and event.status == "pending"
    assert uow.wake_ups == 2  # the welcome, then the confirmation
    assert uow.orders.by_id[placed.order_id].order_number == placed.order_number


async def test_an_order_event_delivered_twice_creates_one_e_mail() -> None:
    uow = FakeNotificationsUnitOfWork()
    placed = order_placed(await known_customer(uow))

    await order_events.on_order_placed(uow, placed)
    await order_events.on_order_placed(uow, placed)  # same message id: a redelivery

    assert [r["template"] for r in uow.emails.rows.values()].count("order_confirmation") == 1
    assert len(uow.emitted) == 1


async def test_an_e_mail_for_a_customer_not_known_yet_waits_and_is_sent_when_they_arrive() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer = customer_registered()

    await order_events.on_order_placed(uow, order_placed(customer))
    [waiting] = uow.emails.rows.values()
    assert waiting["status"] == "waiting_for_recipient" and waiting["body_text"] is None and uow.wake_ups == 0

    uow.next_message()
    await customer_events.on_customer_registered(uow, customer)

    assert waiting["status"] == "pending" and waiting["to_addr"] == customer.email
    assert customer.first_name in (waiting["body_text"] or "")
    assert {r["template"] for r in uow.emails.rows.values()} == {"order_confirmation", "welcome"}


async def test_an_internal_comment_is_never_e_mailed() -> None:
    uow = FakeNotificationsUnitOfWork()
    placed = order_placed(await known_customer(uow))

    await order_events.on_order_comment(uow, order_comment(placed, "fraud check pending", visibility="internal"))

    assert [r["template"] for r in uow.emails.rows.values()] == ["welcome"] and not uow.emitted
    assert placed.order_id in uow.orders.by_id


async def test_a_csr_e_mail_with_a_script_is_refused_and_nothing_is_stored() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer = await known_customer(uow)
    stored = dict(uow.emails.rows)

    with pytest.raises(Refused) as refused:
        await csr_emails.send_email(
            uow,
            SendEmailV1(customer_id=customer.customer_id, subject="Hi", body_html="<p>Hi</p><script>x()</script>"),
        )

    assert refused.value.code == UNSAFE_HTML and refused.value.field_errors[0].field == "payload.body_html"
    assert uow.emails.rows == stored and not uow.emitted


async def test_only_an_uncertain_or_failed_e_mail_is_re_sent() -> None:
    uow = FakeNotificationsUnitOfWork()
    await known_customer(uow)
    [welcome] = uow.emails.rows.values()
    welcome |= {"status": "sent", "attempts": 1}

    with pytest.raises(Refused) as refused:
        await csr_emails.resend_email(uow, ResendEmailV1(email_id=welcome["email_id"]))
    welcome |= {"status": "uncertain"}
    result = await csr_emails.resend_email(uow, ResendEmailV1(email_id=welcome["email_id"]))

    assert refused.value.code == errors.INVALID_STATE
    assert result.status == "pending" and welcome["resends"] == 1
    assert welcome["flags"] == ["resent_by_csr", "resent_after_uncertain"] and uow.counted == ["resent"]
