"""Tickler rules (CUS-12), pure: a follow-up reminder is open until closed; it can be reassigned
or rescheduled while open; every step is kept as an action for the tickler history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from contracts import errors
from contracts.envelope import Actor
from contracts.errors import Refused


@dataclass(frozen=True)
class Tickler:
    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    status: str
    due_at: datetime
    assigned_to: str
    reason: str
    note: str
    regarding: str | None
    created_by: str
    created_at: datetime
    closed_by: str | None = None
    closed_at: datetime | None = None
    resolution: str | None = None
    version: int = 1


@dataclass(frozen=True)
class Action:
    action: str
    detail: dict[str, str]


def _check(tickler: Tickler, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != tickler.version:
        raise Refused.field(
            errors.STALE_VERSION,
            "payload.expected_version",
            f"the tickler is at version {tickler.version}, not the one expected: reload and try again",
        )
    if tickler.status != "open":
        raise Refused(errors.INVALID_STATE, f"the tickler was closed by {tickler.closed_by}")


def reassign(
    tickler: Tickler, assigned_to: str | None, due_at: datetime | None, expected_version: int | None
) -> tuple[Tickler, Action]:
    _check(tickler, expected_version)
    if assigned_to is None and due_at is None:
        raise Refused(errors.INVALID, "give a new agent or a new due date")
    changed = replace(
        tickler,
        assigned_to=assigned_to or tickler.assigned_to,
        due_at=due_at or tickler.due_at,
        version=tickler.version + 1,
    )
    detail: dict[str, str] = {}
    if changed.assigned_to != tickler.assigned_to:
        detail["assigned_to"] = f"{tickler.assigned_to} -> {changed.assigned_to}"
    if changed.due_at != tickler.due_at:
        detail["due_at"] = f"{tickler.due_at.isoformat()} -> {changed.due_at.isoformat()}"
    return changed, Action("reassigned", detail)


def close(
    tickler: Tickler, resolution: str, expected_version: int | None, now: datetime, actor: Actor
) -> tuple[Tickler, Action]:
    _check(tickler, expected_version)
    closed = replace(
        tickler,
        status="closed",
        closed_by=actor.agent_id,
        closed_at=now,
        resolution=resolution,
        version=tickler.version + 1,
    )
    return closed, Action("closed", {"resolution": resolution})
