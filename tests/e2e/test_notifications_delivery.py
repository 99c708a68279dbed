"""NTF-05: SMTP delivery with retries and backoff, failures visible, one event or command one
e-mail, and the delivery rule (OMS_EMAIL_DELIVERY) when the SMTP server is down, answers 4xx or
5xx, never answers, or when the service is killed mid-send: at least once (the default) the e-mail
is sent again with the same Message-ID; at most once it is uncertain, and a CSR may re-send it.

Faults on the shared SMTP sink are per recipient (unique addresses), so other tests are undisturbed;
stopping the SMTP server and killing the service use a private notifications process with its own
topic prefix, database and SMTP sink."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from contracts import errors
from contracts.customers import CustomerRegisteredV1
from contracts.notifications import (
    BODY_PURGED,
    EmailHistoryPage,
    EmailQueuedResult,
    EmailView,
    GetEmailHistoryV1,
    GetEmailV1,
    ResendEmailV1,
    SendEmailV1,
)
from contracts.orders import OrderPlacedV1
from csr.client import OmsClient
from devstack.mailbox import ReceivedMail
from reliability.fault_points import fault_env
from tests.support.notifications import (
    HangingSmtpServer,
    PrivateNotifications,
    TlsSmtpServer,
    address,
    customer_registered,
    email_rows,
    mails_to,
    order_comment,
    order_placed,
    publish,
    subject_has,
    wait_mail,
)
from tests.support.system import System, eventually, first_event

AT_MOST_ONCE = {"OMS_EMAIL_DELIVERY": "at-most-once"}


async def _send(csr: OmsClient, to: str, subject: str) -> uuid.UUID:
    draft = SendEmailV1(to=to, subject=subject, body_text=f"Body of {subject}")
    return (await csr.request(draft, EmailQueuedResult)).email_id


async def _row(system: System, email_id: uuid.UUID) -> dict[str, object]:
    rows = await email_rows(system, "email_id = $1", email_id)
    return dict(rows[0]) if rows else {}


async def _status(system: System, email_id: uuid.UUID, status: str) -> dict[str, object] | None:
    row = await _row(system, email_id)
    return row if row.get("status") == status else None


# --- the shared SMTP sink, with faults for our own recipients only ----------------------------


@pytest.mark.capability("NTF-05")
async def test_temporary_refusals_are_retried_and_delivered_once(system: System, csr: OmsClient) -> None:
    box = system.mailbox()
    data_refused, rcpt_refused = address("tempfail."), address("tempfail-rcpt.")
    with (
        box.fault("tempfail", stage="data", recipients=[data_refused], times=2),
        box.fault("tempfail", stage="rcpt", recipients=[rcpt_refused], times=1),
    ):
        first = await _send(csr, data_refused, "Retried after 451 on DATA")
        second = await _send(csr, rcpt_refused, "Retried after 451 on RCPT")

        await wait_mail(box, data_refused)
        await wait_mail(box, rcpt_refused)

    first_row = await eventually(lambda: _status(system, first, "sent"), 60)
    second_row = await eventually(lambda: _status(system, second, "sent"), 60)
    assert first_row["attempts"] == 3 and second_row["attempts"] == 2
    assert len(mails_to(box, data_refused)) == 1 and len(mails_to(box, rcpt_refused)) == 1
    assert len([r for r in box.rejections() if data_refused in r["rcpt_tos"]]) == 2


@pytest.mark.capability("NTF-05", "NTF-06")
async def test_permanent_refusal_is_failed_visible_and_announced(system: System, csr: OmsClient) -> None:
    box = system.mailbox()
    refused, fine = address("permfail."), address("after-permfail.")
    with box.fault("permfail", stage="data", recipients=[refused]):
        email_id = await _send(csr, refused, "Refused for good")
        failed = await eventually(lambda: _status(system, email_id, "failed"), 60)

    assert failed["attempts"] == 1 and "550" in str(failed["last_error"])
    view = await csr.request(GetEmailV1(email_id=email_id), EmailView)
    assert view.status == "failed" and view.last_error and "550" in view.last_error
    event = await first_event(
        system, "notifications.events", lambda e: e.type == "EmailFailed" and e.payload["email_id"] == str(email_id)
    )
    assert event.payload["status"] == "failed" and event.payload["to"] == refused
    assert mails_to(box, refused) == []
    await _send(csr, fine, "Still running")  # the service goes on
    await wait_mail(box, fine)


# --- a private notifications process: its SMTP server stopped, the process killed ------------


@pytest.fixture(scope="module")
def private(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateNotifications]:
    instance = PrivateNotifications(system, Path(tmp_path_factory.mktemp("private-delivery")))
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
async def private_csr(private: PrivateNotifications) -> AsyncIterator[OmsClient]:
    async with private.client() as client:
        yield client


@pytest.mark.capability("NTF-05", "NTF-01")
async def test_smtp_server_down_then_back_delivers_each_email_exactly_once(
    private: PrivateNotifications, private_csr: OmsClient
) -> None:
    private.as_configured()
    customers = [customer_registered() for _ in range(5)]
    private.stop_sink()
    try:
        for customer in customers:
            await publish(private_csr, customer)
        ids = [c.customer_id for c in customers]

        async def retrying() -> bool:
            rows = await private.rows("customer_id = ANY($1::uuid[]) AND attempts >= 2", ids)
            return len(rows) == len(customers) and all(r["last_error"] for r in rows)

        await eventually(retrying, 60)  # the server is down: every e-mail tried, refused, waiting again

        # The gauge is read from the table at each scrape: the five wait for their next attempt.
        # A scrape can fall while one of them is being tried again ('sending', not waiting), so the
        # gauge is read until it counts all five between two attempts (the back-off makes that long).
        async def gauge_counts_all() -> bool:
            return private.metrics()["oms_email_retries_waiting"] >= len(customers)

        await eventually(gauge_counts_all, 30)
    finally:
        private.start_sink()

    async def all_sent() -> list[object]:
        rows = await private.rows("customer_id = ANY($1::uuid[]) AND status = 'sent'", ids)
        return rows if len(rows) == len(customers) else []

    rows = await eventually(all_sent, 60)
    box = private.mailbox()
    for customer in customers:
        received = mails_to(box, customer.email or "")
        assert len(received) == 1, customer.email
        assert received[0].subject == "Welcome, Jane!"
    message_ids = {m.message_id for c in customers for m in mails_to(box, c.email or "")}
    assert message_ids == {r["message_id"] for r in rows}
    assert len(message_ids) == len(customers)
    assert private.metrics()['oms_emails_total{outcome="sent"}'] >= len(customers)


async def _crash_after_smtp(
    private: PrivateNotifications, client: OmsClient, rule: dict[str, str]
) -> tuple[CustomerRegisteredV1, OrderPlacedV1]:
    """The service killed (kill -9) right after the SMTP server took an order comment, before it
    recorded it; then started again under ``rule``."""
    customer = customer_registered()
    await publish(client, customer)
    await wait_mail(private.mailbox(), customer.email or "", subject_has("Welcome"))
    private.restart_service({**fault_env("crash_after_smtp:order_comment"), **rule})
    placed = order_placed(customer)

    await publish(client, order_comment(placed, "Your parcel left our warehouse."))

    assert private.service is not None and private.service.wait_exit(60) == 137  # kill -9 after SMTP
    await wait_mail(private.mailbox(), customer.email or "", subject_has("message about your order"))
    rows = await private.rows("order_id = $1", placed.order_id)
    assert [r["status"] for r in rows] == ["sending"]  # the crash left it mid-send

    private.service.start(rule)  # without the fault
    private.service.wait_healthy()
    return customer, placed


def _comments(private: PrivateNotifications, customer: CustomerRegisteredV1) -> list[ReceivedMail]:
    return [m for m in mails_to(private.mailbox(), customer.email or "") if "order" in (m.subject or "")]


@pytest.mark.capability("NTF-05", "NTF-06")
async def test_killed_after_the_smtp_server_took_the_email_at_least_once_it_is_sent_again_with_the_same_message_id(
    private: PrivateNotifications, private_csr: OmsClient
) -> None:
    customer, placed = await _crash_after_smtp(private, private_csr, {})

    sent = await eventually(lambda: private.rows("order_id = $1 AND status = 'sent'", placed.order_id), 60)

    async def two_copies() -> list[ReceivedMail]:
        copies = _comments(private, customer)
        return copies if len(copies) == 2 else []

    copies = await eventually(two_copies, 60)
    # Two copies of ONE e-mail: the customer's mail system folds them by their Message-ID.
    assert [m.message_id for m in copies] == [sent[0]["message_id"]] * 2
    assert sent[0]["attempts"] == 2 and sent[0]["resends"] == 1
    assert "resent_after_uncertain" in sent[0]["flags"]
    view = await private_csr.request(GetEmailV1(email_id=sent[0]["email_id"]), EmailView)
    assert view.status == "sent" and view.resends == 1 and "resent_after_uncertain" in view.flags
    assert view.message_id == sent[0]["message_id"]
    metrics = private.metrics()
    assert metrics['oms_emails_total{outcome="uncertain"}'] >= 1
    assert metrics['oms_emails_total{outcome="resent"}'] >= 1


@pytest.mark.capability("NTF-05", "NTF-06")
async def test_killed_after_the_smtp_server_took_the_email_at_most_once_it_is_uncertain_and_never_sent_twice(
    private: PrivateNotifications, private_csr: OmsClient
) -> None:
    customer, placed = await _crash_after_smtp(private, private_csr, AT_MOST_ONCE)

    uncertain = await eventually(lambda: private.rows("order_id = $1 AND status = 'uncertain'", placed.order_id), 60)
    assert "may or may not" in uncertain[0]["last_error"]
    event = await private.first_event(
        "notifications.events", lambda e: e.type == "EmailFailed" and e.payload["order_id"] == str(placed.order_id)
    )
    assert event.payload["status"] == "uncertain"
    # Another e-mail to the same customer arrives after the restart: the delivery worker has run,
    # and the uncertain one was not sent again.
    await private_csr.request(
        SendEmailV1(customer_id=customer.customer_id, subject="After the restart", body_text="Hello again"),
        EmailQueuedResult,
    )
    await wait_mail(private.mailbox(), customer.email or "", subject_has("After the restart"))
    assert len(_comments(private, customer)) == 1
    view = await private_csr.request(GetEmailV1(email_id=uncertain[0]["email_id"]), EmailView)
    assert view.status == "uncertain"
    listed = await private_csr.request(GetEmailHistoryV1(status="uncertain", page_size=100), EmailHistoryPage)
    assert uncertain[0]["email_id"] in {e.email_id for e in listed.items}
    assert {e.status for e in listed.items} == {"uncertain"}


@pytest.mark.capability("NTF-05")
async def test_no_answer_after_the_message_at_most_once_is_uncertain_and_not_resent(
    private: PrivateNotifications, private_csr: OmsClient
) -> None:
    async with HangingSmtpServer() as hanging:
        private.restart_service({"OMS_SMTP_PORT": str(hanging.port), "OMS_SMTP_TIMEOUT_S": "3", **AT_MOST_ONCE})
        result = await private_csr.request(
            SendEmailV1(to=address("hang."), subject="Into the void", body_text="Anyone there?"),
            EmailQueuedResult,
        )
        rows = await eventually(lambda: private.rows("email_id = $1 AND status = 'uncertain'", result.email_id), 60)

    assert rows[0]["attempts"] == 1 and "no answer" in rows[0]["last_error"]
    assert hanging.message_ids == [rows[0]["message_id"]]


@pytest.mark.capability("NTF-05")
async def test_no_answer_after_the_message_at_least_once_is_sent_again_with_the_same_message_id(
    private: PrivateNotifications, private_csr: OmsClient
) -> None:
    settings = {"OMS_SMTP_TIMEOUT_S": "3", "OMS_MAX_SEND_ATTEMPTS": "2"}
    async with HangingSmtpServer() as hanging:
        private.restart_service({"OMS_SMTP_PORT": str(hanging.port), **settings})
        result = await private_csr.request(
            SendEmailV1(to=address("hang-again."), subject="Into the void twice", body_text="Anyone?"),
            EmailQueuedResult,
        )
        # Two attempts, both unanswered after the message: left uncertain when the attempts ran out.
        rows = await eventually(lambda: private.rows("email_id = $1 AND status = 'uncertain'", result.email_id), 60)

    row = rows[0]
    assert row["attempts"] == 2 and row["resends"] == 1 and "resent_after_uncertain" in row["flags"]
    assert hanging.message_ids == [row["message_id"]] * 2
    assert row["message_id"] == f"<{result.email_id}@csr-oms.example.com>"


@pytest.mark.capability("NTF-05", "NTF-06")
async def test_a_csr_resends_an_uncertain_email_with_the_same_message_id(
    private: PrivateNotifications, private_csr: OmsClient
) -> None:
    recipient, purged_to = address("resend."), address("resend-purged.")
    async with HangingSmtpServer() as hanging:
        private.restart_service({"OMS_SMTP_PORT": str(hanging.port), "OMS_SMTP_TIMEOUT_S": "3", **AT_MOST_ONCE})
        ids = [
            (await private_csr.request(SendEmailV1(to=to, subject=f"To {to}", body_text="x"), EmailQueuedResult))
            for to in (recipient, purged_to)
        ]
        for queued in ids:
            await eventually(lambda q=queued: private.rows("email_id = $1 AND status = 'uncertain'", q.email_id), 60)
    private.restart_service(AT_MOST_ONCE)  # a server that answers, the rule unchanged
    email_id, purged_id = ids[0].email_id, ids[1].email_id
    command_id = uuid.uuid4()

    reply = await private_csr.request(ResendEmailV1(email_id=email_id), EmailQueuedResult, message_id=command_id)

    assert reply.status == "pending" and reply.email_id == email_id and reply.to == recipient
    received = await wait_mail(private.mailbox(), recipient)
    assert received.message_id == hanging.message_ids[0] == f"<{email_id}@csr-oms.example.com>"
    row = (await eventually(lambda: private.rows("email_id = $1 AND status = 'sent'", email_id), 60))[0]
    assert row["resends"] == 1 and row["resent_by"] == "csr-alice" and row["attempts"] == 2
    assert {"resent_by_csr", "resent_after_uncertain"} <= set(row["flags"])
    # The same command again (a retry by the client): the first answer, nothing sent again.
    again = await private_csr.send(ResendEmailV1(email_id=email_id), message_id=command_id)
    assert again.accepted and again["status"] == "pending"
    # A new command for an e-mail that was delivered: refused, nothing sent.
    refused = await private_csr.send(ResendEmailV1(email_id=email_id))
    assert refused.code == errors.INVALID_STATE and "sent" in str(refused.message)
    # Retention deleted the other one's content (as the worker would after OMS_BODY_RETENTION_DAYS).
    await private.execute(
        "UPDATE emails SET body_text = NULL, body_html = NULL, body_deleted_at = now() WHERE email_id = $1", purged_id
    )
    purged = await private_csr.send(ResendEmailV1(email_id=purged_id))
    assert purged.code == BODY_PURGED and "retention" in str(purged.message)
    unknown = await private_csr.send(ResendEmailV1(email_id=uuid.uuid4()))
    assert unknown.code == errors.NOT_FOUND
    assert len(mails_to(private.mailbox(), recipient)) == 1 and mails_to(private.mailbox(), purged_to) == []
    assert (await private.rows("email_id = $1", purged_id))[0]["status"] == "uncertain"
    assert private.metrics()['oms_emails_total{outcome="resent"}'] == 1


@pytest.mark.capability("NTF-05")
@pytest.mark.parametrize("mode", ["starttls", "tls"])
# aiosmtpd cannot tell that an implicit-TLS connection is encrypted, so AUTH is allowed "without TLS"
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_delivery_over_tls_with_authentication(
    private: PrivateNotifications, private_csr: OmsClient, tmp_path: Path, mode: str
) -> None:
    recipient = address(f"{mode}.")
    with TlsSmtpServer(mode, tmp_path) as server:
        private.restart_service(server.env())
        result = await private_csr.request(
            SendEmailV1(to=recipient, subject=f"Over {mode}", body_text="Encrypted and authenticated"),
            EmailQueuedResult,
        )
        await eventually(lambda: private.rows("email_id = $1 AND status = 'sent'", result.email_id), 60)

    assert server.received == [{"rcpt_tos": [recipient], "authenticated": True, "tls": True}]


@pytest.mark.capability("NTF-05")
async def test_a_wrong_smtp_password_is_retried_not_failed(
    private: PrivateNotifications, private_csr: OmsClient, tmp_path: Path
) -> None:
    recipient = address("auth.")
    with TlsSmtpServer("starttls", tmp_path) as server:
        private.restart_service(server.env(password="wrong"))
        result = await private_csr.request(
            SendEmailV1(to=recipient, subject="Held back by a wrong password", body_text="x"), EmailQueuedResult
        )
        retried = await eventually(lambda: private.rows("email_id = $1 AND attempts >= 2", result.email_id), 60)
        assert retried[0]["status"] in ("pending", "sending") and retried[0]["last_error"]
        assert server.received == []
        # The deployment fixes its password. The restart interrupts an attempt before anything
        # was transmitted: the e-mail goes back to the queue instead of becoming uncertain.
        private.restart_service(server.env())

        await eventually(lambda: private.rows("email_id = $1 AND status = 'sent'", result.email_id), 60)

    assert [r["rcpt_tos"] for r in server.received] == [[recipient]]
