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

import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic

import asyncpg
from pydantic import BaseModel

from contracts import errors
from contracts.envelope import Envelope, Event
from services.runtime import hooks, inbox, metrics, ordered_locks, outbox
from services.runtime.codec import OutgoingRecord
from services.runtime.db import Connection
from services.runtime.handling import Context, D, Rejected
from services.runtime.inbox import StoredReply
from services.runtime.ordered_locks import Key, OutOfOrder
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

    def add(self, other: Committed) -> None:
        """What a following transaction of the same batch did (the batch was cut: _in_lock_order)."""
        self.handled += other.handled
        self.repeated += other.repeated
        self.trace_ids.update(other.trace_ids)


class Transactions(Generic[D]):
    def __init__(self, settings: ServiceSettings, pool: asyncpg.Pool, letters: Letters, deps: D, clock: Clock) -> None:
        self.settings = settings
        self.pool = pool
        self.letters = letters
        self.deps = deps
        self.clock = clock
        self.contention = Contention(settings.lock_order_contended_s)

    async def commands(self, items: list[Item]) -> Committed:
        return await self._in_lock_order(self._handle_commands, items, frozenset())

    async def events(self, items: list[Item]) -> Committed:
        return await self._in_lock_order(self._handle_events, items, frozenset())

    async def _in_lock_order(self, handle: _Handle, items: list[Item], first: frozenset[Key]) -> Committed:
        """The batch in as few transactions as the global lock order allows (ordered_locks.py).

        When message ``i`` wanted a lock out of order that another transaction holds, the batch is
        cut before it: with a savepoint per message, only message ``i``'s work is undone, messages
        ``[0, i)`` (which took theirs in order) commit, and the rest starts a new transaction whose
        first message takes its locks in order. Without savepoints (the trusting pass) the whole
        transaction is rolled back and the batch handled again with them: the service is contended
        (another instance or subscriber holds the same keys), so its next batches take a savepoint
        per message for a while (``Contention``) and a cut never handles a message twice. When
        message 0 itself wanted a key out of order (its handler asked for keys in two steps), the
        batch runs again with those keys taken first. Each round commits a message or learns a key,
        so this ends; a partition's messages are still committed in offset order."""
        committed = Committed()
        rest = items
        while rest:
            try:
                done = await self._trusting_first(handle, rest, first)
            except _OutOfOrderAt as out:  # rolled back whole: the trusting pass, or message 0 was cut
                self._cut()
                if out.index == 0:
                    first = first | out.keys
                continue
            committed.add(done.committed)
            if done.cut_at is None:
                break
            self._cut()
            rest, first = rest[done.cut_at :], frozenset()
        return committed

    def _cut(self) -> None:
        metrics.LOCK_ORDER_RERUNS.labels(self.settings.service_name).inc()
        self.contention.seen()

    async def _trusting_first(self, handle: _Handle, items: list[Item], first: frozenset[Key]) -> _Round:
        """Handle the batch without a savepoint per message first: two round trips less per
        message, and most batches have no refusal. A refusal (or a value the database refused)
        may have come after some of its message's writes, which only a savepoint could undo: the
        transaction is rolled back and the batch handled again, each message in its savepoint.
        While the service is contended, every batch takes the savepoints from the start: a cut
        then costs only the message it falls on."""
        if self.contention.now():
            return await handle(items, True, first)
        try:
            return await handle(items, False, first)
        except _NeedsSavepoints:
            metrics.SAVEPOINT_RERUNS.labels(self.settings.service_name).inc()
            return await handle(items, True, first)

    async def _handle_commands(self, items: list[Item], savepoints: bool, first: frozenset[Key]) -> _Round:
        done = _Round(Committed())
        copies: list[Envelope] = []
        async with self.pool.acquire() as conn, conn.transaction(), ordered_locks.transaction(conn) as locks:
            fresh = await inbox.claim_many(conn, [item.envelope for item in items])
            claimed = set(fresh)
            await locks.take(first)  # after the inbox claim, which waits for nothing held here
            outgoing: list[OutgoingRecord] = []
            shared: dict[str, Any] = {}
            for index, item in enumerate(items):
                if item.envelope.message_id not in fresh:
                    copies.append(item.envelope)  # seen before, or a second copy within this batch
                    continue
                fresh.discard(item.envelope.message_id)  # the same id twice in one batch: the second is a copy
                try:
                    with traced(item.envelope, item.record) as trace_id, _at(index, savepoints):
                        reply, records_out = await self._decide(conn, item, shared, savepoints)
                except _CutAt as cut:
                    await done.cut(conn, cut.index, items, claimed)
                    break
                done.committed.trace_ids[item.envelope.message_id] = trace_id
                outgoing += records_out
                done.committed.handled.append((item.envelope, outcome_of(reply), reply))
            await outbox.add_many(conn, outgoing)
            handled = done.committed.handled
            await inbox.complete_many(conn, [(e.message_id, outcome, _stored(e, r)) for e, outcome, r in handled if r])
            # Read after complete_many: a copy of a message handled earlier in this very batch
            # finds its reply as well (it used to get none).
            stored = await inbox.stored_replies(conn, [e.message_id for e in copies]) if copies else {}
        done.committed.repeated = [(copy, stored.get(copy.message_id)) for copy in copies]
        return done

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

    async def _handle_events(self, items: list[Item], savepoints: bool, first: frozenset[Key]) -> _Round:
        done = _Round(Committed())
        async with self.pool.acquire() as conn, conn.transaction(), ordered_locks.transaction(conn) as locks:
            fresh = await inbox.claim_many(conn, [item.envelope for item in items])
            claimed = set(fresh)
            await locks.take(first)
            outgoing: list[OutgoingRecord] = []
            shared: dict[str, Any] = {}
            for index, item in enumerate(items):
                envelope = item.envelope
                if envelope.message_id not in fresh:
                    continue
                fresh.discard(envelope.message_id)
                try:
                    with traced(envelope, item.record) as trace_id, _at(index, savepoints):
                        outcome, emitted = await self._follow(conn, item, shared, savepoints)
                except _CutAt as cut:
                    await done.cut(conn, cut.index, items, claimed)
                    break
                outgoing += [self.letters.event_record(envelope, e) for e in emitted]
                done.committed.handled.append((envelope, outcome, None))
                done.committed.trace_ids[envelope.message_id] = trace_id
            await outbox.add_many(conn, outgoing)
            await inbox.complete_many(conn, [(e.message_id, o, None) for e, o, _ in done.committed.handled])
        return done

    async def _follow(
        self, conn: Connection, item: Item, shared: dict[str, Any], savepoints: bool
    ) -> tuple[str, list[Event]]:
        """One event's handling: its outcome and the events it emitted (none when it was ignored)."""
        envelope = item.envelope
        ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings, batch=shared)
        try:
            await _apart(conn, savepoints, functools.partial(item.handler, ctx, item.message))
        except Rejected as rejection:
            logger.warning("event %s ignored: %s (%s)", envelope.type, rejection.message, rejection.code)
            return f"ignored:{rejection.code}", []
        return "handled", ctx.emitted


