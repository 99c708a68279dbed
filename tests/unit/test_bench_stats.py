"""The benchmark's arithmetic: percentiles, windows, per-second series, and how the report turns
what the load observed into the figures of issue 9 (hand-checked numbers; nothing is timed)."""

from __future__ import annotations

import pytest

from bench.report import TARGETS, _met, phase_summary
from bench.run import Phase
from bench.stats import Recorder, Sample, Summary, per_second, percentile, rate, ratio


def test_percentiles_interpolate_between_closest_ranks() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5  # rank 1.5 between 2 and 3
    assert percentile([10, 20, 30, 40, 50], 99) == pytest.approx(49.6)  # rank 3.96: 40 + 0.96 x 10
    assert percentile([10, 20, 30, 40, 50], 0) == 10
    assert percentile([10, 20, 30, 40, 50], 100) == 50
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_a_percentile_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1, 2], 101)


def test_rates_and_ratios_say_nothing_rather_than_divide_by_zero() -> None:
    assert rate(150, 60) == 2.5
    assert rate(10, 0) == 0.0
    assert ratio(500, 1000) == 0.5
    assert ratio(None, 1000) is None
    assert ratio(500, 0) is None


def test_a_recorder_counts_only_what_completes_within_the_window() -> None:
    recorder = Recorder()
    for at, seconds in ((9.99, 0.5), (10.0, 0.010), (15.0, 0.020), (19.999, 0.030), (20.0, 9.0)):
        recorder.add(at, seconds)
    summary = recorder.summary(10.0, 20.0)
    assert summary.count == 3 and summary.per_s == 0.3
    assert summary.p50_ms == pytest.approx(20.0) and summary.max_ms == pytest.approx(30.0)


def test_per_second_buckets_completions_by_whole_seconds_from_the_start() -> None:
    samples = [Sample(100.5, 0.1), Sample(100.7, 0.3), Sample(101.2, 0.2), Sample(102.9, 0.4), Sample(103.0, 1)]
    points = per_second(samples, 100.0, 103.0)
    assert [p.count for p in points] == [2, 1, 1]
    assert points[0].p50_ms == pytest.approx(200.0)
    assert points[1].p99_ms == pytest.approx(200.0)
    halves = per_second(samples, 100.0, 103.0, bucket_s=2.0)
    assert [(p.second, p.count, p.per_s) for p in halves] == [(0.0, 3, 1.5), (2.0, 1, 0.5)]


def test_the_summary_of_no_latencies_has_no_percentiles() -> None:
    assert Summary.of([], 60) == Summary(0, 0.0, None, None, None, None)


def test_a_phase_reports_orders_emails_and_their_latencies_within_its_window() -> None:
    phase = Phase("max", start=1000.0, end=1010.0, in_flight=8)
    for at in (1001.0, 1002.0, 1003.0, 1004.0):
        phase.results.orders.add(at, 0.040)
    phase.results.orders.add(1011.0, 5.0)  # after the window: not counted
    phase.results.email_sent_at = {"a@x": 999.0, "b@x": 1002.0, "c@x": 1008.0, "d@x": 1009.0}
    # a: sent before the window, delivered in it (counts as delivered, not for latency);
    # b: 0.5 s; c: 3 s, delivered after the window (latency yes, rate no); d: never delivered.
    phase.emails = [("a@x", 1000.5), ("b@x", 1002.5), ("c@x", 1011.0), ("stranger@x", 1003.0)]

    s = phase_summary(phase)

    assert s["orders_accepted"] == 4 and s["orders_per_s"] == 0.4
    assert s["order_reply_p99_ms"] == pytest.approx(40.0)
    assert s["emails_per_s"] == 0.2  # a and b arrived within the 10 s window
    assert s["emails_expected"] == 3 and s["emails_received_for_window"] == 2  # b, c (d missing)
    assert s["email_latency_p50_ms"] == pytest.approx(1750.0)  # between 500 and 3000


def test_targets_are_judged_in_their_direction() -> None:
    assert {key: (op, target) for _, key, op, target in TARGETS}["orders_per_s"] == (">=", 1000)
    assert _met(1200, ">=", 1000) == "yes"
    assert _met(10, "<=", 20) == "yes"
    assert _met(25, "<=", 20) == "**no**"
    assert _met(None, "<=", 20) == "n/a"


def test_profile_costs_count_self_at_the_leaf_and_inclusive_once_per_sample() -> None:
    from bench.profile import costs, parse

    stacks = parse(["main;handle;encode 3", "main;handle;handle;query 1", "garbage", "main 1"])
    total, own, inclusive = costs(stacks)
    assert total == 5
    assert own == {"encode": 3, "query": 1, "main": 1}
    assert inclusive["handle"] == 4 and inclusive["main"] == 5
