"""The inbox: every command, query-less event and its outcome, claimed by message id in the same
transaction as the state change. A redelivered message finds its id taken and changes nothing; a
redelivered command gets its original reply again. The rows double as the audit trail: who sent
what, when, and whether it was accepted."""

from __future__ import annotations

import json
from typing import Any

from contracts.envelope import Envelope
from services.runtime.db import Connection


async def claim(conn: Connection, envelope: Envelope) -> bool:
    """True when this message id was not seen before (and is now claimed in this transaction)."""
    status = await conn.execute(
        "INSERT INTO inbox (message_id, message_type, kind, actor_id, actor_role, correlation_id)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
        envelope.message_id,
        f"{envelope.type}V{envelope.version}",
        envelope.kind.value,
        envelope.actor.agent_id,
        envelope.actor.role.value,
        envelope.correlation_id,
    )
    return status.endswith(" 1")


async def complete(conn: Connection, envelope: Envelope, outcome: str, reply: dict[str, Any] | None) -> None:
    await conn.execute(
        "UPDATE inbox SET outcome = $2, reply = $3::jsonb WHERE message_id = $1",
        envelope.message_id,
        outcome,
        json.dumps(reply) if reply is not None else None,
    )


async def stored_reply(conn: Connection, envelope: Envelope) -> dict[str, Any] | None:
    raw = await conn.fetchval("SELECT reply FROM inbox WHERE message_id = $1", envelope.message_id)
    return json.loads(raw) if raw else None
