"""Following what happens: a stream of the events (or any messages) on some topics, typed.

    async with client.events("orders.events") as stream:
        await client.send(PlaceOrderV1(...))
        placed = await stream.wait_for(lambda e: e.type == "OrderPlaced", timeout=20)

The stream is assigned every partition of its topics and has resolved its starting offsets when
``async with`` returns, so nothing published after that point can be missed (a consumer-group
subscription would only start reading once its partitions are assigned, a moment later).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from contracts.envelope import Envelope, Message
from contracts.registry import all_messages
from csr.client.errors import BrokerUnavailable, UsageError


@dataclass(frozen=True)
class Received:
    """One message read from a topic: its envelope and, when its type is known, the typed payload."""

    topic: str
    partition: int
    offset: int
    key: str | None
    envelope: Envelope
    message: Message | None

    @property
    def type(self) -> str:
        return self.envelope.type


class EventStream:
    def __init__(
        self,
        bootstrap: str,
        topics: Iterable[str],
        *,
        prefix: str = "",
        from_beginning: bool = False,
        kafka_options: dict[str, Any] | None = None,
        metadata_wait: float = 5.0,
    ) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.topics = [prefix + t for t in topics]
        self.from_beginning = from_beginning
        self._options = kafka_options or {}
        self._metadata_wait = metadata_wait
        self._consumer: AIOKafkaConsumer | None = None
        self._end: dict[TopicPartition, int] = {}
        self._registry = all_messages()

    async def __aenter__(self) -> EventStream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None, **self._options
        )
        try:
            await self._consumer.start()
            tps = [TopicPartition(t, p) for t in self.topics for p in await self._partitions(t)]
            self._consumer.assign(tps)
            if self.from_beginning:
                await self._consumer.seek_to_beginning(*tps)
            else:
                await self._consumer.seek_to_end(*tps)
            for tp in tps:  # resolve the offsets now: whatever is published from here on is seen
                await self._consumer.position(tp)
            self._end = await self._consumer.end_offsets(tps)
        except (KafkaError, OSError) as exc:
            await self.stop()
            where = ", ".join(self.topics)
            raise BrokerUnavailable(f"cannot read {where} from Kafka at {self.bootstrap}: {exc}") from exc
        except BaseException:
            await self.stop()
            raise

    async def _partitions(self, topic: str) -> set[int]:
        assert self._consumer is not None
        deadline = time.monotonic() + self._metadata_wait
        while True:
            partitions = self._consumer.partitions_for_topic(topic)
            if partitions:
                return set(partitions)
            if time.monotonic() >= deadline:
                shown = topic[len(self.prefix) :] if self.prefix and topic.startswith(self.prefix) else topic
                raise UsageError(f"topic {shown!r} does not exist (prefix {self.prefix!r})")
            await self._consumer._client.force_metadata_update()
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
        self._consumer = None

    def _decode(self, record: Any) -> Received | None:
        try:
            envelope = Envelope.model_validate_json(record.value)
        except ValueError:
            return None  # not ours (or hostile): a follower skips it, the dead-letter topic has it
        cls = self._registry.get((envelope.type, envelope.version))
        message: Message | None = None
        if cls is not None:
            with contextlib.suppress(ValueError):
                message = cls.model_validate(envelope.payload)
        topic = record.topic[len(self.prefix) :] if record.topic.startswith(self.prefix) else record.topic
        key = record.key.decode(errors="replace") if record.key else None
        return Received(topic, record.partition, record.offset, key, envelope, message)

    async def __aiter__(self) -> AsyncIterator[Received]:
        """Every message from the starting point on, waiting for new ones forever."""
        if self._consumer is None:
            raise UsageError("the event stream is not started")
        async for record in self._consumer:
            received = self._decode(record)
            if received is not None:
                yield received

    async def existing(self) -> AsyncIterator[Received]:
        """The messages that were on the topics when the stream started, then stop."""
        consumer = self._consumer
        if consumer is None:
            raise UsageError("the event stream is not started")
        while not await self._caught_up():
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    if record.offset < self._end.get(TopicPartition(record.topic, record.partition), 0):
                        received = self._decode(record)
                        if received is not None:
                            yield received

    async def _caught_up(self) -> bool:
        assert self._consumer is not None
        for tp, end in self._end.items():
            if await self._consumer.position(tp) < end:
                return False
        return True

    async def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 20.0) -> Received:
        """The first message from the starting point on that satisfies ``predicate``."""
        try:
            async with asyncio.timeout(timeout):
                async for received in self:
                    if predicate(received):
                        return received
        except TimeoutError:
            pass
        raise TimeoutError(f"no matching message on {', '.join(self.topics)} within {timeout:g}s")
