"""The demo's transcript engine; the call itself is a list of scenes in :mod:`csr.demo.scenes`
(seed 003's business scenario; seeds 000-004 for the flows). Each scene is a short async function
that speaks through a :class:`Call`: ``say`` for what a person says, ``ask`` to send a command or
query and show what the system answered (``view=True`` also shows the result as ``csr`` shows it),
``mail`` to wait for an e-mail in the SMTP sink and show where it landed.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape
from rich.padding import Padding
from rich.rule import Rule

from contracts.envelope import Command, Query
from csr.client.auth import TokenProvider
from csr.client.config import ClientConfig
from csr.client.errors import ClientError
from csr.client.messages import sealed_paths
from csr.client.oms_client import OmsClient
from csr.console.render import Output, fmt, money, shown, when

EXIT_DEMO_FAILED = 1


class DemoFailed(ClientError):
    """The system did not behave as the script expects."""

    exit_code = EXIT_DEMO_FAILED
    kind = "demo_failed"


@dataclass(frozen=True)
class Line:
    speaker: str
    kind: str  # scene, says, does, answers, email, problem
    text: str
    data: dict[str, Any] | None = None
    view: Any = field(default=None, repr=False, compare=False)  # what csr shows for a result (not in JSON)

    def as_json(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "kind": self.kind, "text": self.text, "data": self.data}


@dataclass
class Transcript:
    """What was said and done, printed as it happens (or kept for ``--json``)."""

    output: Output
    lines: list[Line] = field(default_factory=list)
    emails: list[dict[str, str]] = field(default_factory=list)

    def add(self, line: Line) -> None:
        self.lines.append(line)
        if self.output.json_mode:
            return
        console = self.output.out
        if line.kind == "scene":
            console.print(Rule(line.text, align="left", style="cyan"))
            return
        style = {"does": "cyan", "answers": "green", "email": "magenta", "problem": "bold red"}.get(line.kind, "")
        marker = {"does": "▸ ", "answers": "◂ ", "email": "✉ "}.get(line.kind, "")
        text = f"[{style}]{marker}{escape(line.text)}[/]" if style else escape(line.text)
        console.print(f"[bold]{line.speaker:>10}[/]  {text}")
        if line.view is not None:
            console.print(Padding(line.view, (0, 0, 0, 12)))


Scene = Callable[["Call"], Awaitable[None]]

DEMO_USERS = {"csr": ("alice", "alice-dev"), "supervisor": ("sam", "sam-dev")}
"""The people on the call log in with the dev realm's users (stack/keycloak/csr-oms-realm.json):
this is the dev stack's demo."""
DEMO_CLIENTS = {"catalog": "oms-admin", "payments": "web-shop", "warehouse": "fulfilment"}
"""The systems on the call use their own clients' credentials: the catalog feed is tooling (role
system), the payment gateway answers like a channel, the warehouse is the fulfilment system."""


