"""The client library through real Kafka (and the real system where a service must answer):
retries that reuse the message id, typed results, rejections as exceptions, event streams."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts import errors
from contracts.customers import CustomerIdResult, CustomerRegisteredV1
from contracts.envelope import SYSTEM_ACTOR, Envelope, ReplyV1, Role
from csr.client import OmsClient, ReplyTimeout, RequestRejected
from tests.support.builders import register_customer
from tests.support.system import System


async def _create_topic(options: dict[str, Any], name: str) -> None:
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        await admin.close()


@pytest.mark.capability("PLT-03")
async def test_a_resend_reuses_the_message_id_and_a_late_reply_still_ends_the_wait(system: System) -> None:
    prefix = f"alone{uuid.uuid4().hex[:8]}."  # no service listens here: the test answers itself
    await _create_topic(system.stack.kafka_admin_options(), prefix + "customers.commands")
    client = OmsClient(
        system.stack.kafka_bootstrap,
        system.identities.user("csr-retry", Role.CSR),
        topic_prefix=prefix,
        sealing_public_key=system.public_key,
        timeout=60,
        attempts=4,
        kafka_options=system.stack.kafka_admin_auth(),
    )
    async with client, client.events("customers.commands") as commands:
        sending = asyncio.create_task(client.send(register_customer(client)))
        seen: list[Envelope] = []
        async for received in commands:
            seen.append(received.envelope)
            if len(seen) == 2:
                break
        first = seen[0]
        reply = ReplyV1(
            request_id=first.message_id,
            request_type=first.type,
            status="accepted",
            result={"customer_id": str(uuid.uuid4()), "version": 1},
        )
        answer = Envelope.wrap(
            reply, actor=SYSTEM_ACTOR, correlation_id=first.correlation_id, causation_id=first.message_id
        )
        await client.publish_raw(client.reply_topic, answer.model_dump_json().encode())

        got = await asyncio.wait_for(sending, 60)

    assert [e.message_id for e in seen] == [first.message_id] * 2
    assert seen[0] == seen[1]  # the very same envelope, sealed password included
    assert got.accepted and got.result == reply.result


@pytest.mark.capability("PLT-02")
async def test_a_reply_timeout_names_the_topic_and_the_attempts(system: System) -> None:
    prefix = f"alone{uuid.uuid4().hex[:8]}."  # the topic exists (Kafka creates none), nobody reads it
    await _create_topic(system.stack.kafka_admin_options(), prefix + "customers.commands")
    client = OmsClient(
        system.stack.kafka_bootstrap,
        system.identities.user("csr-wait", Role.CSR),
        topic_prefix=prefix,
        sealing_public_key=system.public_key,
        timeout=3,
        attempts=3,
        kafka_options=system.stack.kafka_admin_auth(),
    )
    async with client:
        with pytest.raises(ReplyTimeout) as raised:
            await client.send(register_customer(client))

    assert raised.value.attempts == 3 and raised.value.topic == client.prefix + "customers.commands"
    assert "is the customers service running?" in str(raised.value)


@pytest.mark.capability("PLT-02", "CUS-01")
async def test_request_returns_the_typed_result_or_raises_the_rejection(system: System, csr: OmsClient) -> None:
    command = register_customer(csr)

    result = await csr.request(command)

    assert isinstance(result, CustomerIdResult)
    with pytest.raises(RequestRejected) as raised:
        await csr.request(register_customer(csr, logon_id=command.logon_id))
    assert raised.value.code == errors.CONFLICT
    assert raised.value.reply.field_errors[0].field == "payload.logon_id"


@pytest.mark.capability("PLT-01")
async def test_an_event_stream_sees_what_is_published_right_after_it_starts(system: System, csr: OmsClient) -> None:
    async with csr.events("customers.events") as stream:
        customer_id = (await csr.request(register_customer(csr), CustomerIdResult)).customer_id
        received = await stream.wait_for(lambda r: r.envelope.payload.get("customer_id") == str(customer_id), 30)

    assert isinstance(received.message, CustomerRegisteredV1)
    assert received.topic == "customers.events" and received.key == str(customer_id)
