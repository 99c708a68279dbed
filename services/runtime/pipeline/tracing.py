"""Log lines written while handling a message carry its ids."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from contracts.envelope import Envelope
from services.runtime import logs


@contextmanager
def traced(envelope: Envelope) -> Iterator[None]:
    token = logs.trace.set(
        {
            "message_id": str(envelope.message_id),
            "correlation_id": str(envelope.correlation_id),
            "type": envelope.type,
            "actor": envelope.actor.agent_id if envelope.actor else "",
        }
    )
    try:
        yield
    finally:
        logs.trace.reset(token)
