"""What the payment provider was asked: a recording proxy between the orders service and the
stack's stripe-mock.

stripe-mock keeps no state (it answers every request afresh, idempotency keys included), so the
harness cannot ask it afterwards what it was asked. Every request the services send passes through
here; its method, path, idempotency key, parameters and the answer's status are kept (and written,
one JSON object a line, to ``stripe-requests.jsonl`` in the run's log directory). The checks match
them against the orders service's payment ledger (reliability/checks.py).

stripe-mock also ignores idempotency keys; Stripe does not, and the services count on it. So the
proxy plays Stripe's part: a request repeating a key that was answered gets the first answer again
(``replayed``), and one that repeats a key with other parameters gets Stripe's 400
``idempotency_error``.

While stripe-mock is stopped (the ``stripe_down`` fault) the proxy answers 502, as a gateway in
front of an unreachable provider does; the Stripe library takes it for a provider-side error,
which the service asks again about later, like a refused connection. Such a request is recorded
with ``reached`` false: the provider never saw it.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devstack.ports import HOST

UNREACHABLE = b'{"error": {"type": "api_error", "message": "the payment provider cannot be reached"}}'
KEY_REUSED = (
    b'{"error": {"type": "idempotency_error", "message": "Keys for idempotent requests can only be used'
    b' with the same parameters they were first used with."}}'
)

# The requests that move money (a card's tokenization moves none): the paths of an authorization,
# a capture, a cancel and a refund.
MONEY_PATHS = ("/v1/payment_intents", "/v1/refunds")


@dataclass(frozen=True)
class ProviderRequest:
    method: str
    path: str
    idempotency_key: str | None
    params: dict[str, str]
    status: int  # 502 and reached False while the provider was down
    reached: bool
    replayed: bool = False  # answered from the first answer to its key, as Stripe does

    @property
    def moves_money(self) -> bool:
        return self.method == "POST" and self.path.startswith(MONEY_PATHS)

    @property
    def answered(self) -> bool:
        """The provider took the request and answered it (a decline is an answer too)."""
        return self.reached and self.status < 500


@dataclass
class StripeLog:
    upstream: str
    log_path: Path
    requests: list[ProviderRequest] = field(default_factory=list)
    # idempotency key -> (the request it was first answered for, the status and body of that answer)
    _answers: dict[str, tuple[bytes, int, bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not started"
        return f"http://{HOST}:{self._server.server_address[1]}"

    def start(self) -> None:
        log = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                log._forward(self)

            def do_POST(self) -> None:
                log._forward(self)

            def do_DELETE(self) -> None:
                log._forward(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="stripe-log", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def money_requests(self) -> list[ProviderRequest]:
        with self._lock:
            return [r for r in self.requests if r.moves_money]

    def unreached_since(self, index: int) -> int:
        """How many requests found the provider down after the first ``index`` requests."""
        with self._lock:
            return sum(1 for r in self.requests[index:] if not r.reached)

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        key = handler.headers.get("Idempotency-Key")
        asked = f"{handler.command} {handler.path} ".encode() + body
        with self._lock:
            first = self._answers.get(key) if key else None
        if first is not None:
            same = first[0] == asked
            status, payload = (first[1], first[2]) if same else (400, KEY_REUSED)
            self._record(ProviderRequest(handler.command, handler.path, key, params, status, True, replayed=same))
            self._answer(handler, status, payload)
            return
        upstream = urllib.request.Request(  # noqa: S310 - the stack's stripe-mock, on loopback
            self.upstream + handler.path,
            data=body if handler.command != "GET" else None,
            method=handler.command,
            headers={k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length")},
        )
        reached = True
        try:
            with urllib.request.urlopen(upstream, timeout=30) as response:  # noqa: S310 - loopback only
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        except OSError:  # refused, reset, timed out: stripe-mock is stopped (or stopping)
            status, payload, reached = 502, UNREACHABLE, False
        if key and reached and status < 500:  # Stripe keeps an answer, not a failure on its side
            with self._lock:
                self._answers.setdefault(key, (asked, status, payload))
        self._record(ProviderRequest(handler.command, handler.path, key, params, status, reached))
        self._answer(handler, status, payload)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
        with contextlib.suppress(OSError):  # the caller may be gone (killed on purpose)
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)

    def _record(self, request: ProviderRequest) -> None:
        with self._lock:
            self.requests.append(request)
            with self.log_path.open("a") as out:
                out.write(json.dumps(asdict(request)) + "\n")
