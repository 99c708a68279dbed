"""The broker itself checks who writes where (docs/security.md, "Kafka: who may write where").

Each client authenticates with its own Keycloak client's token; the broker's ACLs (devstack/acls.py,
applied here for this test's topic prefix) decide. A channel that forges an order event is refused
by Kafka, whatever the services would have done with it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

from contracts.topics import ORDERS_COMMANDS, ORDERS_EVENTS
from devstack.acls import apply_acls, revoke_acls
from devstack.endpoints import StackEndpoints

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def prefix(stack: StackEndpoints) -> AsyncIterator[str]:
    """A topic prefix of this module's own, with its topics and the ACL table applied for it."""
    if not stack.kafka_requires_auth:
        pytest.skip("this stack's Kafka does not authenticate clients (docker compose, testcontainers)")
    prefix = f"acl{uuid.uuid4().hex[:8]}."
    admin_options = stack.kafka_admin_options()
    admin = AIOKafkaAdminClient(**admin_options)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(prefix + t, 1, 1) for t in (ORDERS_COMMANDS, ORDERS_EVENTS)])
    finally:
        await admin.close()
    await apply_acls(admin_options, prefix)
    yield prefix
    await revoke_acls(admin_options, prefix)


async def _produce(options: dict[str, Any], topic: str) -> None:
    producer = AIOKafkaProducer(**options, acks="all", request_timeout_ms=10_000)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b'{"forged": true}', key=b"order-1")
    finally:
        await producer.stop()


@pytest.mark.capability("PLT-09")
async def test_a_channel_cannot_write_an_order_event(stack: StackEndpoints, prefix: str) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(stack.kafka_client_options("web-shop"), prefix + ORDERS_EVENTS)


@pytest.mark.capability("PLT-09")
async def test_a_channel_may_send_a_command(stack: StackEndpoints, prefix: str) -> None:
    await _produce(stack.kafka_client_options("web-shop"), prefix + ORDERS_COMMANDS)


@pytest.mark.capability("PLT-09")
async def test_fulfilment_reads_order_events_but_cannot_write_them(stack: StackEndpoints, prefix: str) -> None:
    await _produce(stack.kafka_admin_options(), prefix + ORDERS_EVENTS)  # the orders service's part
    fulfilment = stack.kafka_client_options("fulfilment")
    consumer = AIOKafkaConsumer(**fulfilment, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partition = TopicPartition(prefix + ORDERS_EVENTS, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        batches = await consumer.getmany(partition, timeout_ms=10_000)
    finally:
        await consumer.stop()
    assert [r.value for r in batches.get(partition, [])] == [b'{"forged": true}']
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(fulfilment, prefix + ORDERS_EVENTS)


@pytest.mark.capability("PLT-09")
async def test_an_unauthenticated_client_cannot_connect(stack: StackEndpoints, prefix: str) -> None:
    # Without SASL the broker drops the connection at the first request: no metadata, no topics.
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, request_timeout_ms=5_000)
    with pytest.raises(KafkaConnectionError):
        await producer.start()
    await producer.stop()


@pytest.mark.capability("PLT-09")
async def test_a_service_cannot_write_another_service_s_events(stack: StackEndpoints, prefix: str) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(stack.kafka_client_options("customers-service"), prefix + ORDERS_EVENTS)
