"""Pure numbers: percentiles, rates, and per-second series for the plot. No I/O, no clock."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0..100) by linear interpolation between closest ranks (numpy's
    default); None when there are no values."""
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def ratio(value: float | None, ceiling: float | None) -> float | None:
    if value is None or not ceiling:
        return None
    return value / ceiling


@dataclass
class Sample:
    """One observation: when it completed (seconds on the run's clock) and how long it took."""

    at: float
    seconds: float


@dataclass
class Recorder:
    """Completed operations of one kind; only those completing within [start, end) count."""

    samples: list[Sample] = field(default_factory=list)
    failures: int = 0

    def add(self, at: float, seconds: float) -> None:
        self.samples.append(Sample(at, seconds))

    def within(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.at < end]

    def latencies_ms(self, start: float, end: float) -> list[float]:
        return [s.seconds * 1000 for s in self.within(start, end)]

    def summary(self, start: float, end: float) -> Summary:
        return Summary.of(self.latencies_ms(start, end), end - start)


@dataclass(frozen=True)
class Summary:
    count: int
    per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None

    @classmethod
    def of(cls, latencies_ms: Sequence[float], seconds: float) -> Summary:
        return cls(
            count=len(latencies_ms),
            per_s=rate(len(latencies_ms), seconds),
            p50_ms=percentile(latencies_ms, 50),
            p95_ms=percentile(latencies_ms, 95),
            p99_ms=percentile(latencies_ms, 99),
            max_ms=max(latencies_ms) if latencies_ms else None,
        )


@dataclass(frozen=True)
class Point:
    second: float  # start of the bucket, in seconds since the start of the series
    count: int
    per_s: float
    p50_ms: float | None
    p99_ms: float | None


def per_second(samples: Iterable[Sample], start: float, end: float, bucket_s: float = 1.0) -> list[Point]:
    """Completions (and their rate) and latency percentiles in each ``bucket_s`` of [start, end)."""
    buckets: list[list[float]] = [[] for _ in range(max(0, math.ceil((end - start) / bucket_s)))]
    for s in samples:
        index = math.floor((s.at - start) / bucket_s)
        if 0 <= index < len(buckets) and s.at < end:
            buckets[index].append(s.seconds * 1000)
    return [
        Point(i * bucket_s, len(b), len(b) / bucket_s, percentile(b, 50), percentile(b, 99))
        for i, b in enumerate(buckets)
    ]
