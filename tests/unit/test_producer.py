"""The services' producer replaces aiokafka's after a failed send (services/runtime/kafka.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    UnknownTopicOrPartitionError,
)

from services.runtime.codec import OutgoingRecord
from services.runtime.kafka import Producer
from services.runtime.settings import ServiceSettings

RECORD = OutgoingRecord(topic="t", key="k", value=b"v", headers={}, message_id="m")


class Fake:
    """Stands in for AIOKafkaProducer: fails its sends or its start when told to."""

    def __init__(self, fail_send: bool = False, fail_start: bool = False) -> None:
        self.fail_send, self.fail_start = fail_send, fail_start
        self.started = self.stopped = False
        self.sent = 0

    async def start(self) -> None:
        if self.fail_start:
            raise KafkaConnectionError("broker away")
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def send(self, *args: Any, **kwargs: Any) -> asyncio.Future[object]:
        assert self.started
        self.sent += 1
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        if self.fail_send:
            future.set_exception(OutOfOrderSequenceNumber())
        else:
            future.set_result(object())  # aiokafka's RecordMetadata
        return future


def producer(*fakes: Fake) -> Producer:
    queue = list(fakes)
    p = Producer.__new__(Producer)
    p._new = lambda: queue.pop(0)  # type: ignore[method-assign]
    Producer.__init__(p, ServiceSettings())
    return p


async def test_a_failed_send_replaces_the_producer_for_the_next_one() -> None:
    stuck, fresh = Fake(fail_send=True), Fake()
    p = producer(stuck, fresh)

    with pytest.raises(OutOfOrderSequenceNumber):
        await p.send_batch([RECORD])
    await p.send_batch([RECORD, RECORD])

    assert stuck.stopped and p.replaced == 1 and fresh.sent == 2


async def test_acknowledged_records_are_none_and_nothing_is_replaced() -> None:
    only = Fake()
    p = producer(only)

    assert await p.send_each([RECORD, RECORD]) == [None, None]
    assert p.replaced == 0


async def test_a_start_that_fails_leaves_a_fresh_producer_for_the_next_try() -> None:
    away, back = Fake(fail_start=True), Fake()
    p = producer(away, back)

    with pytest.raises(KafkaConnectionError):
        await p.send_batch([RECORD])
    await p.send_batch([RECORD])

    assert back.sent == 1


async def test_a_stopped_producer_does_not_start_again() -> None:
    p = producer(Fake())
    await p.start()
    await p.stop()

    with pytest.raises(Exception, match="stopped"):
        await p.send_batch([RECORD])


class Refusing(Fake):
    """Refuses to queue records for some topics, as aiokafka does for a topic it cannot get
    metadata for (an invalid name, a topic that does not exist) or a record too large."""

    def __init__(self, refuse: dict[str, BaseException]) -> None:
        super().__init__()
        self.refuse = refuse
        self.asked: list[str] = []

    async def send(self, topic: str, *args: Any, **kwargs: Any) -> asyncio.Future[object]:
        self.asked.append(topic)
        if topic in self.refuse:
            raise self.refuse[topic]
        return await super().send(topic, *args, **kwargs)


def to(topic: str) -> OutgoingRecord:
    return OutgoingRecord(topic=topic, key=None, value=b"v", headers={}, message_id="m")


async def test_a_record_that_cannot_be_queued_fails_alone_and_its_topic_is_asked_once() -> None:
    unknown = UnknownTopicOrPartitionError()
    fake = Refusing({".": unknown, "big": MessageSizeTooLargeError()})
    p = producer(fake, Fake())

    outcomes = await p.send_each([to("ok"), to("."), to("ok"), to("."), to("big"), to("ok")])

    assert outcomes[0] is None and outcomes[2] is None and outcomes[5] is None
    assert outcomes[1] is unknown and outcomes[3] is unknown
    assert isinstance(outcomes[4], MessageSizeTooLargeError)
    assert fake.asked.count(".") == 1  # one metadata wait per unknown topic, not one per record
    assert fake.sent == 3


async def test_a_producer_that_fails_to_queue_fails_the_rest_of_the_batch_without_trying() -> None:
    gone = KafkaConnectionError("broker away")
    fake = Refusing({"b": gone})
    p = producer(fake, Fake())

    outcomes = await p.send_each([to("a"), to("b"), to("c")])

    assert outcomes == [None, gone, gone]
    assert fake.asked == ["a", "b"]


async def test_a_record_the_client_cannot_encode_fails_alone() -> None:
    broken = TypeError("header value is not text")
    fake = Refusing({"b": broken})
    p = producer(fake, Fake())

    assert await p.send_each([to("a"), to("b"), to("c")]) == [None, broken, None]


class Metadata(Fake):
    """Knows the topic "known"; finds "new" on asking; never hears of "missing"."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []
        self.client = type("Client", (), {"cluster": self})()

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {0} if topic == "known" else None

    async def partitions_for(self, topic: str) -> set[int]:
        if topic == "missing":
            await asyncio.sleep(60)
        return {0}

    async def send(self, topic: str, *args: Any, **kwargs: Any) -> asyncio.Future[object]:
        self.asked.append(topic)
        return await super().send(topic, *args, **kwargs)


async def test_unknown_topics_are_looked_up_once_each_briefly_after_the_known_ones_are_queued() -> None:
    fake = Metadata()
    p = Producer.__new__(Producer)
    p._new = lambda: fake  # type: ignore[method-assign]
    Producer.__init__(p, ServiceSettings(), metadata_wait_s=0.05)

    outcomes = await asyncio.wait_for(
        p.send_each([to("missing"), to("new"), to("known"), to("missing"), to("known")]), 5
    )

    assert isinstance(outcomes[0], UnknownTopicOrPartitionError) and outcomes[3] is outcomes[0]
    assert outcomes[1:3] == [None, None] and outcomes[4] is None
    assert fake.asked == ["known", "known", "new"]  # "missing" never reached the producer
