"""The inbox: every command, query-less event and its outcome, claimed by message id in the same
transaction as the state change. A redelivered message finds its id taken and changes nothing; a
redelivered command gets its original reply again. The rows double as the audit trail: who sent
what, when, and whether it was accepted."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from contracts.envelope import Envelope
from services.runtime.db import Connection
from services.runtime.handling import actor_of


@dataclass(frozen=True)
class StoredReply:
    """A handled message's reply as the inbox keeps it, and the agent who sent the message."""

    actor_id: str
    reply: dict[str, Any]


async def claim_many(conn: Connection, envelopes: list[Envelope]) -> set[uuid.UUID]:
    """Claim a batch in one statement; returns the ids not seen before."""
    rows = await conn.fetch(
        "INSERT INTO inbox (message_id, message_type, kind, actor_id, actor_role, correlation_id)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[])"
        " ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
        [e.message_id for e in envelopes],
        [f"{e.type}V{e.version}" for e in envelopes],
        [e.kind.value for e in envelopes],
        [actor_of(e).agent_id for e in envelopes],
        [actor_of(e).role.value for e in envelopes],
        [e.correlation_id for e in envelopes],
    )
    return {r["message_id"] for r in rows}


async def complete_many(conn: Connection, outcomes: list[tuple[uuid.UUID, str, dict[str, Any] | None]]) -> None:
    if outcomes:
        await conn.execute(
            "UPDATE inbox SET outcome = u.outcome, reply = u.reply"
            " FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS u(message_id, outcome, reply)"
            " WHERE inbox.message_id = u.message_id",
            [o[0] for o in outcomes],
            [o[1] for o in outcomes],
            [json.dumps(o[2]) if o[2] is not None else None for o in outcomes],
        )


async def stored_replies(conn: Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, StoredReply]:
    rows = await conn.fetch("SELECT message_id, actor_id, reply FROM inbox WHERE message_id = ANY($1::uuid[])", ids)
    return {r["message_id"]: StoredReply(r["actor_id"], json.loads(r["reply"])) for r in rows if r["reply"]}


async def release(conn: Connection, ids: list[uuid.UUID]) -> None:
    """Give back claims this transaction took but will not complete (its batch was cut before
    them): the messages are handled in the next transaction, which claims them again."""
    if ids:
        await conn.execute("DELETE FROM inbox WHERE message_id = ANY($1::uuid[]) AND outcome IS NULL", ids)
