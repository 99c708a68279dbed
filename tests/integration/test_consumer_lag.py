"""Consumer lag (oms_consumer_lag) read from a real consumer on the test stack's Kafka: the records
of an assigned partition not fetched yet, falling to zero once fetched, and gone from /metrics
when the partition is no longer assigned."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import REGISTRY

from devstack import StackEndpoints
from services.runtime.consumer_lag import ConsumerLag


def _shown(service: str, topic: str, partition: int) -> float | None:
    labels = {"service": service, "topic": topic, "partition": str(partition)}
    return REGISTRY.get_sample_value("oms_consumer_lag", labels)


async def test_lag_is_what_the_consumer_has_not_fetched_per_partition(stack: StackEndpoints) -> None:
    prefix, service = f"lag{uuid.uuid4().hex[:8]}.", f"probe{uuid.uuid4().hex[:6]}"
    topic = prefix + "orders.events"
    admin = AIOKafkaAdminClient(**stack.kafka_admin_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 2, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(**stack.kafka_admin_options())
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(topic, f"r{i}".encode(), partition=0)
        await producer.send_and_wait(topic, b"other", partition=1)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(**stack.kafka_admin_options(), enable_auto_commit=False)
    await consumer.start()
    lag = ConsumerLag(service, prefix)
    try:
        consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
        await consumer.seek_to_beginning()

        assert await lag.refresh([consumer]) == {(topic, 0): 5, (topic, 1): 1}
        assert _shown(service, "orders.events", 0) == 5  # labelled without the deployment's prefix

        fetched = 0
        while fetched < 6:
            fetched += sum(len(r) for r in (await consumer.getmany(timeout_ms=1000)).values())
        assert await lag.refresh([consumer]) == {(topic, 0): 0, (topic, 1): 0}
        assert _shown(service, "orders.events", 0) == 0

        consumer.assign([TopicPartition(topic, 1)])  # partition 0 went to another instance
        await lag.refresh([consumer])
        assert _shown(service, "orders.events", 0) is None
        assert _shown(service, "orders.events", 1) is not None
    finally:
        await consumer.stop()
