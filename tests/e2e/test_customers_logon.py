"""Lock-out after failed logons and re-enabling (CUS-07); password reset (CUS-08)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts import errors
from contracts.customers import (
    AuthenticateCustomerV1,
    ChangePasswordV1,
    CreateGuestCustomerV1,
    CustomerIdResult,
    EnableCustomerV1,
    LogonResult,
    PasswordResetResult,
    PasswordResetV1,
    ReportFailedLogonV1,
    ResetPasswordV1,
)
from contracts.sealing import open_sealed
from csr.client import OmsClient
from tests.support.customers import event_for, now, ok, register, view
from tests.support.system import System

PASSWORD = "Sunshine42!"  # what tests.support.builders.register_customer seals


async def logon(channel: OmsClient, logon_id: str, password: str) -> LogonResult:
    return await ok(channel, AuthenticateCustomerV1(logon_id=logon_id, password=channel.seal(password)), LogonResult)


@pytest.mark.capability("CUS-07")
async def test_the_account_locks_after_five_failures_and_a_csr_re_enables_it(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    customer_id, command = await register(csr)
    logon_id = command.logon_id.upper()  # logon ids are case-insensitive

    failures = [await logon(channel, logon_id, "Wrong-guess-1") for _ in range(5)]
    while_locked = await logon(channel, logon_id, PASSWORD)

    assert [(f.outcome, f.failed_logons, f.status) for f in failures] == [
        ("wrong_password", 1, "enabled"),
        ("wrong_password", 2, "enabled"),
        ("wrong_password", 3, "enabled"),
        ("wrong_password", 4, "enabled"),
        ("wrong_password", 5, "locked"),
    ]
    assert while_locked.outcome == "locked"
    locked = await view(csr, customer_id)
    assert locked.status == "locked" and locked.locked_at is not None and locked.version == 2
    lockout = await event_for(system, "CustomerLockedOut", lambda p: p["customer_id"] == str(customer_id))
    assert lockout.payload["failed_logons"] == 5

    enabled = await ok(csr, EnableCustomerV1(customer_id=customer_id, reason="verified by phone"), CustomerIdResult)
    after = await logon(channel, logon_id, PASSWORD)

    assert enabled.version == 3
    assert (after.outcome, after.failed_logons, after.status) == ("ok", 0, "enabled")
    event = await event_for(system, "CustomerEnabled", lambda p: p["customer_id"] == str(customer_id))
    assert event.payload["enabled_by"] == "csr-alice" and event.payload["reason"] == "verified by phone"
    again = await csr.send(EnableCustomerV1(customer_id=customer_id))
    assert again.code == errors.INVALID_STATE and (await view(csr, customer_id)).version == 3


@pytest.mark.capability("CUS-07")
async def test_failures_reported_by_a_channel_count_and_a_success_resets_the_count(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    customer_id, command = await register(csr)

    reported = [await ok(channel, ReportFailedLogonV1(logon_id=command.logon_id), LogonResult) for _ in range(3)]
    checked = await logon(channel, command.logon_id, "nope-nope-1")
    success = await logon(channel, command.logon_id, PASSWORD)
    next_failure = await logon(channel, command.logon_id, "nope-nope-2")

    assert [r.failed_logons for r in reported] == [1, 2, 3] and checked.failed_logons == 4
    assert (success.outcome, success.failed_logons) == ("ok", 0)
    assert next_failure.failed_logons == 1 and next_failure.status == "enabled"
    attempt = await event_for(
        system, "LogonAttemptRecorded", lambda p: p["customer_id"] == str(customer_id) and p["failed_logons"] == 3
    )
    assert attempt.payload["channel"] == "web-shop" and attempt.payload["succeeded"] is False


@pytest.mark.capability("CUS-07")
async def test_logon_rules_are_enforced_by_role_and_unknown_logons_are_refused(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    customer_id, command = await register(csr)

    csr_logon = await csr.send(AuthenticateCustomerV1(logon_id=command.logon_id, password=csr.seal(PASSWORD)))
    channel_enable = await channel.send(EnableCustomerV1(customer_id=customer_id))
    channel_reset = await channel.send(ResetPasswordV1(customer_id=customer_id))
    unknown = await channel.send(ReportFailedLogonV1(logon_id=f"nobody.{uuid.uuid4().hex[:8]}"))

    assert csr_logon.code == errors.FORBIDDEN and channel_enable.code == errors.FORBIDDEN
    assert channel_reset.code == errors.FORBIDDEN
    assert unknown.code == errors.NOT_FOUND
    rows = await system.fetch(
        "customers", "SELECT failed_logons, version FROM customers WHERE customer_id = $1", customer_id
    )
    assert (rows[0]["failed_logons"], rows[0]["version"]) == (0, 1)


@pytest.mark.capability("CUS-08")
async def test_reset_password_makes_a_sealed_temporary_password_that_must_be_changed(
    system: System, csr: OmsClient, channel: OmsClient
) -> None:
    customer_id, command = await register(csr)
    before = now()

    result = await ok(csr, ResetPasswordV1(customer_id=customer_id, expected_version=1), PasswordResetResult)

    assert result.version == 2
    assert timedelta(hours=23, minutes=59) < result.expires_at - before < timedelta(hours=24, minutes=1)
    event = await event_for(system, "PasswordReset", lambda p: p["customer_id"] == str(customer_id))
    reset = PasswordResetV1.model_validate(event.payload)
    assert (
        reset.reset_by == "csr-alice" and reset.logon_id == command.logon_id and reset.expires_at == result.expires_at
    )
    temporary = open_sealed(reset.sealed_temporary_password, system.private_key)
    assert len(temporary) >= 12
    customer = await view(csr, customer_id)
    assert customer.must_change_password and customer.password_expires_at == result.expires_at

    old = await logon(channel, command.logon_id, PASSWORD)
    with_temporary = await logon(channel, command.logon_id, temporary)
    assert old.outcome == "wrong_password"
    assert with_temporary.outcome == "ok" and with_temporary.must_change_password

    wrong_current = await channel.send(
        ChangePasswordV1(
            logon_id=command.logon_id,
            current_password=channel.seal("Guess12345"),
            new_password=channel.seal("Moon77light"),
        )
    )
    weak = await channel.send(
        ChangePasswordV1(
            logon_id=command.logon_id, current_password=channel.seal(temporary), new_password=channel.seal("password")
        )
    )
    changed = await ok(
        channel,
        ChangePasswordV1(
            logon_id=command.logon_id,
            current_password=channel.seal(temporary),
            new_password=channel.seal("Moon77light"),
        ),
        CustomerIdResult,
    )
    assert wrong_current.code == "authentication_failed" and weak.code == "password_policy"
    assert changed.version == 3
    final = await logon(channel, command.logon_id, "Moon77light")
    assert final.outcome == "ok" and not final.must_change_password
    assert (await logon(channel, command.logon_id, temporary)).outcome == "wrong_password"
    await event_for(system, "PasswordChanged", lambda p: p["customer_id"] == str(customer_id))


@pytest.mark.capability("CUS-08")
async def test_the_temporary_password_is_in_clear_text_in_no_row_log_or_topic(system: System, csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    await ok(csr, ResetPasswordV1(customer_id=customer_id), PasswordResetResult)
    event = await event_for(system, "PasswordReset", lambda p: p["customer_id"] == str(customer_id))
    temporary = open_sealed(event.payload["sealed_temporary_password"], system.private_key)

    tables = await system.fetch("customers", "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    rows_text = []
    for table in tables:
        name = table["tablename"].replace('"', "")
        rows_text += [r[0] for r in await system.fetch("customers", f'SELECT t::text FROM "{name}" t')]  # noqa: S608
    log_text = (system.workdir / "customers.log").read_text(errors="replace")
    topic_bytes = await _all_records(system)

    assert rows_text and log_text  # the search ran over something, including the sealed event:
    assert any(event.payload["sealed_temporary_password"].encode() in b for b in topic_bytes)
    assert not [r for r in rows_text if temporary in r]
    assert temporary not in log_text
    assert not [b for b in topic_bytes if temporary.encode() in b]
    row = await system.fetch("customers", "SELECT password_hash FROM customers WHERE customer_id = $1", customer_id)
    assert row[0]["password_hash"].startswith("$argon2id$")


@pytest.mark.capability("CUS-08", "NTF-01")
async def test_the_temporary_password_is_e_mailed_to_the_customer(system: System, csr: OmsClient) -> None:
    from contracts.customers import PasswordResetV1 as Reset
    from services.notifications.adapters.messages import build_handlers

    if Reset not in build_handlers().events:
        pytest.skip("the notifications service does not handle PasswordResetV1 on this branch yet")
    customer_id, command = await register(csr)
    await ok(csr, ResetPasswordV1(customer_id=customer_id), PasswordResetResult)
    event = await event_for(system, "PasswordReset", lambda p: p["customer_id"] == str(customer_id))
    temporary = open_sealed(event.payload["sealed_temporary_password"], system.private_key)

    mail = await system.mailbox().wait_for_async(
        lambda m: str(command.email) in m.rcpt_tos and temporary in m.body(("plain",)) + m.body(("html",)),
        timeout=60,
    )

    assert mail.subject


@pytest.mark.capability("CUS-08")
async def test_a_guest_has_no_password_to_reset(system: System, csr: OmsClient, channel: OmsClient) -> None:
    guest = await ok(channel, CreateGuestCustomerV1(first_name="Gil", last_name="Guest"), CustomerIdResult)

    reply = await csr.send(ResetPasswordV1(customer_id=guest.customer_id))
    stale = await csr.send(ResetPasswordV1(customer_id=guest.customer_id, expected_version=5))

    assert reply.code == errors.INVALID_STATE and stale.code == errors.STALE_VERSION
    assert (await view(csr, guest.customer_id)).version == 1


async def _all_records(system: System) -> list[bytes]:
    """Every record's value on every topic of this run (commands, events, replies, dead letters)."""
    options = system.stack.kafka_admin_options()
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(system.prefix)]
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    partitions = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
    consumer = AIOKafkaConsumer(**options, group_id=None, enable_auto_commit=False)
    await consumer.start()
    values: list[bytes] = []
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=2000)
                values += [r.value for r in batch.get(tp, []) if r.value]
    finally:
        await consumer.stop()
    return values
