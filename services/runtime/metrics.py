"""Prometheus metrics every service exposes on /metrics (docs/operations.md says what each means and
what to do when it moves).

Labels stay few and bounded: ``service``; ``type`` (a message type of the contracts, never a
value from a message: an unknown type is dead-lettered before it is counted); ``code`` (a code of
contracts/errors.py); ``topic`` and ``partition`` (the topics the service consumes); ``kind`` (a
message kind of contracts.envelope.Kind).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES = Counter(
    "oms_messages_total",
    "Messages handled, by service, message type and outcome (accepted, rejected; events: handled, ignored)",
    ["service", "type", "outcome"],
)
REJECTED = Counter(
    "oms_messages_rejected_total",
    "Commands and queries refused, and events ignored, by message type and rejection code",
    ["service", "type", "code"],
)
HANDLE_SECONDS = Histogram(
    "oms_handle_seconds",
    "Time from receiving a message (its fetch) to committing its effects (queries: to the reply), by type",
    ["service", "kind", "type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
DEAD_LETTERS = Counter("oms_dead_letters_total", "Messages sent to a dead-letter topic", ["service", "reason"])
CONTENTION_RETRIES = Counter(
    "oms_contention_retries_total", "Batches retried in place after losing a lock race (deadlock)", ["service"]
)
LOCK_ORDER_RERUNS = Counter(
    "oms_lock_order_reruns_total",
    "Batches cut to take their locks in the global order (services/runtime/ordered_locks.py)",
    ["service"],
)
SAVEPOINT_RERUNS = Counter(
    "oms_savepoint_reruns_total", "Batches handled again with a savepoint per message after a refusal", ["service"]
)
ACCESS_REFUSED = Counter(
    "oms_access_refused_total",
    "Commands and queries refused for their access token (unauthenticated) or role (forbidden), by reason",
    ["service", "code", "reason"],
)
OUTBOX_PUBLISHED = Counter("oms_outbox_published_total", "Outbox rows published to Kafka", ["service"])
OUTBOX_BACKLOG = Gauge(
    "oms_outbox_backlog", "Outbox rows waiting to be published (parked rows not counted)", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "oms_outbox_oldest_age_seconds", "Age of the oldest outbox row waiting to be published (0: none)", ["service"]
)
OUTBOX_PUBLISH_LATENCY = Histogram(
    "oms_outbox_publish_latency_seconds",
    "Time from an outbox row's transaction (its created_at) to Kafka's acknowledgement of it, by message kind"
    " (event, reply, command)",
    ["service", "kind"],
    # From a few milliseconds (the relay woken by the commit) to past the 60 s after which /ready fails.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
OUTBOX_PARKED = Counter(
    "oms_outbox_parked_total",
    "Outbox rows parked because they could not be published, by reason",
    ["service", "reason"],
)
OUTBOX_PARKED_ROWS = Gauge("oms_outbox_parked_rows", "Outbox rows parked and not re-queued yet", ["service"])
REPLIES_UNDELIVERABLE = Counter(
    "oms_replies_undeliverable_total",
    "Replies sent straight to a requester's topic that Kafka would not take (no such topic, not allowed...)",
    ["service", "reason"],
)
CONSUMER_LAG = Gauge(
    "oms_consumer_lag",
    "Records on a partition the service's consumer group has not fetched yet (end offset - position)",
    ["service", "topic", "partition"],
)
