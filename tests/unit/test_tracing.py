"""Trace context across a service (SDK in-memory exporter; the real, cross-process proof is
tests/e2e/test_platform_traces.py): a message's span is a child of its record's ``traceparent``,
every record written while handling it carries that span, and nothing is written when untraced."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts.envelope import Envelope
from contracts.orders import PlaceOrderV1
from services.runtime import telemetry
from services.runtime.codec import encode
from services.runtime.pipeline.tracing import traced
from services.runtime.settings import ServiceSettings

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{CLIENT_TRACE}-00f067aa0ba902b7-01"


@dataclass
class Record:
    topic: str = "orders.commands"
    partition: int = 3
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(telemetry, "tracer", lambda: provider.get_tracer("test"))
    return exporter


def _command() -> Envelope:
    order = PlaceOrderV1(
        customer_id=uuid.uuid4(), currency="usd", lines=[{"sku": "A-1", "quantity": 1, "unit_price": "9.99"}]
    )
    return Envelope.wrap(order, reply_to="replies.test")


def test_a_message_span_continues_the_records_trace_and_its_records_carry_it(spans: InMemorySpanExporter) -> None:
    envelope = _command()
    record = Record(headers=[("traceparent", TRACEPARENT.encode()), ("baggage", b"user=mallory")])

    with traced(envelope, record) as trace_id:
        written = encode(envelope, "orders.events", "k")

    (span,) = spans.get_finished_spans()
    assert trace_id == CLIENT_TRACE
    assert format(span.context.trace_id, "032x") == CLIENT_TRACE
    assert span.parent is not None and format(span.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert span.kind == SpanKind.CONSUMER and span.name == f"process {envelope.type}"
    assert span.attributes is not None and span.attributes["messaging.destination.name"] == "orders.commands"
    assert written.headers["traceparent"] == f"00-{CLIENT_TRACE}-{span.context.span_id:016x}-01"
    assert "baggage" not in written.headers  # a client's baggage does not travel on


def test_a_record_without_trace_context_starts_a_trace(spans: InMemorySpanExporter) -> None:
    with traced(_command(), Record()) as trace_id:
        written = encode(_command(), "orders.events", "k")
    assert len(trace_id) == 32 and trace_id in written.headers["traceparent"]


def test_untraced_records_carry_no_trace_headers() -> None:
    written = encode(_command(), "orders.events", "k")
    assert "traceparent" not in written.headers and "tracestate" not in written.headers


def test_tracing_is_off_unless_an_endpoint_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    assert telemetry.exporting(ServiceSettings(service_name="orders")) is None
    configured = ServiceSettings(service_name="orders", otel_exporter_otlp_endpoint="http://collector:4318/")
    assert telemetry.exporting(configured) == "http://collector:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4318")
    assert telemetry.exporting(ServiceSettings(service_name="orders")) == "http://otel:4318/v1/traces"
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert telemetry.exporting(configured) is None
