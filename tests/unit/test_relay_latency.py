"""The relay's publish latency (oms_outbox_publish_latency_seconds): from an outbox row's
transaction to Kafka's acknowledgement, per message kind, for the rows published only."""

from __future__ import annotations

from typing import Any

import pytest

from services.runtime.relay import publish_latencies


def _row(kind: str | None, age_s: float) -> dict[str, Any]:
    return {"kind": kind, "age_s": age_s}


def test_each_published_row_counts_its_age_at_read_plus_the_wait_for_kafka() -> None:
    rows = {1: _row("event", 0.25), 2: _row("reply", 0.5), 3: _row("event", 4.0)}
    # Row 3 was not acknowledged (retried or parked): it has no latency yet.
    assert publish_latencies(rows, [1, 2], acked_after_s=0.125) == [("event", 0.375), ("reply", 0.625)]


def test_a_row_written_after_the_read_by_the_database_clock_counts_from_zero() -> None:
    # clock_timestamp() - created_at is never negative on one server; clamp it should a replica's
    # clock disagree, so a histogram bucket never sees a negative latency.
    assert publish_latencies({7: _row("event", -0.01)}, [7], acked_after_s=0.5) == [("event", 0.5)]


@pytest.mark.parametrize("header", [None, "", "telemetry", "EVENT"])
def test_a_kind_outside_the_contract_is_counted_as_other_keeping_labels_bounded(header: str | None) -> None:
    assert publish_latencies({1: _row(header, 1.0)}, [1], acked_after_s=0.0) == [("other", 1.0)]


def test_no_row_published_no_latency() -> None:
    assert publish_latencies({1: _row("event", 1.0)}, [], acked_after_s=3.0) == []
