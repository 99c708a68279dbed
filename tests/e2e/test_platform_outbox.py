"""An outbox row Kafka cannot take does not stop a service's outbound messages: the running service
parks it (table, dead letter, metric, /health detail) and goes on answering; /ready follows the age
of what waits in the outbox (PLT-04, PLT-08)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.system import System, eventually


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as refused:
        return int(refused.code), refused.read()


async def _insert(system: System, topic: str) -> int:
    message_id = uuid.uuid4()
    [row] = await system.fetch(
        "customers",
        "INSERT INTO outbox (topic, key, headers, value, message_id) VALUES ($1, NULL, $2::jsonb, $3, $4) RETURNING id",
        topic,
        json.dumps({"message_id": str(message_id)}),
        b'{"note": "an outbox row put there by a test"}',
        message_id,
    )
    return int(row["id"])


@pytest.mark.capability("PLT-04", "PLT-08")
async def test_a_row_kafka_refuses_is_parked_and_the_service_keeps_answering(system: System, csr: OmsClient) -> None:
    # However it got there (the decoder refuses such a reply_to), the relay must not stall on it.
    bad = await _insert(system, "no such topic!")
    try:
        await _parked_and_answering(system, csr, bad)
    finally:  # the other tests of the session expect an outbox with nothing left in it
        await system.fetch("customers", "DELETE FROM outbox WHERE id = $1", bad)


async def _parked_and_answering(system: System, csr: OmsClient, bad: int) -> None:
    async def parked() -> str | None:
        rows = await system.fetch("customers", "SELECT park_reason FROM outbox WHERE id = $1", bad)
        return rows[0]["park_reason"] if rows else None

    assert await eventually(parked) == "invalid_topic"
    assert (await csr.send(register_customer(csr))).accepted  # its reply and event flow past the parked row

    port = system.services["customers"].port
    status, body = _get(f"http://127.0.0.1:{port}/health")
    assert status == 200 and json.loads(body)["outbox_parked"] >= 1
    status, body = _get(f"http://127.0.0.1:{port}/ready")
    assert status == 200, body  # parked rows are for an operator; the rest flows
    _, metrics = _get(f"http://127.0.0.1:{port}/metrics")
    text = metrics.decode()
    assert 'oms_outbox_parked_total{reason="invalid_topic",service="customers"}' in text
    assert 'oms_outbox_parked_rows{service="customers"}' in text
    assert 'oms_outbox_oldest_age_seconds{service="customers"}' in text


@pytest.mark.capability("PLT-08")
async def test_the_service_is_not_ready_while_an_old_row_waits_in_its_outbox(system: System) -> None:
    port = system.services["customers"].port
    # A row committed two minutes ago and not published yet (it waits for a retry), to a topic
    # that exists: the service is alive but not ready until it is out.
    await system.fetch(
        "customers",
        "UPDATE outbox SET created_at = now() - interval '2 minutes', attempts = 1, retry_at = now() + interval '8 s'"
        " WHERE id = $1",
        await _insert(system, system.prefix + "customers.outbox.dlq"),
    )

    status, body = _get(f"http://127.0.0.1:{port}/ready")
    assert status == 503 and json.loads(body)["outbox_flowing"] is False
    assert _get(f"http://127.0.0.1:{port}/health")[0] == 200

    async def ready() -> bool:
        return _get(f"http://127.0.0.1:{port}/ready")[0] == 200

    assert await eventually(ready, timeout=30, interval=0.5)
