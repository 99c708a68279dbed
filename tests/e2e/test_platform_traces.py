"""One OpenTelemetry trace from a client's commands through the orders service, its outbox and its
events, to the notifications service that queues the order confirmation e-mail and sends it: the services
export by OTLP to a real Jaeger (devstack/jaeger.py, built from the Go module proxy on first use),
and the test reads the trace back from Jaeger's query API."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from csr.client import OmsClient
from devstack.jaeger import Jaeger, JaegerUnavailable
from devstack.paths import StackPaths
from tests.support.orders import add_product, submitted
from tests.support.system import System, eventually

TRACED = ("orders", "notifications")


@pytest.fixture
def jaeger(system: System, tmp_path: Path) -> Iterator[Jaeger]:
    collector = Jaeger(StackPaths.from_env(), tmp_path)
    try:
        collector.start()
    except JaegerUnavailable as missing:
        pytest.skip(str(missing))
    exporting = {"OMS_OTEL_EXPORTER_OTLP_ENDPOINT": collector.otlp_endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    try:
        for name in TRACED:
            system.restart(name, exporting)
        yield collector
    finally:
        for name in TRACED:
            system.restart(name)  # without the exporter: its collector is gone
        collector.stop()


@pytest.mark.capability("OPS-02")
async def test_one_trace_follows_an_order_from_the_client_to_the_confirmation_email(
    system: System, csr: OmsClient, feed: OmsClient, jaeger: Jaeger
) -> None:
    sku = await add_product(feed, usd="19.00", on_hand=5)
    # The caller's trace: the client puts it on every command it sends (the test configures no
    # SDK of its own, so only the services' spans are exported, all under this trace id).
    trace_id = random.getrandbits(128)
    caller = SpanContext(trace_id, random.getrandbits(64), is_remote=False, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    with trace.use_span(NonRecordingSpan(caller)):
        order_id, _ = await submitted(csr, [(sku, 1)])

    wanted = format(trace_id, "032x")

    async def confirmation_traced() -> dict[str, Any] | None:
        found = jaeger.trace(wanted)
        names = {(_service(found, s), s["operationName"]) for s in found["spans"]} if found else set()
        return found if ("notifications", "send e-mail order_confirmation") in names else None

    found = await eventually(confirmation_traced, timeout=60, interval=1)
    spans = {s["spanID"]: s for s in found["spans"]}
    by_name = {(_service(found, s), s["operationName"]): s for s in spans.values()}
    submit = by_name[("orders", "process SubmitOrder")]
    placed = by_name[("notifications", "process OrderPlaced")]
    sent = by_name[("notifications", "send e-mail order_confirmation")]
    # The e-mail's span is a child of the submit's: the context went through orders' outbox and
    # the OrderPlaced event's traceparent header.
    assert _parent(placed) == submit["spanID"], (placed, submit)
    assert _parent(submit) == format(caller.span_id, "016x")  # the client's context
    # Sending the e-mail, later and by the delivery worker, joins the trace of the event that asked for it.
    assert _parent(sent) == placed["spanID"]
    assert {_service(found, s) for s in spans.values()} == set(TRACED)
    tags = {t["key"]: t["value"] for t in placed["tags"]}
    assert tags["messaging.destination.name"] == system.prefix + "orders.events"
    emails = await system.fetch("notifications", "SELECT template FROM emails WHERE order_id = $1", order_id)
    assert "order_confirmation" in [r["template"] for r in emails]


def _service(found: dict[str, Any], span: dict[str, Any]) -> str:
    return str(found["processes"][span["processID"]]["serviceName"])


def _parent(span: dict[str, Any]) -> str | None:
    refs = [r for r in span.get("references", []) if r["refType"] == "CHILD_OF"]
    return str(refs[0]["spanID"]) if refs else None
