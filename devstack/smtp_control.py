"""Fault injection switch shared by the SMTP sink and the tests that drive it.

The sink re-reads `control.json` in its mail directory on every RCPT and DATA,
so a test changes behaviour by editing a file: no restart, no extra port.
The file holds a list of rules so that tests running in parallel against one
sink can each add and remove their own rule without undoing the others'.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, model_validator

CONTROL_FILE = "control.json"
LOCK_FILE = ".control.lock"


class FaultMode(StrEnum):
    OK = "ok"
    TEMPFAIL = "tempfail"  # 451: the sender should retry later
    PERMFAIL = "permfail"  # 550: the sender should give up


class FaultStage(StrEnum):
    RCPT = "rcpt"
    DATA = "data"


REPLIES = {
    FaultMode.TEMPFAIL: "451 4.3.0 Temporary failure injected by devstack",
    FaultMode.PERMFAIL: "550 5.7.1 Permanent failure injected by devstack",
}


class FaultRule(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    mode: FaultMode = FaultMode.OK
    stage: FaultStage = FaultStage.DATA
    # Only these recipients are refused (empty: every message).
    recipients: list[str] = []
    # Refuse this many more times, then accept again (None: until removed).
    times: int | None = None

    def applies_to(self, stage: FaultStage, recipients: list[str]) -> bool:
        if self.mode is FaultMode.OK or stage is not self.stage:
            return False
        if self.times is not None and self.times <= 0:
            return False
        if not self.recipients:
            return True
        wanted = {address.lower() for address in self.recipients}
        return any(address.lower() in wanted for address in recipients)

    def reply(self) -> str:
        return REPLIES[self.mode]


class SinkControl(BaseModel):
    rules: list[FaultRule] = []

    @model_validator(mode="before")
    @classmethod
    def _accept_single_rule(cls, data: Any) -> Any:
        # People editing the file by hand may write just {"mode": "tempfail"}.
        if isinstance(data, dict) and "rules" not in data and "mode" in data:
            return {"rules": [] if data["mode"] == FaultMode.OK else [data]}
        return data

    def matching(self, stage: FaultStage, recipients: list[str]) -> FaultRule | None:
        return next((rule for rule in self.rules if rule.applies_to(stage, recipients)), None)


def read_control(mail_dir: Path) -> SinkControl:
    try:
        return SinkControl.model_validate_json((mail_dir / CONTROL_FILE).read_text())
    except (OSError, ValueError):
        # A missing or broken file must never break mail delivery.
        return SinkControl()


def write_control(mail_dir: Path, control: SinkControl) -> None:
    mail_dir.mkdir(parents=True, exist_ok=True)
    tmp = mail_dir / f".{CONTROL_FILE}.{os.getpid()}.tmp"
    tmp.write_text(control.model_dump_json(indent=2))
    tmp.replace(mail_dir / CONTROL_FILE)


@contextmanager
def _locked(mail_dir: Path) -> Iterator[None]:
    mail_dir.mkdir(parents=True, exist_ok=True)
    with (mail_dir / LOCK_FILE).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def update_control(mail_dir: Path, change: Callable[[SinkControl], SinkControl]) -> SinkControl:
    """Read, change and write control.json as one step among all its writers."""
    with _locked(mail_dir):
        updated = change(read_control(mail_dir))
        write_control(mail_dir, updated)
        return updated


def add_rule(mail_dir: Path, rule: FaultRule) -> None:
    update_control(mail_dir, lambda c: SinkControl(rules=[*c.rules, rule]))


def remove_rule(mail_dir: Path, rule_id: str) -> None:
    update_control(mail_dir, lambda c: SinkControl(rules=[r for r in c.rules if r.id != rule_id]))


def use_rule(mail_dir: Path, rule_id: str) -> None:
    """Count one refusal against a rule limited by `times`."""

    def spend(control: SinkControl) -> SinkControl:
        rules = [
            r.model_copy(update={"times": r.times - 1}) if r.id == rule_id and r.times is not None else r
            for r in control.rules
        ]
        return SinkControl(rules=rules)

    update_control(mail_dir, spend)
