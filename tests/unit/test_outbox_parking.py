"""What the outbox relay does with each row (services/runtime/parking.py): one row Kafka cannot take
never stops the others, events keep their per-key order, replies are independent, and a broker that
is away parks nothing."""

from __future__ import annotations

import pytest
from aiokafka.errors import (
    InvalidTopicError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)

from services.runtime.parking import BEHIND_PARKED, PendingRow, classify, plan, refusal, settle
from services.runtime.retry import RetryPolicy

POLICY = RetryPolicy(base_s=0.5, max_s=4, max_attempts=3)


def event(id_: int, key: str = "order-1", topic: str = "orders.events", **kw: object) -> PendingRow:
    return PendingRow(id_, topic, key, 100, **kw)  # type: ignore[arg-type]


def reply(id_: int, topic: str = "replies.csr-42", **kw: object) -> PendingRow:
    return PendingRow(id_, topic, None, 100, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("topic", [".", "..", "", "bad topic", "ünïcode", "a" * 250, "replies/../x"])
def test_a_topic_name_kafka_refuses_is_parked_before_sending(topic: str) -> None:
    refused = refusal(reply(1, topic=topic))
    assert refused is not None and refused.reason == "invalid_topic"


@pytest.mark.parametrize("topic", ["orders.events", "replies.csr-42_x", "a" * 249, "..."])
def test_a_valid_topic_name_is_sent(topic: str) -> None:
    assert refusal(reply(1, topic=topic)) is None


def test_a_record_over_the_request_size_is_parked_before_sending() -> None:
    big = PendingRow(1, "orders.events", "k", 2_000_000)
    refused = refusal(big)
    assert refused is not None and refused.reason == "record_too_large"
    assert refusal(PendingRow(1, "orders.events", "k", 900_000)) is None


def test_rows_around_an_unpublishable_reply_are_all_sent() -> None:
    decided = plan([event(1), reply(2, topic="."), reply(3), event(4, key="order-2")], {})
    assert [r.id for r in decided.send] == [1, 3, 4]
    assert [(p.row_id, p.reason) for p in decided.park] == [(2, "invalid_topic")]


def test_a_parked_event_parks_the_later_events_of_its_key_only() -> None:
    rows = [event(1, topic="bad topic"), event(2, topic="bad topic", key="order-2"), event(3, topic="bad topic")]
    decided = plan([*rows, event(4)], {})
    assert [(p.row_id, p.reason) for p in decided.park] == [
        (1, "invalid_topic"),
        (2, "invalid_topic"),  # another key of the same bad topic: refused on its own account
        (3, BEHIND_PARKED),
    ]
    assert [r.id for r in decided.send] == [4]  # same key, other topic: another ordering


def test_an_event_whose_key_was_parked_earlier_is_parked_behind_it() -> None:
    decided = plan([event(10), event(11, key="order-2")], {("orders.events", "order-1"): 7})
    assert [(p.row_id, p.reason) for p in decided.park] == [(10, BEHIND_PARKED)]
    assert [r.id for r in decided.send] == [11]


def test_a_requeued_event_is_not_held_by_a_later_row_of_its_key_still_parked() -> None:
    decided = plan([event(5)], {("orders.events", "order-1"): 9})
    assert [r.id for r in decided.send] == [5]


def test_a_waiting_event_holds_the_later_events_of_its_key_but_not_the_others() -> None:
    decided = plan([event(1, waiting=True, attempts=1), event(2), event(3, key="order-2"), reply(4)], {})
    assert decided.held == [1, 2]
    assert [r.id for r in decided.send] == [3, 4]
    assert decided.park == []


def test_replies_are_independent_even_to_the_same_topic() -> None:
    decided = plan([reply(1, waiting=True, attempts=1), reply(2)], {})
    assert decided.held == [1] and [r.id for r in decided.send] == [2]


@pytest.mark.parametrize(
    ("failure", "kind", "reason"),
    [
        (InvalidTopicError(), "permanent", "invalid_topic"),
        (MessageSizeTooLargeError(), "permanent", "record_too_large"),
        (TopicAuthorizationFailedError(), "permanent", "not_authorized"),
        (UnknownTopicOrPartitionError(), "bounded", "unknown_topic"),
        (ValueError("surprise"), "bounded", "publish_failed"),
        (KafkaConnectionError(), "infrastructure", ""),
        (KafkaTimeoutError(), "infrastructure", ""),
        (NotLeaderForPartitionError(), "infrastructure", ""),
    ],
)
def test_failures_are_told_apart(failure: BaseException, kind: str, reason: str) -> None:
    found = classify(failure)
    assert (found.kind, found.reason) == (kind, reason)


def test_acknowledged_rows_are_published_even_when_one_before_them_failed() -> None:
    sent = [reply(1), reply(2), reply(3)]
    done = settle(sent, [None, TopicAuthorizationFailedError(), None], POLICY)
    assert done.published == [1, 3]
    assert [(p.row_id, p.reason) for p in done.park] == [(2, "not_authorized")]
    assert done.infrastructure is None


def test_a_row_failing_on_its_own_is_retried_with_backoff_then_parked() -> None:
    unknown = UnknownTopicOrPartitionError()
    first = settle([reply(1)], [unknown], POLICY)
    assert [(r.row_id, r.attempts, r.delay_s) for r in first.retry] == [(1, 1, 0.5)]
    second = settle([reply(1, attempts=1)], [unknown], POLICY)
    assert [(r.attempts, r.delay_s) for r in second.retry] == [(2, 1.0)]
    last = settle([reply(1, attempts=2)], [unknown], POLICY)
    assert last.retry == [] and [(p.row_id, p.reason) for p in last.park] == [(1, "unknown_topic")]


def test_a_broker_away_parks_nothing_and_counts_nothing() -> None:
    away = KafkaConnectionError("broker away")
    done = settle([event(1, attempts=2), reply(2)], [away, away], POLICY)
    assert done.infrastructure is away
    assert done.park == [] and done.retry == [] and done.published == []


def test_during_an_outage_a_topic_not_found_is_not_counted_but_a_certain_refusal_still_parks() -> None:
    away = KafkaTimeoutError()
    done = settle(
        [reply(1), reply(2, attempts=2), reply(3)], [away, UnknownTopicOrPartitionError(), InvalidTopicError()], POLICY
    )
    assert done.infrastructure is away and done.retry == []
    assert [(p.row_id, p.reason) for p in done.park] == [(3, "invalid_topic")]


def test_an_event_failing_behind_a_parked_one_of_its_key_is_parked_behind_it() -> None:
    refused = TopicAuthorizationFailedError()
    done = settle(
        [event(1), event(2), event(3, key="order-2")], [refused, UnknownTopicOrPartitionError(), None], POLICY
    )
    assert [(p.row_id, p.reason) for p in done.park] == [(1, "not_authorized"), (2, BEHIND_PARKED)]
    assert done.published == [3]


def test_the_retry_policy_doubles_up_to_its_ceiling() -> None:
    assert [POLICY.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert not POLICY.exhausted(2) and POLICY.exhausted(3)
