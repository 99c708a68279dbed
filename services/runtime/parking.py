"""What the outbox relay does with each row: send it, hold it, retry it later or park it for good.

Pure decisions, no I/O, so the rules are tested on their own (tests/unit/test_outbox_parking.py):

- A row Kafka can never take (an invalid topic name, a record too large, a topic this service may
  not write) is parked at once; a row that keeps failing for a reason of its own (a topic that does
  not exist) is retried with backoff and parked after ``max_attempts``. One such row never stops
  the others: it used to fail its batch for ever, and every row behind it with it.
- A failure of the infrastructure (the broker away, a timeout) belongs to no row: nothing is
  counted or parked, everything is retried.
- Events are keyed by aggregate id and consumers rely on their order: a row that waits for a retry
  holds the later rows of its (topic, key), and a parked row parks them (reason ``behind_parked``),
  so no event overtakes an earlier one of its aggregate. Rows without a key (replies) are
  independent of each other.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from aiokafka import errors

from services.runtime.retry import RetryPolicy

# Kafka's own rule for topic names (org.apache.kafka.common.internals.Topic).
_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]{1,249}")
# aiokafka's default max_request_size; a record above it is refused before it is sent.
MAX_RECORD_BYTES = 1_048_576
_RECORD_OVERHEAD = 128  # record and batch headers, on top of key, value and header bytes

BEHIND_PARKED = "behind_parked"

_PERMANENT: list[tuple[type[BaseException], str]] = [
    (errors.InvalidTopicError, "invalid_topic"),
    (errors.MessageSizeTooLargeError, "record_too_large"),
    (errors.RecordListTooLargeError, "record_too_large"),
    (errors.RecordTooLargeError, "record_too_large"),
    (errors.TopicAuthorizationFailedError, "not_authorized"),
    (errors.CorruptRecordException, "refused"),
    (errors.UnsupportedForMessageFormatError, "refused"),
    (errors.PolicyViolationError, "refused"),
]
# Failures of the connection or the cluster as a whole, not of one record: retried for ever.
_INFRASTRUCTURE: tuple[type[BaseException], ...] = (
    errors.KafkaConnectionError,
    errors.KafkaTimeoutError,
    errors.ClusterAuthorizationFailedError,
    errors.ProducerClosed,
    TimeoutError,
    asyncio.CancelledError,
    OSError,
)

Key = tuple[str, str]


@dataclass(frozen=True)
class PendingRow:
    """An unpublished, unparked outbox row as the relay sees it."""

    id: int
    topic: str
    key: str | None
    size: int  # bytes of key, value and headers
    attempts: int = 0  # failures counted so far
    waiting: bool = False  # a counted failure's backoff has not elapsed yet

    @property
    def ordered_key(self) -> Key | None:
        """What this row must stay in order with: its (topic, key); replies have no key."""
        return (self.topic, self.key) if self.key is not None else None


@dataclass(frozen=True)
class Failure:
    kind: Literal["infrastructure", "permanent", "bounded"]
    reason: str


@dataclass(frozen=True)
class Parking:
    row_id: int
    reason: str  # a short code, also the metric's label
    detail: str  # what went wrong, in words (never the record's content)


@dataclass(frozen=True)
class Retry:
    row_id: int
    attempts: int
    delay_s: float
    error: str


@dataclass
class Plan:
    send: list[PendingRow] = field(default_factory=list)
    park: list[Parking] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


@dataclass
class Settlement:
    published: list[int] = field(default_factory=list)
    retry: list[Retry] = field(default_factory=list)
    park: list[Parking] = field(default_factory=list)
    infrastructure: BaseException | None = None


def refusal(row: PendingRow, max_record_bytes: int = MAX_RECORD_BYTES) -> Parking | None:
    """Why Kafka would refuse this row whatever the retries, known before sending it."""
    if not _TOPIC_NAME.fullmatch(row.topic) or row.topic in (".", ".."):
        return Parking(row.id, "invalid_topic", f"{row.topic[:300]!r} is not a valid Kafka topic name")
    if row.size + _RECORD_OVERHEAD > max_record_bytes:
        return Parking(row.id, "record_too_large", f"{row.size} bytes, more than {max_record_bytes} allowed")
    return None


def classify(failure: BaseException) -> Failure:
    for kind, reason in _PERMANENT:
        if isinstance(failure, kind):
            return Failure("permanent", reason)
    if isinstance(failure, errors.UnknownTopicOrPartitionError):
        # Also what a just-restarted broker may say for a while, hence bounded, not permanent.
        return Failure("bounded", "unknown_topic")
    if isinstance(failure, _INFRASTRUCTURE) or getattr(failure, "retriable", False):
        return Failure("infrastructure", "")
    return Failure("bounded", "publish_failed")


def describe(failure: BaseException) -> str:
    """The failure in words for the outbox table, the log and the dead letter (errors of the Kafka
    client name topics and sizes, never a record's content)."""
    return f"{type(failure).__name__}: {failure}"[:500]


def plan(rows: Sequence[PendingRow], parked_before: dict[Key, int], max_record_bytes: int = MAX_RECORD_BYTES) -> Plan:
    """Which rows to send now, in id order. ``parked_before`` maps a (topic, key) to the smallest
    id among its parked rows: later rows of that key must park behind it."""
    decided = Plan()
    parked = dict(parked_before)
    held: set[Key] = set()
    for row in rows:
        key = row.ordered_key
        if key is not None and key in parked and parked[key] < row.id:
            decided.park.append(Parking(row.id, BEHIND_PARKED, f"an earlier row of its key ({parked[key]}) is parked"))
        elif key is not None and key in held:
            decided.held.append(row.id)
        elif row.waiting:
            decided.held.append(row.id)
            if key is not None:
                held.add(key)
        elif (refused := refusal(row, max_record_bytes)) is not None:
            decided.park.append(refused)
            if key is not None:
                parked.setdefault(key, row.id)
        else:
            decided.send.append(row)
    return decided


def settle(sent: Sequence[PendingRow], outcomes: Sequence[BaseException | None], policy: RetryPolicy) -> Settlement:
    """What becomes of each sent row once Kafka answered (None: acknowledged). An acknowledged row is
    published even when a row before it failed: it cannot be taken back, and publishing it again
    at every retry is what flooded the topics with copies."""
    done = Settlement()
    parked: dict[Key, int] = {}
    # While the infrastructure fails, a row's own failure may be the outage's doing (a topic's
    # metadata that did not come): such failures are not counted then, only certain refusals are.
    outage = any(o is not None and classify(o).kind == "infrastructure" for o in outcomes)
    for row, outcome in zip(sent, outcomes, strict=True):
        key = row.ordered_key
        if outcome is None:
            done.published.append(row.id)
            continue
        failure = classify(outcome)
        if key is not None and key in parked:
            done.park.append(Parking(row.id, BEHIND_PARKED, f"an earlier row of its key ({parked[key]}) is parked"))
        elif failure.kind == "infrastructure":
            done.infrastructure = done.infrastructure or outcome
        elif failure.kind == "bounded" and outage:
            continue
        elif failure.kind == "permanent" or policy.exhausted(row.attempts + 1):
            done.park.append(Parking(row.id, failure.reason, describe(outcome)))
            if key is not None:
                parked[key] = row.id
        else:
            attempts = row.attempts + 1
            done.retry.append(Retry(row.id, attempts, policy.delay(attempts), describe(outcome)))
    return done
