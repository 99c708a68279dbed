"""The role matrix: every command and query of the contracts, sent by every role (csr, supervisor,
channel, system) with its golden example as payload. A role outside the message's ALLOWED_ROLES
gets a `forbidden` rejection; an allowed role never does (it may be refused for another reason,
such as `not_found` for the golden example's made-up ids).

Generic over contracts/registry.py: a message added later is in the matrix without a change here
(its golden example is required by tests/contracts/test_golden.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from contracts import errors
from contracts.envelope import Command, Kind, Message, Query, ReplyV1, Role
from contracts.registry import all_messages
from csr.client import OmsClient
from devstack.endpoints import StackEndpoints
from tests.support.hostile import golden
from tests.support.system import System, own_system

REPORTS = Path(__file__).resolve().parents[2] / "build"
REQUESTS = sorted(
    (cls for cls in all_messages().values() if cls.KIND in (Kind.COMMAND, Kind.QUERY)), key=lambda c: c.__name__
)


# These probes are accepted when a message allows it (a supervisor's discount rule, a purge of
# e-mail bodies...), so they run against services and databases of their own: what they change
# must not reach the rest of the suite's shared catalog and mailboxes.
@pytest.fixture(scope="module")
def system(stack: StackEndpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    yield from own_system(stack, tmp_path_factory)


@pytest.fixture(scope="module")
async def clients(system: System) -> AsyncIterator[dict[Role, OmsClient]]:
    opened = {role: system.client(f"matrix-{role.value}", role, timeout=90) for role in Role}
    for client in opened.values():
        await client.start()
    try:
        yield opened
    finally:
        for client in opened.values():
            await client.stop()


async def _send_all(clients: dict[Role, OmsClient]) -> dict[tuple[str, Role], ReplyV1]:
    limit = asyncio.Semaphore(16)

    async def one(cls: type[Message], role: Role) -> tuple[tuple[str, Role], ReplyV1]:
        message = cls.model_validate(golden(cls))
        assert isinstance(message, Command | Query)
        async with limit:
            return (cls.__name__, role), await clients[role].send(message)

    pairs = await asyncio.gather(*(one(cls, role) for cls in REQUESTS for role in Role))
    return dict(pairs)


@pytest.mark.capability("PLT-06")
async def test_only_the_allowed_roles_get_past_the_role_check(clients: dict[Role, OmsClient]) -> None:
    assert len(REQUESTS) > 50

    replies = await _send_all(clients)

    violations = []
    for cls in REQUESTS:
        allowed: frozenset[Role] = getattr(cls, "ALLOWED_ROLES", frozenset())
        for role in Role:
            reply = replies[(cls.__name__, role)]
            # The role check's own refusal; a handler may still refuse an allowed role for a
            # business reason (a CSR asking for another agent's pending orders), also `forbidden`.
            stopped = reply.code == errors.FORBIDDEN and (reply.message or "").startswith(f"role {role.value} may not ")
            if stopped == (role in allowed):
                violations.append(f"{cls.__name__} by {role.value}: {reply.status} {reply.code} {reply.message}")
    REPORTS.mkdir(exist_ok=True)
    summary = {"role_checks": len(replies), "role_violations": len(violations), "violations": violations}
    (REPORTS / "security-roles.json").write_text(json.dumps(summary, indent=2))
    assert violations == []
    assert sum(1 for r in replies.values() if r.code == errors.FORBIDDEN) > 50  # the matrix has both sides
