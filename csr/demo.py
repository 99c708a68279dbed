"""``csr demo``: a scripted phone call against the running system, printed as a transcript.

The call is a list of scenes (seed 003's business scenario; seeds 000-004 for the flows). Each
scene is a short async function that speaks through a :class:`Call`: ``say`` for what a person
says, ``ask`` to send a command or query and show what the system answered, ``mail`` to wait for
an e-mail in the SMTP sink and show where it landed. A scene for a new capability is a few lines
added to :data:`SCENES`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape
from rich.rule import Rule

from contracts.customers import RegisterCustomerV1
from contracts.envelope import Command, Query, Role
from contracts.orders import PlaceOrderV1
from csr.client import OmsClient
from csr.config import ClientConfig
from csr.errors import ClientError
from csr.messages import sealed_paths
from csr.render import Output, fmt

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


Scene = Callable[["Call"], Awaitable[None]]


class Call:
    """One phone call: the people on it, their clients, what was learnt along the way."""

    def __init__(self, config: ClientConfig, transcript: Transcript, stack: contextlib.AsyncExitStack) -> None:
        self.config = config
        self.transcript = transcript
        self._stack = stack
        self._clients: dict[str, OmsClient] = {}
        self._mails_seen: set[int] = set()
        self.tag = uuid.uuid4().hex[:6]
        self.facts: dict[str, Any] = {}
        self.agents = {"csr": config.actor.agent_id, "supervisor": "sup-demo"}

    def scene(self, title: str) -> None:
        self.transcript.add(Line("", "scene", title))

    def say(self, speaker: str, text: str) -> None:
        self.transcript.add(Line(speaker, "says", text))

    async def client(self, speaker: str) -> OmsClient:
        if speaker not in self._clients:
            role = Role.SUPERVISOR if speaker == "supervisor" else Role.CSR
            config = self.config.with_actor(self.agents.get(speaker, speaker), role)
            client = OmsClient(
                config.kafka_bootstrap,
                config.actor,
                topic_prefix=config.topic_prefix,
                sealing_public_key=config.sealing_public_key,
                timeout=config.timeout,
                attempts=config.attempts,
                kafka_options=config.kafka_options,
            )
            self._clients[speaker] = await self._stack.enter_async_context(client)
        return self._clients[speaker]

    async def ask(self, speaker: str, message: Command | Query, *, expect: str | None = None) -> dict[str, Any]:
        """``speaker`` sends ``message``; the system's answer goes in the transcript. ``expect``
        names the rejection code the script expects instead of an acceptance."""
        client = await self.client(speaker)
        self.transcript.add(Line(speaker, "does", describe(message), {"type": message.TYPE}))
        reply = await client.send(message)
        if reply.accepted:
            result = reply.result or {}
            self.transcript.add(Line("system", "answers", "accepted: " + _fields(result), result))
            if expect:
                raise DemoFailed(f"{message.TYPE} was accepted; the script expected {expect}")
            return result
        self.transcript.add(
            Line("system", "answers", f"rejected, {reply.code}: {reply.message}", reply.model_dump(mode="json"))
        )
        if reply.code != expect:
            raise DemoFailed(f"{message.TYPE} was rejected ({reply.code}: {reply.message})")
        return {}

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
        elif isinstance(value, list):
            parts.append(f"{key}=[{len(value)}]")
        elif not isinstance(value, dict):
            parts.append(f"{key}={fmt(value)}")
    return " ".join([message.TYPE, *parts[:limit]])


def _fields(result: dict[str, Any]) -> str:
    return " ".join(f"{k}={fmt(v)}" for k, v in result.items() if not isinstance(v, list | dict)) or "(done)"


# --- the scenes ------------------------------------------------------------------------------


async def new_caller(call: Call) -> None:
    call.scene("A new caller")
    call.say("caller", "Hello, I'm Maria Rossi. I'd like fibre broadband at home, with a router.")
    call.say("csr", "Welcome! You're new with us, so let me open an account for you first.")
    email = f"maria.rossi.{call.tag}@example.com"
    result = await call.ask(
        "csr",
        RegisterCustomerV1(
            logon_id=f"mrossi{call.tag}",
            password=(await call.client("csr")).seal("Fibre-2026!"),
            first_name="Maria",
            last_name="Rossi",
            email=email,
            phone="+1 555 010 7788",
            preferred_language="en-US",
            preferred_currency="USD",
            address={"line1": "12 Harbour Road", "city": "Springfield", "postal_code": "62701", "country": "US"},
        ),
    )
    call.facts.update(customer_id=result["customer_id"], email=email, logon_id=f"mrossi{call.tag}")
    call.say("csr", f"You're registered, Maria; your logon id is mrossi{call.tag}.")


async def the_order(call: Call) -> None:
    call.scene("The order")
    call.say("caller", "I'll take the 1 Gbit/s fibre plan and the Wi-Fi 6 router.")
    result = await call.ask(
        "csr",
        PlaceOrderV1(
            customer_id=call.facts["customer_id"],
            currency="USD",
            email=call.facts["email"],
            language="en-US",
            lines=[
                {"sku": "FIBRE-1G", "quantity": 1, "unit_price": "59.99", "description": "Fibre 1 Gbit/s, first month"},
                {"sku": "ROUTER-AX3000", "quantity": 1, "unit_price": "129.00", "description": "Wi-Fi 6 router"},
            ],
        ),
    )
    call.facts.update(order_id=result["order_id"], order_number=result["order_number"])
    call.say("csr", f"Your order number is {result['order_number']}. You'll get a confirmation by e-mail.")
    call.say("caller", "Thank you, goodbye!")


async def the_emails(call: Call) -> None:
    call.scene("Where the e-mails landed")
    await call.mail(call.facts["email"], "welcome")
    await call.mail(call.facts["email"], call.facts["order_number"])


SCENES: list[Scene] = [new_caller, the_order, the_emails]


async def run_demo(config: ClientConfig, output: Output, scenes: list[Scene] | None = None) -> int:
    transcript = Transcript(output)
    ok = True
    async with contextlib.AsyncExitStack() as stack:
        call = Call(config, transcript, stack)
        try:
            for scene in scenes or SCENES:
                await scene(call)
        except DemoFailed as failure:
            transcript.add(Line("demo", "problem", str(failure)))
            ok = False
    if output.json_mode:
        output.json(
            {
                "ok": ok,
                "facts": call.facts,
                "emails": transcript.emails,
                "lines": [line.__dict__ for line in transcript.lines],
            }
        )
    return 0 if ok else EXIT_DEMO_FAILED
