"""Deployment settings of the notifications service, on a private instance started with them:
templates overridden and a language added from a directory without code changes (NTF-02), the
default e-mail format (NTF-07), and the periodic retention of bodies (NTF-06)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from contracts.notifications import EmailQueuedResult, SendEmailV1
from csr.client import OmsClient
from tests.support.notifications import (
    PrivateNotifications,
    customer_registered,
    html_of,
    publish,
    subject_has,
    text_of,
    wait_mail,
)
from tests.support.system import System, eventually


def _templates(root: Path) -> Path:
    (root / "en").mkdir(parents=True)
    (root / "en" / "welcome.subject.txt").write_text("Hello {{ first_name }}, from our new shop\n")
    spanish = root / "es"
    spanish.mkdir()
    (spanish / "welcome.subject.txt").write_text("¡Bienvenida, {{ first_name }}!\n")
    (spanish / "welcome.txt").write_text("Hola {{ first_name }}:\n\nSu cuenta {{ logon_id }} está lista.\n")
    (spanish / "welcome.html").write_text("<p>Hola {{ first_name }}:</p><p>Su cuenta está lista.</p>\n")
    return root


@pytest.fixture(scope="module")
def configured(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateNotifications]:
    workdir = Path(tmp_path_factory.mktemp("private-settings"))
    instance = PrivateNotifications(
        system,
        workdir,
        env={
            "OMS_TEMPLATES_DIR": str(_templates(workdir / "templates")),
            "OMS_DEFAULT_EMAIL_FORMAT": "text",
            "OMS_BODY_RETENTION_DAYS": "30",
            "OMS_RETENTION_INTERVAL_S": "0.5",
        },
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
async def configured_csr(configured: PrivateNotifications) -> AsyncIterator[OmsClient]:
    async with configured.client() as client:
        yield client


@pytest.mark.capability("NTF-02", "NTF-07")
async def test_an_overridden_subject_and_the_default_text_format(
    configured: PrivateNotifications, configured_csr: OmsClient
) -> None:
    customer = customer_registered()

    await publish(configured_csr, customer)

    mail = await wait_mail(configured.mailbox(), customer.email or "")
    assert mail.subject == "Hello Jane, from our new shop"  # from the override directory
    assert "Welcome! Your account has been created" in text_of(mail)  # the built-in body
    assert mail.message.get_content_type() == "text/plain" and html_of(mail) is None  # OMS_DEFAULT_EMAIL_FORMAT


@pytest.mark.capability("NTF-07")
async def test_customer_preference_wins_over_the_default_format(
    configured: PrivateNotifications, configured_csr: OmsClient
) -> None:
    customer = customer_registered(email_format="html")

    await publish(configured_csr, customer)

    mail = await wait_mail(configured.mailbox(), customer.email or "")
    assert html_of(mail)


@pytest.mark.capability("NTF-02")
async def test_a_language_added_from_the_override_directory(
    configured: PrivateNotifications, configured_csr: OmsClient
) -> None:
    customer = customer_registered(first_name="Lucía", preferred_language="es-MX")

    await publish(configured_csr, customer)

    mail = await wait_mail(configured.mailbox(), customer.email or "")
    assert mail.subject == "¡Bienvenida, Lucía!"
    assert f"Su cuenta {customer.logon_id} está lista." in text_of(mail)


@pytest.mark.capability("NTF-06")
async def test_the_retention_worker_deletes_old_bodies_and_keeps_metadata(
    configured: PrivateNotifications, configured_csr: OmsClient
) -> None:
    customer = customer_registered()
    await publish(configured_csr, customer)
    await wait_mail(configured.mailbox(), customer.email or "", subject_has("new shop"))
    old = await configured_csr.request(
        SendEmailV1(customer_id=customer.customer_id, subject="Will be old", body_text="Old body"), EmailQueuedResult
    )
    await wait_mail(configured.mailbox(), customer.email or "", subject_has("Will be old"))
    await eventually(lambda: configured.rows("email_id = $1 AND status = 'sent'", old.email_id), 60)
    await _age(configured, old.email_id, days=31)  # OMS_BODY_RETENTION_DAYS is 30

    purged = await eventually(
        lambda: configured.rows("email_id = $1 AND body_deleted_at IS NOT NULL", old.email_id), 30
    )

    assert purged[0]["body_text"] is None and purged[0]["body_html"] is None
    assert purged[0]["subject"] == "Will be old" and purged[0]["status"] == "sent" and purged[0]["sent_at"]
    welcome = await configured.rows("customer_id = $1 AND template = 'welcome'", customer.customer_id)
    assert welcome[0]["body_text"] and welcome[0]["body_deleted_at"] is None  # recent: kept
    event = await configured.first_event("notifications.events", lambda e: e.type == "EmailBodiesPurged")
    assert event.payload["purged_by"] == "retention" and event.payload["count"] >= 1


async def _age(instance: PrivateNotifications, email_id: object, days: int) -> None:
    conn = await asyncpg.connect(instance.system.stack.database_dsn(instance.database))
    try:
        await conn.execute(
            "UPDATE emails SET created_at = created_at - make_interval(days => $2) WHERE email_id = $1", email_id, days
        )
    finally:
        await conn.close()
