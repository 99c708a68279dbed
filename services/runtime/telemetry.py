"""OpenTelemetry traces: one trace from a client's command through each service that handles it
or what it caused, carried in the W3C ``traceparent`` (and ``tracestate``) Kafka record headers.

Off unless configured: ``OMS_OTEL_EXPORTER_OTLP_ENDPOINT`` (the collector's OTLP/HTTP base URL)
or the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``; the
other standard variables apply (``OTEL_SDK_DISABLED``, ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_BSP_*``). Off, the API's no-op tracer still passes an
incoming ``traceparent`` on to what the message causes, so a trace is not cut by a service that
does not export.

Only the W3C trace context is read from a record, never ``baggage``: a client's baggage would
otherwise travel, unread and unchecked, into every event the system writes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, MutableMapping

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)

PROPAGATOR = TraceContextTextMapPropagator()
HEADERS = ("traceparent", "tracestate")
TRACER_NAME = "csr-oms"


def exporting(settings: ServiceSettings) -> str | None:
    """The OTLP/HTTP traces URL spans go to, or None when tracing is off."""
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true" or os.environ.get("OTEL_TRACES_EXPORTER") == "none":
        return None
    if settings.otel_exporter_otlp_endpoint:
        return settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    if traces := os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return traces
    if base := os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return base.rstrip("/") + "/v1/traces"
    return None


def configure(settings: ServiceSettings) -> bool:
    """Install the SDK's tracer provider when an endpoint is configured; True when it was."""
    endpoint = exporting(settings)
    if endpoint is None:
        return False
    # Imported here: a service that does not trace does not load the SDK and its exporter.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME", settings.service_name),
            "service.namespace": "csr-oms",
            "service.instance.id": settings.instance_id,
        }
    )
    provider = TracerProvider(resource=resource)  # shut down (spans flushed) at exit
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    logger.info("traces exported by OTLP to %s", endpoint)
    return True


def tracer() -> Tracer:
    return trace.get_tracer(TRACER_NAME)


def parent_of(headers: Iterable[tuple[str, bytes | None]]) -> Context:
    """The trace context a record's headers carry (an empty context when none or malformed)."""
    carrier = {k: (v or b"").decode("utf-8", errors="replace") for k, v in headers if k in HEADERS}
    return PROPAGATOR.extract(carrier)


def inject(headers: MutableMapping[str, str]) -> None:
    """Add the current trace context to a record's headers (nothing when there is none)."""
    PROPAGATOR.inject(headers)


def trace_id_of(span: Span) -> str:
    context = span.get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""


def current_traceparent() -> str | None:
    """The current span's ``traceparent``, to keep with work done later (an e-mail sent by a worker)."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def context_of(traceparent: str | None) -> Context | None:
    """The trace context a kept ``traceparent`` names (None: none kept)."""
    return PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else None
