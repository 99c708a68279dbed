"""Prometheus metrics every service exposes on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES = Counter(
    "oms_messages_total",
    "Messages consumed, by service, message type and outcome",
    ["service", "type", "outcome"],
)
HANDLE_SECONDS = Histogram(
    "oms_handle_seconds",
    "Time from receiving a message to committing its effects",
    ["service", "kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
DEAD_LETTERS = Counter("oms_dead_letters_total", "Messages sent to a dead-letter topic", ["service", "reason"])
CONTENTION_RETRIES = Counter(
    "oms_contention_retries_total", "Batches retried in place after losing a lock race (deadlock)", ["service"]
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
