"""Consumer lag, read at each /metrics scrape: per topic and partition the service's consumer group
has been assigned, the records not fetched yet (the partition's end offset minus the consumer's
position). A lag that keeps growing means the service handles less than arrives (or is stuck on
one partition); docs/operations.md says what to look at."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.runtime import metrics

POSITION_WAIT_S = 1.0  # a partition just assigned has no position until its first fetch


class ConsumerLag:
    def __init__(self, service: str, topic_prefix: str) -> None:
        self.service = service
        self.topic_prefix = topic_prefix
        self._shown: set[tuple[str, str]] = set()

    async def refresh(self, consumers: Iterable[AIOKafkaConsumer]) -> dict[tuple[str, int], int]:
        """Set the gauges of the partitions assigned now, drop those of partitions gone elsewhere."""
        lag: dict[tuple[str, int], int] = {}
        for consumer in consumers:
            lag.update(await _lag_of(consumer))
        shown = {(self._topic(topic), str(partition)) for topic, partition in lag}
        for gone_topic, gone_partition in self._shown - shown:
            with contextlib.suppress(KeyError):
                metrics.CONSUMER_LAG.remove(self.service, gone_topic, gone_partition)
        for (topic, partition), behind in lag.items():
            metrics.CONSUMER_LAG.labels(self.service, self._topic(topic), str(partition)).set(behind)
        self._shown = shown
        return lag

    def _topic(self, topic: str) -> str:
        # Without the deployment's prefix: one dashboard fits every deployment.
        return topic.removeprefix(self.topic_prefix)


async def _lag_of(consumer: AIOKafkaConsumer) -> dict[tuple[str, int], int]:
    assigned: list[TopicPartition] = sorted(consumer.assignment())
    if not assigned:
        return {}
    ends = await consumer.end_offsets(assigned)
    lag = {}
    for partition in assigned:
        # No position yet (or revoked meanwhile): not shown this time.
        with contextlib.suppress(Exception):
            position = await asyncio.wait_for(consumer.position(partition), POSITION_WAIT_S)
            lag[(partition.topic, partition.partition)] = max(int(ends[partition]) - int(position), 0)
    return lag


def consumers_of(subscribers: Iterable[Any]) -> list[AIOKafkaConsumer]:
    """The started Kafka consumers of FastStream's subscribers (``subscriber.consumer``)."""
    return [s.consumer for s in subscribers if isinstance(getattr(s, "consumer", None), AIOKafkaConsumer)]
