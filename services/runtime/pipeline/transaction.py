"""Stage 3: a batch of commands or events in ONE PostgreSQL transaction, with the inbox and the
outbox: one commit (one WAL flush) per fetch. Each message id is claimed in the inbox (a repeat
changes nothing), the handler decides, state is saved, the events and the reply are queued in the
outbox and the outcome (with the reply) is recorded in the inbox.

A rejection must undo only its own message's writes, which takes a savepoint per message (two
round trips each); since most batches have no rejection, a batch is first handled without them,
and handled again with them when a message is refused. Order is kept: a partition's records are
handled in offset order, and the partitions of a fetch one after the other (see dispatch.py).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic

import asyncpg
from pydantic import BaseModel

from contracts import errors
from contracts.envelope import Envelope
from services.runtime import hooks, inbox, metrics, outbox
from services.runtime.codec import OutgoingRecord
from services.runtime.db import Connection
from services.runtime.handling import Context, D, Rejected
from services.runtime.inbox import StoredReply
from services.runtime.pipeline.items import Item
from services.runtime.pipeline.tracing import traced
from services.runtime.replies import Letters, outcome_of
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class Committed:
    """What one committed batch did: the messages handled (with their reply or outcome), and the
    copies of messages handled before (or earlier in this batch) with what the inbox stored."""

    handled: list[tuple[Envelope, str, Envelope | None]] = field(default_factory=list)
    repeated: list[tuple[Envelope, StoredReply | None]] = field(default_factory=list)
    trace_ids: dict[uuid.UUID, str] = field(default_factory=dict)  # of the handled, when traced


class Transactions(Generic[D]):
    def __init__(self, settings: ServiceSettings, pool: asyncpg.Pool, letters: Letters, deps: D, clock: Clock) -> None:
        self.settings = settings
        self.pool = pool
        self.letters = letters
        self.deps = deps
        self.clock = clock

    async def commands(self, items: list[Item]) -> Committed:
        return await self._trusting_first(self._handle_commands, items)

    async def events(self, items: list[Item]) -> Committed:
        return await self._trusting_first(self._handle_events, items)

    async def _trusting_first(
        self, handle: Callable[[list[Item], bool], Awaitable[Committed]], items: list[Item]
    ) -> Committed:
        """Handle the batch without a savepoint per message first: two round trips less per
        message, and most batches have no refusal. A refusal (or a value the database refused)
        may have come after some of its message's writes, which only a savepoint could undo: the
        transaction is rolled back and the batch handled again, each message in its savepoint."""
        try:
            return await handle(items, False)
        except _NeedsSavepoints:
            metrics.SAVEPOINT_RERUNS.labels(self.settings.service_name).inc()
            return await handle(items, True)

    async def _handle_commands(self, items: list[Item], savepoints: bool) -> Committed:
        committed = Committed()
        copies: list[Envelope] = []
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await inbox.claim_many(conn, [item.envelope for item in items])
            outgoing: list[OutgoingRecord] = []
            shared: dict[str, Any] = {}
            for item in items:
                if item.envelope.message_id not in fresh:
                    copies.append(item.envelope)  # seen before, or a second copy within this batch
                    continue
                fresh.discard(item.envelope.message_id)  # the same id twice in one batch: the second is a copy
                with traced(item.envelope, item.record) as trace_id:
                    reply, records_out = await self._decide(conn, item, shared, savepoints)
                committed.trace_ids[item.envelope.message_id] = trace_id
                outgoing += records_out
                committed.handled.append((item.envelope, outcome_of(reply), reply))
            await outbox.add_many(conn, outgoing)
            await inbox.complete_many(
                conn, [(e.message_id, outcome, _stored(e, r)) for e, outcome, r in committed.handled if r]
            )
            # Read after complete_many: a copy of a message handled earlier in this very batch
            # finds its reply as well (it used to get none).
            stored = await inbox.stored_replies(conn, [e.message_id for e in copies]) if copies else {}
        committed.repeated = [(copy, stored.get(copy.message_id)) for copy in copies]
        return committed

    async def _decide(
        self, conn: Connection, item: Item, shared: dict[str, Any], savepoints: bool
    ) -> tuple[Envelope, list[OutgoingRecord]]:
        envelope = item.envelope
        if item.refusal is not None:  # decided at the gate (forbidden): recorded like any refusal
            reply = self.letters.rejected(envelope, item.refusal)
            return reply, self.letters.reply_records(envelope, reply)
        ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings, batch=shared)
        hooks.reached("handling", envelope.type, envelope.payload)
        try:
            result = await _apart(conn, savepoints, functools.partial(item.handler, ctx, item.message))
        except Rejected as rejection:
            reply = self.letters.rejected(envelope, rejection)
            return reply, self.letters.reply_records(envelope, reply)
        except asyncpg.DataError as exc:
            reply = self.letters.rejected(envelope, unstorable(envelope, exc))
            return reply, self.letters.reply_records(envelope, reply)
        reply = self.letters.accepted(
            envelope, result.model_dump(mode="json") if isinstance(result, BaseModel) else None
        )
        events = [self.letters.event_record(envelope, e) for e in ctx.emitted]
        return reply, events + self.letters.reply_records(envelope, reply)

    async def _handle_events(self, items: list[Item], savepoints: bool) -> Committed:
        committed = Committed()
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await inbox.claim_many(conn, [item.envelope for item in items])
            outgoing: list[OutgoingRecord] = []
            for item in items:
                envelope = item.envelope
                if envelope.message_id not in fresh:
                    continue
                fresh.discard(envelope.message_id)
                ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings)
                outcome = "handled"
                with traced(envelope, item.record) as trace_id:
                    try:
                        await _apart(conn, savepoints, functools.partial(item.handler, ctx, item.message))
                    except Rejected as rejection:
                        logger.warning("event %s ignored: %s (%s)", envelope.type, rejection.message, rejection.code)
                        outcome, ctx.emitted = f"ignored:{rejection.code}", []
                    outgoing += [self.letters.event_record(envelope, e) for e in ctx.emitted]
                committed.handled.append((envelope, outcome, None))
                committed.trace_ids[envelope.message_id] = trace_id
            await outbox.add_many(conn, outgoing)
            await inbox.complete_many(conn, [(e.message_id, outcome, None) for e, outcome, _ in committed.handled])
        return committed


class _NeedsSavepoints(Exception):
    """A message was refused in a batch handled without savepoints: roll back, handle it with them."""


async def _apart(conn: Connection, savepoints: bool, work: Callable[[], Awaitable[Any]]) -> Any:
    """One message's handling: in its own savepoint (a refusal undoes its writes only), or, in
    the first pass, without one, where a refusal must undo the whole transaction."""
    if savepoints:
        async with conn.transaction():
            return await work()
    try:
        return await work()
    except (Rejected, asyncpg.DataError):
        raise _NeedsSavepoints from None


def unstorable(envelope: Envelope, exc: asyncpg.DataError) -> Rejected:
    """A value the contract let through but PostgreSQL refused (SQLSTATE class 22: a number beyond
    its column's range, a numeric overflow): bad input, refused like an invalid field. It used to
    escape as a crash, retried and dead-lettered as internal_error. The database's message is not
    passed on: it can quote the value."""
    logger.warning("%s refused by the database: %s", envelope.type, type(exc).__name__)
    return Rejected(errors.INVALID, f"a value of this {envelope.type} is out of the range the service can store")


def _stored(request: Envelope, reply: Envelope) -> dict[str, Any]:
    """What the inbox keeps of a reply: the reply itself (never anything of the request's record,
    so never its access token) and the topic the first copy named (for the audit trail; a repeat
    is answered on the topic its own copy names)."""
    return {"topic": request.reply_to, "envelope": reply.model_dump(mode="json")}