class Call:
    """One phone call: the people on it, their clients, what was learnt along the way."""

    def __init__(self, config: ClientConfig, transcript: Transcript, stack: contextlib.AsyncExitStack) -> None:
        self.config = config
        self.transcript = transcript
        self._stack = stack
        self.stack = stack  # for what runs beside the call (the fulfilment simulator)
        self._clients: dict[str, OmsClient] = {}
        self._mails_seen: set[int] = set()
        self.tag = uuid.uuid4().hex[:6]
        self.facts: dict[str, Any] = {}

    def scene(self, title: str) -> None:
        self.transcript.add(Line("", "scene", title))

    def say(self, speaker: str, text: str) -> None:
        self.transcript.add(Line(speaker, "says", text))

    async def client(self, speaker: str) -> OmsClient:
        if speaker not in self._clients:
            config = self.config
            client = OmsClient(
                config.kafka_bootstrap,
                self.token_provider(speaker),
                topic_prefix=config.topic_prefix,
                sealing_public_key=config.sealing_public_key,
                timeout=config.timeout,
                attempts=config.attempts,
                kafka_options=config.kafka_options,
            )
            self._clients[speaker] = await self._stack.enter_async_context(client)
        return self._clients[speaker]

    def token_provider(self, speaker: str) -> TokenProvider:
        """Who ``speaker`` is, for the identity provider; every other speaker is the CSR."""
        if speaker in DEMO_CLIENTS:
            return self.config.client_credentials(DEMO_CLIENTS[speaker])
        username, password = DEMO_USERS.get(speaker, DEMO_USERS["csr"])
        return self.config.password_login(username, password)

    async def ask(
        self, speaker: str, message: Command | Query, *, expect: str | None = None, view: bool = False
    ) -> dict[str, Any]:
        """``speaker`` sends ``message``; the system's answer goes in the transcript (``view``: as
        ``csr`` shows it, too). ``expect`` names the rejection code the script expects instead of
        an acceptance."""
        client = await self.client(speaker)
        self.transcript.add(Line(speaker, "does", describe(message), {"type": message.TYPE}))
        reply = await client.send(message)
        if reply.accepted:
            result = reply.result or {}
            picture = shown(message.TYPE, result) if view else None
            self.transcript.add(Line("system", "answers", answer(result), result, picture))
            if expect:
                raise DemoFailed(f"{message.TYPE} was accepted; the script expected {expect}")
            return result
        self.transcript.add(
            Line("system", "answers", f"rejected, {reply.code}: {reply.message}", reply.model_dump(mode="json"))
        )
        if reply.code != expect:
            raise DemoFailed(f"{message.TYPE} was rejected ({reply.code}: {reply.message})")
        return {}

    async def lookup(self, speaker: str, message: Command | Query) -> dict[str, Any] | None:
        """What the system answers, kept out of the transcript (None: rejected); for the checks a
        script makes before it starts."""
        reply = await (await self.client(speaker)).send(message)
        return (reply.result or {}) if reply.accepted else None

    async def mail(self, to: str, subject_has: str, timeout: float = 60.0) -> str:
        """Wait for the e-mail to ``to`` whose subject contains ``subject_has``; show its file."""
        if self.config.mail_dir is None:
            self.transcript.add(Line("e-mail", "email", f"{subject_has!r} to {to}: sent to the configured SMTP server"))
            return ""
        from devstack.mailbox import Mailbox

        box = Mailbox(self.config.mail_dir)
        try:
            mail = await box.wait_for_async(
                lambda m: (
                    to.lower() in (r.lower() for r in m.rcpt_tos)
                    and subject_has.lower() in (m.subject or "").lower()
                    and m.seq not in self._mails_seen
                ),
                timeout=timeout,
            )
        except TimeoutError as exc:
            raise DemoFailed(f"no e-mail to {to} about {subject_has!r} within {timeout:g}s: {exc}") from None
        self._mails_seen.add(mail.seq)
        found = {"subject": mail.subject or "", "to": to, "file": str(mail.file)}
        self.transcript.emails.append(found)
        self.transcript.add(Line("e-mail", "email", f"{mail.subject!r} to {to} -> {mail.file}", found))
        return str(mail.file)


def describe(message: Command | Query, limit: int = 6) -> str:
    """``RegisterCustomer logon_id=… email=… password=(sealed)``: what a person would note."""
    sealed = {p[0] for p in sealed_paths(type(message)) if len(p) == 1}
    data = message.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    parts = []
    for key, value in data.items():
        if key in sealed:
            parts.append(f"{key}=(sealed)")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value) and len(value) <= 3:
            parts.append(f"{key}={','.join(value)}")
        elif isinstance(value, list):
            parts.append(f"{key}=[{len(value)}]")
        elif isinstance(value, dict) and "method" in value:  # a payment: how, never the card
            parts.append(f"{key}={value['method']}" + (" (number sealed)" if "card_number" in value else ""))
        elif isinstance(value, dict) and isinstance(value.get("address"), dict):  # a ship-to
            parts.append(
                f"{key}={value['address'].get('city')}"
                + (f" ({value['shipping_mode']})" if value.get("shipping_mode") else "")
            )
        elif isinstance(value, dict) and "city" in value:  # an address
            parts.append(f"{key}={value['city']}")
        elif not isinstance(value, dict):
            parts.append(f"{key}={_short(fmt(value))}")
    return " ".join([message.TYPE, *parts[:limit]])


