"""After a message is handled and its effects committed: one count, one latency and one log line,
the operator's record of it (docs/operations.md). The line has ids and codes only, never a
payload, a reply's text or a header: no token, no card number, no password can reach it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from contracts.envelope import Envelope
from services.runtime import logs, metrics

logger = logging.getLogger("oms.handled")


@dataclass(frozen=True)
class Handled:
    envelope: Envelope
    kind: str  # command, event, query
    outcome: str  # accepted, rejected (commands, queries); handled, ignored (events)
    code: str | None  # the rejection code (contracts/errors.py), or why an event was ignored
    seconds: float
    trace_id: str = ""

    @classmethod
    def of(cls, envelope: Envelope, kind: str, outcome: str, seconds: float, trace_id: str = "") -> Handled:
        """From the outcome the inbox records: an event's ``ignored:<code>`` is split in two."""
        code = None
        if outcome.startswith("ignored:"):
            outcome, code = "ignored", outcome.removeprefix("ignored:")
        return cls(envelope, kind, outcome, code, seconds, trace_id)

    def with_code(self, code: str | None) -> Handled:
        return Handled(self.envelope, self.kind, self.outcome, code, self.seconds, self.trace_id)


def observe(service: str, handled: Handled, log_line: bool = True) -> None:
    message_type = handled.envelope.type
    metrics.MESSAGES.labels(service, message_type, handled.outcome).inc()
    if handled.code:
        metrics.REJECTED.labels(service, message_type, handled.code).inc()
    metrics.HANDLE_SECONDS.labels(service, handled.kind, message_type).observe(handled.seconds)
    if log_line:
        logs.log(
            logger,
            logging.INFO,
            f"{handled.kind} {message_type} {handled.outcome}",
            kind=handled.kind,
            type=message_type,
            message_id=str(handled.envelope.message_id),
            correlation_id=str(handled.envelope.correlation_id),
            actor=handled.envelope.actor.agent_id if handled.envelope.actor else "",
            outcome=handled.outcome,
            code=handled.code,
            duration_ms=round(handled.seconds * 1000, 3),
            trace_id=handled.trace_id,
        )
