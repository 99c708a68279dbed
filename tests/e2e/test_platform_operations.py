"""Operating the platform: roles and audit, health and metrics, trace ids across services,
explicit partitions and per-aggregate keys."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from contracts import errors
from contracts.envelope import Role
from contracts.topics import ALL_TOPICS
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.system import System, eventually, first_event


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status), response.read()


@pytest.mark.capability("PLT-06")
async def test_a_role_not_allowed_is_refused_and_the_attempt_is_audited(system: System) -> None:
    async with system.client("batch-job", Role.SYSTEM) as intruder:
        command = register_customer(intruder)
        message_id = uuid.uuid4()

        reply = await intruder.send(command, message_id=message_id)

    assert reply.code == errors.FORBIDDEN
    assert "csr" in (reply.message or "")  # says who may
    assert not await system.fetch("customers", "SELECT 1 FROM customers WHERE logon_id = $1", command.logon_id)
    audit = await system.fetch(
        "customers", "SELECT actor_id, actor_role, outcome FROM inbox WHERE message_id = $1", message_id
    )
    assert [tuple(r) for r in audit] == [("batch-job", "system", "rejected")]


@pytest.mark.capability("PLT-06")
async def test_who_did_what_is_recorded(system: System, csr: OmsClient) -> None:
    message_id = uuid.uuid4()
    reply = await csr.send(register_customer(csr), message_id=message_id)

    audit = await system.fetch(
        "customers", "SELECT actor_id, actor_role, message_type, outcome FROM inbox WHERE message_id = $1", message_id
    )
    row = await system.fetch(
        "customers", "SELECT created_by FROM customers WHERE customer_id = $1", uuid.UUID(reply["customer_id"])
    )

    assert [tuple(r) for r in audit] == [("csr-alice", "csr", "RegisterCustomerV1", "accepted")]
    assert row[0]["created_by"] == "csr-alice"


@pytest.mark.capability("PLT-08")
async def test_every_service_reports_health_and_metrics(system: System, csr: OmsClient) -> None:
    assert (await csr.send(register_customer(csr))).accepted

    for name, service in system.services.items():
        status, body = _get(f"http://127.0.0.1:{service.port}/health")
        health = json.loads(body)
        assert status == 200, name
        assert health["database"] and health["kafka"] and health["started"], (name, health)

    _, metrics = _get(f"http://127.0.0.1:{system.services['customers'].port}/metrics")
    text = metrics.decode()
    assert 'oms_messages_total{outcome="accepted",service="customers",type="RegisterCustomer"}' in text
    assert "oms_handle_seconds_bucket" in text
    assert "oms_outbox_published_total" in text


@pytest.mark.capability("PLT-08")
async def test_one_correlation_id_follows_a_request_through_all_three_services(system: System, csr: OmsClient) -> None:
    correlation_id = uuid.uuid4()
    command = register_customer(csr)
    message_id = uuid.uuid4()

    reply = await csr.send(command, message_id=message_id, correlation_id=correlation_id)
    customer_id = reply["customer_id"]

    registered = await first_event(system, "customers.events", lambda e: e.payload.get("customer_id") == customer_id)
    assert registered.correlation_id == correlation_id
    assert registered.causation_id == message_id
    # The welcome e-mail is queued, then sent: both events carry the caller's correlation id.
    queued = await first_event(system, "notifications.events", lambda e: e.payload.get("customer_id") == customer_id)
    assert (queued.type, queued.correlation_id) == ("EmailQueued", correlation_id)
    sent = await first_event(
        system,
        "notifications.events",
        lambda e: e.type == "EmailSent" and e.payload.get("email_id") == queued.payload["email_id"],
    )
    assert sent.correlation_id == correlation_id
    rows = await system.fetch(
        "notifications", "SELECT correlation_id FROM emails WHERE customer_id = $1", uuid.UUID(customer_id)
    )
    assert [r["correlation_id"] for r in rows] == [correlation_id]

    # ...and so do the structured logs of every service that touched it.
    await eventually(lambda: _logged(system, "notifications", correlation_id, "e-mail sent"))
    duplicate_correlation = uuid.uuid4()
    rejected = await csr.send(register_customer(csr, logon_id=command.logon_id), correlation_id=duplicate_correlation)
    assert rejected.code == errors.CONFLICT
    await eventually(lambda: _logged(system, "customers", duplicate_correlation, "rejected"))


async def _logged(system: System, service: str, correlation_id: uuid.UUID, text: str) -> bool:
    for line in system.services[service].log_path.read_text().splitlines():
        if str(correlation_id) in line:
            entry = json.loads(line)
            if entry.get("correlation_id") == str(correlation_id) and text in entry["msg"]:
                return {"ts", "level", "service", "message_id", "type"} <= set(entry)
    return False


@pytest.mark.capability("PLT-07")
async def test_topics_are_created_with_explicit_partitions_and_events_keyed_by_aggregate(
    system: System, csr: OmsClient
) -> None:
    admin = AIOKafkaAdminClient(**system.stack.kafka_admin_options())
    await admin.start()
    try:
        names = [system.prefix + t.name for t in ALL_TOPICS]
        described = {d["topic"]: len(d["partitions"]) for d in await admin.describe_topics(names)}
    finally:
        await admin.close()
    assert described == {system.prefix + t.name: t.partitions for t in ALL_TOPICS}

    customer_id = (await csr.send(register_customer(csr)))["customer_id"]
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        system.prefix + "customers.events",
        **system.stack.kafka_admin_options(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:

        async def keyed() -> bool:
            batches = await consumer.getmany(timeout_ms=500)
            return any(
                r.key == customer_id.encode() and customer_id in r.value.decode() for rs in batches.values() for r in rs
            )

        await eventually(keyed, timeout=20)
    finally:
        await consumer.stop()
