"""Read back what the SMTP sink received, and steer its fault injection.

box = Mailbox.from_env()
mail = box.wait_for(lambda m: "bob@example.com" in m.rcpt_tos, timeout=10)
assert mail.subject == "Your order"

with box.fault("tempfail", recipients=["bob@example.com"]):
    ...  # sending to bob now gets 451
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import functools
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from devstack.paths import StackPaths
from devstack.smtp_control import (
    FaultMode,
    FaultRule,
    FaultStage,
    SinkControl,
    add_rule,
    read_control,
    remove_rule,
    update_control,
)
from devstack.smtp_sink import INDEX_FILE, REJECTED_FILE

MAIL_DIR_ENV = "OMS_MAIL_DIR"


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message: the sink's envelope facts from its index, and the message itself,
    parsed from its file when first asked for (a mailbox holds hundreds of messages by the end
    of the suite, and most searches need only the recipients and the subject)."""

    seq: int
    received_at: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str | None
    message_id: str | None
    file: Path

    @functools.cached_property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.file.read_bytes(), policy=email.policy.default)

    def body(self, preference: Iterable[str] = ("plain", "html")) -> str:
        part = self.message.get_body(preferencelist=tuple(preference))
        return "" if part is None else cast(EmailMessage, part).get_content()


def _parse(directory: Path, record: dict[str, Any]) -> ReceivedMail:
    path = directory / record["file"]
    return ReceivedMail(
        seq=int(record["seq"]),
        received_at=datetime.fromisoformat(record["received_at"]),
        mail_from=record["mail_from"],
        rcpt_tos=tuple(record["rcpt_tos"]),
        subject=record.get("subject"),
        message_id=record.get("message_id"),
        file=path,
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


class Mailbox:
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        # Parsed messages by sequence number: polling re-reads only new lines.
        self._cache: dict[int, ReceivedMail] = {}
        self._offset = 0

    @classmethod
    def from_env(cls) -> Mailbox:
        configured = os.environ.get(MAIL_DIR_ENV)
        return cls(configured if configured else StackPaths.from_env().mail_dir)

    def messages(self) -> list[ReceivedMail]:
        """Every accepted message, in order of arrival."""
        self._read_new()
        return [self._cache[seq] for seq in sorted(self._cache)]

    def rejections(self) -> list[dict[str, Any]]:
        """Refusals the sink answered because of fault injection."""
        return _read_jsonl(self.directory / REJECTED_FILE)

    def wait_for(
        self, predicate: Callable[[ReceivedMail], bool], timeout: float = 10.0, poll: float = 0.05
    ) -> ReceivedMail:
        deadline = time.monotonic() + timeout
        while True:
            found = self._first(predicate)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(timeout))
            time.sleep(poll)

    async def wait_for_async(
        self, predicate: Callable[[ReceivedMail], bool], timeout: float = 10.0, poll: float = 0.05
    ) -> ReceivedMail:
        """Like wait_for, but lets the event loop run (e.g. the code that sends)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._first(predicate)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(timeout))
            await asyncio.sleep(poll)

    def add_fault(
        self,
        mode: FaultMode | str,
        stage: FaultStage | str = FaultStage.DATA,
        recipients: Iterable[str] = (),
        times: int | None = None,
    ) -> str:
        """Make the sink refuse matching mail; returns the rule id for remove_fault."""
        rule = FaultRule(mode=FaultMode(mode), stage=FaultStage(stage), recipients=list(recipients), times=times)
        add_rule(self.directory, rule)
        return rule.id

    def remove_fault(self, rule_id: str) -> None:
        remove_rule(self.directory, rule_id)

    def clear_faults(self) -> None:
        """Remove every rule, also other tests': for people at a shell, not for tests."""
        update_control(self.directory, lambda _: SinkControl())

    def faults(self) -> list[FaultRule]:
        return read_control(self.directory).rules

    @contextmanager
    def fault(
        self,
        mode: FaultMode | str,
        stage: FaultStage | str = FaultStage.DATA,
        recipients: Iterable[str] = (),
        times: int | None = None,
    ) -> Iterator[str]:
        rule_id = self.add_fault(mode, stage, recipients, times)
        try:
            yield rule_id
        finally:
            self.remove_fault(rule_id)

    def _first(self, predicate: Callable[[ReceivedMail], bool]) -> ReceivedMail | None:
        return next((mail for mail in self.messages() if predicate(mail)), None)

    def _read_new(self) -> None:
        index = self.directory / INDEX_FILE
        try:
            with index.open("rb") as handle:
                if handle.seek(0, os.SEEK_END) < self._offset:
                    # The mail directory was wiped (`down --wipe`): start over.
                    self._offset = 0
                    self._cache.clear()
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:
            return
        # Only complete lines: the sink may be half-way through appending one.
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode("utf-8").splitlines():
            if line.strip():
                mail = _parse(self.directory, json.loads(line))
                self._cache[mail.seq] = mail

    def _timeout_message(self, timeout: float) -> str:
        seen = self.messages()
        recent = ", ".join(f"{m.subject!r} to {list(m.rcpt_tos)}" for m in seen[-5:])
        return f"no matching e-mail within {timeout}s in {self.directory} ({len(seen)} received; last: {recent})"
