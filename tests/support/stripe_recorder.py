"""A recording proxy in front of stripe-mock: stripe-mock keeps no state, so the tests learn what
the orders service asked of the provider here (method, path, idempotency key, parameters), and
can take the provider down (every request answered 503, as a Stripe outage would be)."""

from __future__ import annotations

import contextlib
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devstack.ports import HOST
from tests.support.system import System


@dataclass(frozen=True)
class StripeRequest:
    method: str
    path: str
    idempotency_key: str | None
    params: dict[str, str]
    status: int


@dataclass
class StripeRecorder:
    upstream: str
    requests: list[StripeRequest] = field(default_factory=list)
    down: bool = False
    # Called once stripe-mock answered and before the answer goes back (to kill the caller there).
    after_forward: Callable[[StripeRequest], object] | None = None
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{HOST}:{self._server.server_address[1]}"

    def start(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder._forward(self)

            def do_POST(self) -> None:
                recorder._forward(self)

            def do_DELETE(self) -> None:
                recorder._forward(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def about(self, order_id: object) -> list[StripeRequest]:
        """What was asked for one order: intents name it in their metadata; captures, cancels and
        refunds name the intent, which stripe-mock answers with its own sample id, so they are
        matched by the idempotency keys the caller knows instead (see ``keyed``)."""
        return [r for r in self.requests if r.params.get("metadata[order_id]") == str(order_id)]

    def keyed(self, keys: set[str]) -> list[StripeRequest]:
        return [r for r in self.requests if r.idempotency_key in keys]

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        key = handler.headers.get("Idempotency-Key")
        if self.down:
            self.requests.append(StripeRequest(handler.command, handler.path, key, params, 503))
            self._answer(handler, 503, b'{"error": {"type": "api_error", "message": "provider down (test)"}}')
            return
        upstream = urllib.request.Request(
            self.upstream + handler.path,
            data=body if handler.command != "GET" else None,
            method=handler.command,
            headers={k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length")},
        )
        try:
            with urllib.request.urlopen(upstream, timeout=10) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        request = StripeRequest(handler.command, handler.path, key, params, status)
        self.requests.append(request)
        if self.after_forward is not None:
            self.after_forward(request)
        with contextlib.suppress(OSError):  # the caller may be gone (killed on purpose)
            self._answer(handler, status, payload)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


def orders_through_recorder(system: System, settings: dict[str, str] | None = None) -> Iterator[StripeRecorder]:
    """The body of a module fixture: the run's orders service restarted to reach stripe-mock through
    a recorder (with ``settings`` on top), and restarted as it was afterwards."""
    upstream = system.stack.stripe_api_base
    assert upstream, "the money tests need stripe-mock: `devstack up` starts it (scripts/bootstrap.sh installs it)"
    recorder = StripeRecorder(upstream)
    recorder.start()
    system.restart("orders", {"OMS_STRIPE_API_BASE": recorder.url, **(settings or {})})
    try:
        yield recorder
    finally:
        system.restart("orders")
        recorder.stop()


async def ledger(system: System, order_id: uuid.UUID) -> list[dict[str, Any]]:
    """The order's payment movements in the order they were made."""
    rows = await system.fetch(
        "orders",
        "SELECT kind, amount, status, provider, idempotency_key, authorization_ref, reference, reason"
        " FROM payment_movements WHERE order_id = $1 ORDER BY created_at, movement_id",
        order_id,
    )
    return [dict(r) for r in rows]
