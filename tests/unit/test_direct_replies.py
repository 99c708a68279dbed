"""A reply sent straight to a requester's topic that Kafka will not take is counted and dropped;
only an unreachable broker makes the message come again (services/runtime/pipeline/replying.py)."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import errors

from services.runtime import metrics
from services.runtime.codec import OutgoingRecord
from services.runtime.pipeline.replying import deliver


class FakeProducer:
    def __init__(self, outcomes: list[BaseException | None]) -> None:
        self.outcomes = outcomes
        self.sent: list[OutgoingRecord] = []

    async def send_each(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        self.sent += records
        return self.outcomes


def reply(topic: str) -> OutgoingRecord:
    return OutgoingRecord(topic=topic, key=None, value=b"{}", headers={}, message_id="m")


def undeliverable(reason: str) -> float:
    return float(metrics.REPLIES_UNDELIVERABLE.labels("test", reason)._value.get())


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (errors.TopicAuthorizationFailedError(), "not_authorized"),
        (errors.InvalidTopicError(), "invalid_topic"),
        (errors.UnknownTopicOrPartitionError(), "unknown_topic"),
    ],
)
async def test_a_reply_kafka_refuses_is_counted_and_the_message_is_done(failure: BaseException, reason: str) -> None:
    producer: Any = FakeProducer([None, failure])
    before = undeliverable(reason)

    await deliver(producer, "test", [reply("replies.good"), reply("replies.refused")])

    assert [r.topic for r in producer.sent] == ["replies.good", "replies.refused"]
    assert undeliverable(reason) == before + 1


async def test_an_unreachable_broker_has_the_message_delivered_again() -> None:
    producer: Any = FakeProducer([errors.KafkaConnectionError()])

    with pytest.raises(errors.KafkaConnectionError):
        await deliver(producer, "test", [reply("replies.any")])