_Handle = Callable[[list[Item], bool, frozenset[Key]], Awaitable["_Round"]]


@dataclass
class _Round:
    """One transaction of a batch: what it committed, and where the batch was cut (``None``: the
    batch was handled to its end)."""

    committed: Committed
    cut_at: int | None = None

    async def cut(self, conn: Connection, index: int, items: list[Item], claimed: set[uuid.UUID]) -> None:
        """The batch ends before message ``index``: the inbox claims this transaction took for it
        and the messages after it are given back (an id handled before the cut, sent twice in the
        batch, stays claimed: it is done); the next transaction claims them again."""
        self.cut_at = index
        handled = {e.message_id for e, _, _ in self.committed.handled}
        await inbox.release(
            conn, [i.envelope.message_id for i in items[index:] if i.envelope.message_id in claimed - handled]
        )


class Contention:
    """Whether a cut by the global lock order was seen lately: then another transaction (another
    instance, another subscriber) holds keys this service's batches want, and a savepoint per
    message costs less than handling a batch's first messages twice. Alone, a service never sees
    a cut and keeps the cheaper trusting pass."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._until = 0.0

    def seen(self) -> None:
        self._until = time.monotonic() + self.window_s

    def now(self) -> bool:
        return time.monotonic() < self._until


class _OutOfOrderAt(Exception):
    """Message ``index`` of the batch wanted a lock out of the global order that another
    transaction holds (raised out of the transaction, which rolls it back)."""

    def __init__(self, index: int, keys: frozenset[Key]) -> None:
        super().__init__(f"message {index} of the batch wanted a lock out of order")
        self.index = index
        self.keys = keys


class _CutAt(Exception):
    """Message ``index`` (not the first) wanted a lock out of order, and its savepoint undid its
    work: the messages before it commit now, it begins the next transaction."""

    def __init__(self, index: int) -> None:
        super().__init__(f"the batch is cut before message {index}")
        self.index = index


@contextlib.contextmanager
def _at(index: int, savepoints: bool) -> Iterator[None]:
    try:
        yield
    except OutOfOrder as out:
        if savepoints and index > 0:
            raise _CutAt(index) from None
        raise _OutOfOrderAt(index, out.keys) from None


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