def _short(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters: an e-mail's body is not read out whole."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _servicing_answer(result: dict[str, Any]) -> str | None:
    """Quotes, locks, changes after submit and returns (SRV-*), in a few words."""
    currency = result.get("currency")
    if result.get("return_number"):
        refund = money(result.get("refund_amount"), currency)
        return f"accepted: return {result['return_number']}, {result.get('status')}, refund {refund}"
    if result.get("quote_number") and "expires_at" in result:
        total, until = money(result.get("total"), currency), when(result["expires_at"])
        return f"accepted: quote {result['quote_number']}, total {total}, prices guaranteed until {until}"
    if result.get("quote_number") and result.get("email"):
        return f"accepted: quote {result['quote_number']} e-mailed to {result['email']}"
    if "prices_honoured" in result:
        kept = "quoted prices honoured" if result["prices_honoured"] else "at today's prices"
        changes = len(result.get("changes") or [])
        return f"accepted: new cart, total {money(result.get('total'), currency)}, {kept}, {changes} change(s) since"
    if "amount_due" in result and "previous_total" in result:
        total, due = money(result.get("total"), currency), money(result.get("amount_due"), currency)
        return f"accepted: order {result.get('order_number')} version {result.get('version')}, total {total}, due {due}"
    if "locked" in result and "order_id" in result:
        return f"accepted: worked by {result.get('agent_id')}" if result["locked"] else "accepted: order unlocked"
    if result.get("email_id") and result.get("status"):
        return f"accepted: e-mail to {result.get('to')} {result['status']}"
    return None


def answer(result: dict[str, Any]) -> str:
    """The system's answer in a few words: an order number, a version and total, how many found."""
    servicing = _servicing_answer(result)
    if servicing:
        return servicing
    if result.get("order_number") and result.get("order_id"):
        total = f", total {money(result['total'], result.get('currency'))}" if result.get("total") is not None else ""
        return f"accepted: order number {result['order_number']}, {result.get('status', 'submitted')}{total}"
    if "order_id" in result and "total" in result and "version" in result:
        text = f"accepted: version {result['version']}, total {money(result['total'], result.get('currency'))}"
        return text + "".join(f"; note: {w}" for w in result.get("warnings") or [])
    for key in ("customers", "items", "entries", "orders", "ticklers", "assets", "accounts"):
        if isinstance(result.get(key), list):
            return f"found {len(result[key])}"
    if result.get("sku") and result.get("name") and "available" in result:
        prices = ", ".join(money(p) for p in result.get("prices") or [])
        return f"accepted: {result['sku']} {result.get('name')}, {prices}, {result['available']} available"
    if "logon_id" in result and isinstance(result.get("addresses"), list):
        name, book = f"{result.get('first_name')} {result.get('last_name')}", len(result["addresses"])
        return f"accepted: {name}, {result.get('status')}, {book} address(es), version {result.get('version')}"
    if isinstance(result.get("order"), dict):
        order = result["order"]
        return f"order {order.get('order_number') or order.get('order_id')}, version {order.get('version')}"
    if isinstance(result.get("differences"), list):
        return f"{len(result['differences'])} differences"
    return "accepted: " + _fields(result)


def _fields(result: dict[str, Any]) -> str:
    return " ".join(f"{k}={fmt(v)}" for k, v in result.items() if not isinstance(v, list | dict)) or "(done)"
