"""One retry policy for the runtime's background loops: exponential backoff with a ceiling, and a
bound on attempts for failures that belong to one item (an outbox row) rather than to the
infrastructure (a broker away), which are retried for ever."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 0.2
    max_s: float = 5.0
    max_attempts: int = 5

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the ``attempt``-th failure (1-based): base, 2x base, ... up to max."""
        return float(min(self.base_s * 2 ** max(attempt - 1, 0), self.max_s))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


# The wait while PostgreSQL or Kafka is away, for the message pipeline and the outbox relay alike:
# no bound on attempts (the infrastructure comes back), a ceiling on each wait.
OUTAGE = RetryPolicy(base_s=0.2, max_s=5.0)
