"""While a message is handled: its span (a child of the trace its record's ``traceparent`` names,
services/runtime/telemetry.py), and its ids on every log line written meanwhile. Records written
meanwhile (events, replies) carry the span's ``traceparent`` (services/runtime/codec.py), so the
next service's span is a child of this one, through the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiokafka import ConsumerRecord
from opentelemetry.trace import SpanKind

from contracts.envelope import Envelope
from services.runtime import logs, telemetry


@contextmanager
def traced(envelope: Envelope, record: ConsumerRecord[Any, Any] | None = None) -> Iterator[str]:
    """Yields the trace id ('' when the message is not traced)."""
    parent = telemetry.parent_of(record.headers or ()) if record is not None else None
    attributes = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.message.id": str(envelope.message_id),
        "messaging.message.conversation_id": str(envelope.correlation_id),
        "oms.message.type": envelope.type,
    }
    if record is not None:
        attributes["messaging.destination.name"] = record.topic
        attributes["messaging.destination.partition.id"] = str(record.partition)
    span_name = f"process {envelope.type}"
    with telemetry.tracer().start_as_current_span(
        span_name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        trace_id = telemetry.trace_id_of(span)
        ids = {
            "message_id": str(envelope.message_id),
            "correlation_id": str(envelope.correlation_id),
            "type": envelope.type,
            "actor": envelope.actor.agent_id if envelope.actor else "",
        }
        token = logs.trace.set({**ids, "trace_id": trace_id} if trace_id else ids)
        try:
            yield trace_id
        finally:
            logs.trace.reset(token)
