"""Where the services' spans go in the trace tests, read back as plain spans: a real Jaeger v2
(devstack/jaeger.py) when its binary is built, else an OTLP/HTTP receiver in the test process
(the protocol's own protobuf messages over real HTTP from the real service processes)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from devstack.jaeger import Jaeger


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    span_id: str
    parent_id: str | None
    attributes: dict[str, str]


class TraceStore(Protocol):
    @property
    def otlp_endpoint(self) -> str: ...

    def spans(self, trace_id: str) -> list[Span]: ...

    def stop(self) -> None: ...


class JaegerStore:
    def __init__(self, jaeger: Jaeger) -> None:
        self.jaeger = jaeger

    @property
    def otlp_endpoint(self) -> str:
        return self.jaeger.otlp_endpoint

    def spans(self, trace_id: str) -> list[Span]:
        found = self.jaeger.trace(trace_id)
        if not found:
            return []
        return [_jaeger_span(found, s) for s in found["spans"]]

    def stop(self) -> None:
        self.jaeger.stop()


def _jaeger_span(found: dict[str, Any], span: dict[str, Any]) -> Span:
    parents = [r["spanID"] for r in span.get("references", []) if r["refType"] == "CHILD_OF"]
    return Span(
        service=str(found["processes"][span["processID"]]["serviceName"]),
        name=str(span["operationName"]),
        span_id=str(span["spanID"]),
        parent_id=str(parents[0]) if parents else None,
        attributes={t["key"]: str(t["value"]) for t in span.get("tags", [])},
    )


class OtlpReceiver:
    """OTLP/HTTP (protobuf) on a free loopback port; keeps every span it is sent."""

    def __init__(self) -> None:
        self._spans: dict[str, list[Span]] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver._keep(request)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def otlp_endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _keep(self, request: ExportTraceServiceRequest) -> None:
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    kept = Span(
                        service=resource.get("service.name", ""),
                        name=span.name,
                        span_id=span.span_id.hex(),
                        parent_id=span.parent_span_id.hex() or None,
                        attributes={a.key: _value(a.value) for a in span.attributes},
                    )
                    with self._lock:
                        self._spans.setdefault(span.trace_id.hex(), []).append(kept)

    def spans(self, trace_id: str) -> list[Span]:
        with self._lock:
            return list(self._spans.get(trace_id, []))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _value(value: Any) -> str:
    kind = value.WhichOneof("value")
    return (
        json.dumps(getattr(value, kind)) if kind in ("int_value", "bool_value", "double_value") else value.string_value
    )
