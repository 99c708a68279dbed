"""One OpenTelemetry trace from a client's commands through the orders service, its outbox and its
events, to the notifications service that queues the order confirmation e-mail and sends it: the services
export by OTLP to a real Jaeger (devstack/jaeger.py, built from the Go module proxy) or to an
OTLP/HTTP receiver in the test process, and the test reads the trace back (tests/support/traces.py)."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from csr.client import OmsClient
from devstack.jaeger import Jaeger, binary_path
from devstack.paths import StackPaths
from tests.support.builders import register_customer
from tests.support.orders import add_product, submitted
from tests.support.system import System, eventually
from tests.support.traces import JaegerStore, OtlpReceiver, Span, TraceStore

TRACED = ("orders", "notifications")


@pytest.fixture
def collector(system: System, tmp_path: Path) -> Iterator[TraceStore]:
    """Jaeger when its binary is built (devstack builds it on first use where Go is; a long build on
    a busy machine, so set OMS_TRACE_TESTS_BUILD_JAEGER=1 to build it here), else an OTLP/HTTP
    receiver in this process: real OTLP from the real services either way."""
    paths = StackPaths.from_env()
    store: TraceStore
    if binary_path(paths).exists() or os.environ.get("OMS_TRACE_TESTS_BUILD_JAEGER") == "1":
        jaeger = Jaeger(paths, tmp_path)
        jaeger.start()
        store = JaegerStore(jaeger)
    else:
        store = OtlpReceiver()
    exporting = {"OMS_OTEL_EXPORTER_OTLP_ENDPOINT": store.otlp_endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    try:
        for name in TRACED:
            system.restart(name, exporting)
        yield store
    finally:
        for name in TRACED:
            system.restart(name)  # without the exporter: its collector is gone
        store.stop()


@pytest.mark.capability("OPS-02")
async def test_one_trace_follows_an_order_from_the_client_to_the_confirmation_email(
    system: System, csr: OmsClient, feed: OmsClient, collector: TraceStore
) -> None:
    sku = await add_product(feed, usd="19.00", on_hand=5)
    customer = register_customer(csr)  # the e-mail's recipient, known to notifications
    customer_id = uuid.UUID((await csr.send(customer))["customer_id"])
    # The caller's trace: the client puts it on every command it sends (the test configures no
    # SDK of its own, so only the services' spans are exported, all under this trace id).
    trace_id = random.getrandbits(128)
    caller = SpanContext(trace_id, random.getrandbits(64), is_remote=False, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    with trace.use_span(NonRecordingSpan(caller)):
        order_id, _ = await submitted(csr, [(sku, 1)], customer_id=customer_id, email=customer.email)

    wanted = format(trace_id, "032x")

    async def email_sent_in_the_trace() -> dict[tuple[str, str], Span] | None:
        by_name = {(s.service, s.name): s for s in collector.spans(wanted)}
        return by_name if ("notifications", "send e-mail order_confirmation") in by_name else None

    try:
        by_name = await eventually(email_sent_in_the_trace, timeout=60, interval=1)
    except AssertionError:
        emails = await system.fetch(
            "notifications", "SELECT template, status FROM emails WHERE order_id = $1", order_id
        )
        received = sorted((s.service, s.name) for s in collector.spans(wanted))
        raise AssertionError(f"no e-mail sent in trace {wanted}: spans {received}, e-mails {emails}") from None
    submit = by_name[("orders", "process SubmitOrder")]
    placed = by_name[("notifications", "process OrderPlaced")]
    sent = by_name[("notifications", "send e-mail order_confirmation")]
    assert submit.parent_id == format(caller.span_id, "016x")  # the client's context
    # The notifications span is a child of the submit's: the context went through orders' outbox
    # and the OrderPlaced event's traceparent header...
    assert placed.parent_id == submit.span_id, (placed, submit)
    # ...and sending the e-mail, later and by the delivery worker, joins the trace of that event.
    assert sent.parent_id == placed.span_id
    assert {service for service, _ in by_name} == set(TRACED)
    assert placed.attributes["messaging.destination.name"] == system.prefix + "orders.events"
    emails = await system.fetch("notifications", "SELECT template FROM emails WHERE order_id = $1", order_id)
    assert "order_confirmation" in [r["template"] for r in emails]
