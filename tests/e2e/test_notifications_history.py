"""NTF-06: every e-mail in a history with its metadata, per customer and per order, paged; bodies
deleted after the retention period while the metadata stays."""

from __future__ import annotations

import uuid

import pytest

from contracts import errors
from contracts.notifications import (
    EmailQueuedResult,
    EmailView,
    GetEmailHistoryV1,
    GetEmailV1,
    PurgeEmailBodiesV1,
    PurgeResult,
    ResendConfirmationV1,
    SendEmailV1,
)
from csr.client import OmsClient
from tests.support.notifications import (
    email_rows,
    history,
    known_customer,
    order_placed,
    publish,
    subject_has,
    wait_mail,
)
from tests.support.system import System, eventually, first_event


async def _send(csr: OmsClient, customer_id: uuid.UUID, subject: str) -> uuid.UUID:
    draft = SendEmailV1(customer_id=customer_id, subject=subject, body_text=f"Body of {subject}")
    return (await csr.request(draft, EmailQueuedResult)).email_id


async def _all_sent(system: System, ids: list[uuid.UUID]) -> bool:
    rows = await email_rows(system, "email_id = ANY($1::uuid[]) AND status = 'sent'", ids)
    return len(rows) == len(ids)


async def _age(system: System, ids: list[uuid.UUID], days: int) -> None:
    conn = await system.db("notifications")
    try:
        await conn.execute(
            "UPDATE emails SET created_at = created_at - make_interval(days => $2) WHERE email_id = ANY($1::uuid[])",
            ids,
            days,
        )
    finally:
        await conn.close()


@pytest.mark.capability("NTF-06")
async def test_history_per_customer_is_paged_newest_first_with_metadata(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr)
    await wait_mail(system.mailbox(), customer.email or "", subject_has("Welcome"))
    ids = [await _send(csr, customer.customer_id, subject) for subject in ("First", "Second", "Third")]
    await eventually(lambda: _all_sent(system, ids), 60)

    first_page = await history(csr, customer_id=customer.customer_id, page_size=2)
    second_page = await history(csr, customer_id=customer.customer_id, page_size=2, page=2, include_bodies=False)

    assert first_page.total == second_page.total == 4
    assert [i.subject for i in first_page.items] == ["Third", "Second"]
    assert [i.subject for i in second_page.items] == ["First", "Welcome, Jane!"]
    third = first_page.items[0]
    assert third.email_id == ids[2] and third.status == "sent" and third.attempts == 1
    assert third.to == customer.email and third.customer_id == customer.customer_id
    assert third.created_by == "csr-alice" and third.flags == ["csr"] and third.template is None
    assert third.sent_at is not None and third.sent_at >= third.created_at
    assert third.body_text == "Body of Third" and third.body_deleted_at is None
    assert third.message_id.startswith(f"<{third.email_id}@")
    welcome = second_page.items[1]
    assert welcome.template == "welcome" and welcome.created_by == "customers"
    assert welcome.body_text is None and welcome.body_html is None  # include_bodies=False


@pytest.mark.capability("NTF-06")
async def test_one_email_by_id_and_unknown_ids(system: System, csr: OmsClient) -> None:
    customer = await known_customer(system, csr)
    email_id = await _send(csr, customer.customer_id, "Just one")

    view = await csr.request(GetEmailV1(email_id=email_id), EmailView)
    missing = await csr.send(GetEmailV1(email_id=uuid.uuid4()))
    neither = await csr.send(GetEmailHistoryV1())
    both = await csr.send(GetEmailHistoryV1(customer_id=customer.customer_id, order_id=uuid.uuid4()))
    everyones_sent = await csr.send(GetEmailHistoryV1(status="sent"))

    assert view.subject == "Just one" and view.body_text == "Body of Just one"
    assert missing.code == errors.NOT_FOUND
    assert neither.code == errors.INVALID and neither.field_errors[0].field == "payload.customer_id"
    assert both.code == errors.INVALID and "not both" in str(both.field_errors[0].message)
    assert everyones_sent.code == errors.INVALID and everyones_sent.field_errors[0].field == "payload.status"


@pytest.mark.capability("NTF-06", "NTF-04")
async def test_retention_deletes_old_bodies_and_keeps_metadata(
    system: System, csr: OmsClient, supervisor: OmsClient
) -> None:
    customer = await known_customer(system, csr)
    placed = order_placed(customer)
    await publish(csr, placed)
    await wait_mail(system.mailbox(), customer.email or "", subject_has("confirmed"))
    confirmation = (await email_rows(system, "order_id = $1", placed.order_id))[0]["email_id"]
    old = await _send(csr, customer.customer_id, "Old news")
    recent = await _send(csr, customer.customer_id, "Fresh news")
    await eventually(lambda: _all_sent(system, [confirmation, old, recent]), 60)
    before = {r["email_id"]: r for r in await email_rows(system, "customer_id = $1", customer.customer_id)}
    await _age(system, [confirmation, old], 91)  # OMS_BODY_RETENTION_DAYS is 90

    result = await supervisor.request(PurgeEmailBodiesV1(), PurgeResult)

    assert result.purged >= 2
    after = {r["email_id"]: r for r in await email_rows(system, "customer_id = $1", customer.customer_id)}
    for purged in (confirmation, old):
        row = after[purged]
        assert row["body_text"] is None and row["body_html"] is None and row["body_deleted_at"] is not None
        assert row["context"] == "{}"
        for kept in ("subject", "to_addr", "status", "sent_at", "attempts", "flags", "template", "message_id"):
            assert row[kept] == before[purged][kept], kept
    assert after[recent]["body_text"] == "Body of Fresh news" and after[recent]["body_deleted_at"] is None
    page = await history(csr, customer_id=customer.customer_id)
    shown = {i.email_id: i for i in page.items}
    assert shown[old].body_text is None and shown[old].subject == "Old news" and shown[old].status == "sent"
    assert shown[old].body_deleted_at is not None
    # The confirmation's content is gone, so it cannot be resent.
    refused = await csr.send(ResendConfirmationV1(order_id=placed.order_id))
    assert refused.code == errors.INVALID_STATE and "retention" in (refused.message or "")
    event = await first_event(
        system, "notifications.events", lambda e: e.type == "EmailBodiesPurged" and e.payload["purged_by"] == "sup-sam"
    )
    assert event.payload["count"] >= 2


@pytest.mark.capability("NTF-06")
async def test_purge_with_an_explicit_age(system: System, csr: OmsClient, supervisor: OmsClient) -> None:
    customer = await known_customer(system, csr)
    older = await _send(csr, customer.customer_id, "Forty days old")
    younger = await _send(csr, customer.customer_id, "Twenty days old")
    await eventually(lambda: _all_sent(system, [older, younger]), 60)
    await _age(system, [older], 40)
    await _age(system, [younger], 20)

    await supervisor.request(PurgeEmailBodiesV1(older_than_days=30), PurgeResult)

    rows = {r["email_id"]: r for r in await email_rows(system, "email_id = ANY($1::uuid[])", [older, younger])}
    assert rows[older]["body_text"] is None and rows[older]["subject"] == "Forty days old"
    assert rows[younger]["body_text"] == "Body of Twenty days old"


@pytest.mark.capability("NTF-06", "PLT-06")
async def test_only_supervisors_purge(system: System, csr: OmsClient) -> None:
    reply = await csr.send(PurgeEmailBodiesV1(older_than_days=0))

    assert reply.code == errors.FORBIDDEN
    assert await email_rows(system, "body_deleted_at IS NOT NULL AND created_at > now() - interval '1 day'") == []
