"""An SMTP sink that can hold a conversation at its end, for tests that need an e-mail to be
"being sent" for exactly as long as they say: the message is transmitted, and the answer to DATA
waits for the test's verdict (accept it, or take it and lose the answer, as when a connection
breaks after the server stored the message).

It stores what it accepts as the devstack sink does (devstack.smtp_sink.MailStore), so a
devstack.mailbox.Mailbox on its directory reads it. It runs in a thread of the test process
(aiosmtpd's Controller), so a verdict is a method call, not a file the sink polls.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from devstack.mailbox import Mailbox
from devstack.ports import free_port
from devstack.smtp_sink import SERVER_NAME, MailStore


class Verdict(StrEnum):
    ACCEPT = "accept"  # stored, 250: the sender learns it was delivered
    # Stored, then the connection closes without an answer: the sender cannot know (Uncertain).
    LOSE_ANSWER = "lose_answer"


@dataclass
class HeldConversation:
    """A conversation waiting for its verdict, in the order the sink began holding them."""

    rcpt_tos: tuple[str, ...]
    verdict: concurrent.futures.Future[Verdict] = field(default_factory=concurrent.futures.Future)

    def answer(self, verdict: Verdict) -> None:
        self.verdict.set_result(verdict)


class HoldingSmtpSink:
    """Holds every DATA to a recipient in :meth:`hold`; accepts all other mail at once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self._store = MailStore(directory)
        self._held_for: set[str] = set()
        self._held: list[HeldConversation] = []
        self._lock = threading.Lock()  # the sink's thread and the test's share the lists
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname=SERVER_NAME, enable_SMTPUTF8=True
        )

    def __enter__(self) -> HoldingSmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for conversation in self.held():  # let no conversation wait on a stopped test
            if not conversation.verdict.done():
                conversation.answer(Verdict.ACCEPT)
        self._controller.stop()

    def mailbox(self) -> Mailbox:
        return Mailbox(self.directory)

    def hold(self, recipient: str) -> None:
        with self._lock:
            self._held_for.add(recipient.lower())

    def stop_holding(self, recipient: str) -> None:
        with self._lock:
            self._held_for.discard(recipient.lower())

    def held(self, recipient: str | None = None) -> list[HeldConversation]:
        with self._lock:
            return [c for c in self._held if recipient is None or recipient.lower() in c.rcpt_tos]

    async def wait_held(self, recipient: str, count: int, timeout: float) -> HeldConversation:
        """The ``count``-th conversation held for ``recipient`` (1 = the first), once it waits."""
        deadline = time.monotonic() + timeout
        while len(held := self.held(recipient)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(held)} conversations to {recipient} held after {timeout}s, not {count}")
            await asyncio.sleep(0.05)
        return held[count - 1]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        rcpts = tuple(address.lower() for address in envelope.rcpt_tos)
        verdict = Verdict.ACCEPT
        with self._lock:
            held = HeldConversation(rcpts) if self._held_for.intersection(rcpts) else None
            if held is not None:
                self._held.append(held)
        if held is not None:
            verdict = await asyncio.wrap_future(held.verdict)
        record = self._store.save(envelope)
        if verdict is Verdict.LOSE_ANSWER:
            await _hang_up(server)
        return f"250 2.0.0 Stored as {record['file']}"


async def _hang_up(server: SMTP) -> NoReturn:
    """Close the connection and never answer: aiosmtpd cancels this handler when the connection is
    lost, which is how it ends a conversation whose client went away."""
    assert server.transport is not None
    server.transport.close()
    await asyncio.Event().wait()
    raise AssertionError("a hung-up conversation is cancelled, never resumed")
