"""Messages, end to end: decode, authorize, handle in one transaction with the inbox and the
outbox, reply. See docs/design.md, "One command, end to end".

Records arrive in batches (one Kafka fetch, records of several partitions). A batch of commands or
events is handled in ONE PostgreSQL transaction: one commit (one WAL flush) and one offset commit
per fetch instead of per message. A rejection must undo only its own message's writes, which takes
a savepoint per message (two round trips each); since most batches have no rejection, a batch is
first handled without them, and handled again with them when a message is refused. Order is kept:
a partition's records are handled in offset order.

The partitions of a fetch are handled one after the other in that one transaction, not side by
side in a transaction each. Side by side, two partitions' orders for the same products locked the
same stock rows in opposite orders: PostgreSQL broke the deadlocks after deadlock_timeout (1 s),
and the benchmark fell from 69 to 22 orders/s as more orders were in flight (docs/benchmark.md).

Returning normally means the batch may be acknowledged (offsets committed). Raising means it must
be delivered again: the subscriber's NACK_ON_ERROR policy seeks back to it, and the inbox makes
the messages already committed harmless. Infrastructure failures (PostgreSQL or Kafka away) are
retried indefinitely with backoff. A lost lock race (deadlock, serialization failure) with another
transaction (another topic's subscriber, a background worker, another instance) is retried at
once, in place, a few times: the transaction rolled back whole, so running the same records again
is safe, and it spares a redelivery of the whole fetch. Any other failure sends the batch through one message at a
time, so a message that keeps failing is found, retried a few times and then dead-lettered:
one poisonous message cannot stop a partition.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Generic

import asyncpg
from aiokafka import ConsumerRecord
from pydantic import BaseModel

from contracts import errors
from contracts.envelope import Actor, Command, Envelope, Event, Kind, Query
from services.runtime import inbox, logs, metrics, outbox
from services.runtime.codec import (
    TYPE_HEADER,
    VERSION_HEADER,
    DecodeFailure,
    OutgoingRecord,
    decode,
    encode,
    message_class,
)
from services.runtime.db import Connection
from services.runtime.faults import Faults
from services.runtime.handling import Context, D, Handlers, Rejected
from services.runtime.kafka import Producer
from services.runtime.relay import OutboxRelay
from services.runtime.replies import Letters, outcome_of
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)

TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.AdminShutdownError,
)

# Two transactions touching the same rows (a product's stock, a customer's lock) in opposite
# order deadlock; PostgreSQL aborts one. Retrying that one at once usually wins.
CONTENTION: tuple[type[BaseException], ...] = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)
CONTENTION_ATTEMPTS = 5

Clock = Callable[[], datetime]
Records = Sequence[ConsumerRecord[Any, Any]]
Item = tuple[Envelope, Any, Any]  # envelope, typed payload, handler


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher(Generic[D]):
    def __init__(
        self,
        settings: ServiceSettings,
        pool: asyncpg.Pool,
        producer: Producer,
        relay: OutboxRelay,
        handlers: Handlers[D],
        deps: D,
        clock: Clock = _utcnow,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.producer = producer
        self.relay = relay
        self.handlers = handlers
        self.deps = deps
        self.clock = clock
        self.faults = Faults(settings.faults)
        self.letters = Letters(settings.service_name, settings.topic_prefix)
        self._attempts: dict[tuple[str, int, int], int] = {}

    # --- entry points, one per kind of topic ---------------------------------------------

    async def on_commands(self, records: Records) -> None:
        await self._batch(records, self._commands)

    async def on_events(self, records: Records) -> None:
        await self._batch(records, self._events)

    async def on_queries(self, records: Records) -> None:
        # Queries change nothing and need no order: answer them side by side.
        await asyncio.gather(*(self._guarded(r, self._queries) for r in records))

    # --- failure policy ---------------------------------------------------------------------

    async def _batch(self, records: Records, step: Callable[[Records], Awaitable[None]]) -> None:
        """The whole fetch in one transaction; raising has all of it delivered again."""
        if len(records) == 1:
            await self._guarded(records[0], step)
            return
        try:
            await self._despite_contention(step, records)
        except TRANSIENT:
            logger.warning("infrastructure unavailable; the batch will be retried", exc_info=True)
            await asyncio.sleep(1.0)
            raise
        except Exception:  # find the culprit one message at a time
            logger.warning("batch of %d failed; handling its messages one by one", len(records), exc_info=True)
            for record in records:
                await self._guarded(record, step)

    async def _guarded(self, record: ConsumerRecord[Any, Any], step: Callable[[Records], Awaitable[None]]) -> None:
        where = (record.topic, record.partition, record.offset)
        attempt = self._attempts.get(where, 0) + 1
        try:
            await self._despite_contention(step, [record])
        except TRANSIENT:
            logger.warning("infrastructure unavailable; will retry %s", where, exc_info=True)
            self._attempts[where] = attempt
            await asyncio.sleep(min(0.2 * 2 ** min(attempt, 5), 5.0))
            raise
        except Exception as exc:
            self._attempts[where] = attempt
            if attempt < self.settings.max_handler_attempts:
                logger.exception("handler failed (attempt %d); will retry %s", attempt, where)
                await asyncio.sleep(0.1 * attempt)
                raise
            logger.exception("handler failed %d times; dead-lettering %s", attempt, where)
            await self._refuse(record, DecodeFailure(errors.INTERNAL_ERROR, f"processing failed: {type(exc).__name__}"))
        self._attempts.pop(where, None)

    async def _despite_contention(self, step: Callable[[Records], Awaitable[None]], records: Records) -> None:
        for attempt in range(1, CONTENTION_ATTEMPTS + 1):
            try:
                await step(records)
                return
            except CONTENTION:
                if attempt == CONTENTION_ATTEMPTS:
                    raise  # still losing: treated as transient, the fetch is delivered again
                metrics.CONTENTION_RETRIES.labels(self.settings.service_name).inc()
                logger.info("lost a lock race with another transaction (attempt %d); retrying", attempt)
                await asyncio.sleep(random.uniform(0.0, 0.02 * attempt))  # jitter breaks the tie

    # --- commands ---------------------------------------------------------------------------

    async def _commands(self, records: Records) -> None:
        started = time.perf_counter()
        items = await self._decode_all(records, Kind.COMMAND, self.handlers.commands)
        if items:
            await self._trusting_first(self._handle_commands, items, started)

    async def _trusting_first(
        self, handle: Callable[[list[Item], float, bool], Awaitable[None]], items: list[Item], started: float
    ) -> None:
        """Handle the batch without a savepoint per message first: two round trips less per
        message, and most batches have no refusal. A refusal (or a value the database refused)
        may have come after some of its message's writes, which only a savepoint could undo: the
        transaction is rolled back and the batch handled again, each message in its savepoint."""
        try:
            await handle(items, started, False)
        except _NeedsSavepoints:
            metrics.SAVEPOINT_RERUNS.labels(self.settings.service_name).inc()
            await handle(items, started, True)

    async def _handle_commands(self, items: list[Item], started: float, savepoints: bool) -> None:
        done: list[tuple[Envelope, Envelope]] = []
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await inbox.claim_many(conn, [envelope for envelope, _, _ in items])
            outgoing: list[OutgoingRecord] = []
            shared: dict[str, Any] = {}
            for envelope, command, handler in items:
                if envelope.message_id not in fresh:
                    continue
                fresh.discard(envelope.message_id)  # the same id twice in one batch: the second is a duplicate
                with _traced(envelope):
                    reply, records_out = await self._decide(conn, envelope, command, handler, shared, savepoints)
                outgoing += records_out
                done.append((envelope, reply))
            await outbox.add_many(conn, outgoing)
            await inbox.complete_many(conn, [(e.message_id, outcome_of(r), _stored(e, r)) for e, r in done])
            handled = {envelope.message_id for envelope, _ in done}
            repeated = [envelope for envelope, _, _ in items if envelope.message_id not in handled]
            stored = await inbox.stored_replies(conn, [e.message_id for e in repeated]) if repeated else {}
        self._after_commit("command", [envelope for envelope, _ in done], started)
        for envelope, reply in done:
            self._count(envelope, outcome_of(reply))
        for envelope in repeated:
            await self._resend_reply(envelope, stored.get(envelope.message_id, {}))

    async def _decide(
        self,
        conn: Connection,
        envelope: Envelope,
        command: Command,
        handler: Any,
        shared: dict[str, Any],
        savepoints: bool,
    ) -> tuple[Envelope, list[OutgoingRecord]]:
        if envelope.actor.role not in type(command).ALLOWED_ROLES:
            allowed = ", ".join(sorted(r.value for r in type(command).ALLOWED_ROLES))
            message = f"role {envelope.actor.role.value} may not {envelope.type}; allowed: {allowed}"
            reply = self.letters.rejected(envelope, Rejected(errors.FORBIDDEN, message))
            return reply, self.letters.reply_records(envelope, reply)
        ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings, batch=shared)
        self.faults.check_poison(envelope.payload)
        try:
            result = await _apart(conn, savepoints, functools.partial(handler, ctx, command))
        except Rejected as rejection:
            reply = self.letters.rejected(envelope, rejection)
            return reply, self.letters.reply_records(envelope, reply)
        except asyncpg.DataError as exc:
            reply = self.letters.rejected(envelope, _unstorable(envelope, exc))
            return reply, self.letters.reply_records(envelope, reply)
        reply = self.letters.accepted(
            envelope, result.model_dump(mode="json") if isinstance(result, BaseModel) else None
        )
        events = [self.letters.event_record(envelope, e) for e in ctx.emitted]
        return reply, events + self.letters.reply_records(envelope, reply)

    # --- events -----------------------------------------------------------------------------

    async def _events(self, records: Records) -> None:
        started = time.perf_counter()
        items = await self._decode_all(records, Kind.EVENT, self.handlers.events, quiet_unknown=True)
        if items:
            await self._trusting_first(self._handle_events, items, started)

    async def _handle_events(self, items: list[Item], started: float, savepoints: bool) -> None:
        outcomes: list[tuple[Envelope, str]] = []
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await inbox.claim_many(conn, [envelope for envelope, _, _ in items])
            outgoing: list[OutgoingRecord] = []
            for envelope, event, handler in items:
                if envelope.message_id not in fresh:
                    continue
                fresh.discard(envelope.message_id)
                ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings)
                outcome = "handled"
                with _traced(envelope):
                    try:
                        await _apart(conn, savepoints, functools.partial(handler, ctx, event))
                    except Rejected as rejection:
                        logger.warning("event %s ignored: %s (%s)", envelope.type, rejection.message, rejection.code)
                        outcome, ctx.emitted = f"ignored:{rejection.code}", []
                outgoing += [self.letters.event_record(envelope, e) for e in ctx.emitted]
                outcomes.append((envelope, outcome))
            await outbox.add_many(conn, outgoing)
            await inbox.complete_many(conn, [(e.message_id, outcome, None) for e, outcome in outcomes])
        self._after_commit("event", [e for e, _ in outcomes], started)
        for envelope, outcome in outcomes:
            self._count(envelope, outcome)

    # --- queries ----------------------------------------------------------------------------

    async def _queries(self, records: Records) -> None:
        started = time.perf_counter()
        for envelope, query, handler in await self._decode_all(records, Kind.QUERY, self.handlers.queries):
            with _traced(envelope):
                reply = await self._answer(envelope, query, handler)
            self._count(envelope, outcome_of(reply))
            if envelope.reply_to:
                await self.producer.send(encode(reply, envelope.reply_to, None))
            metrics.HANDLE_SECONDS.labels(self.settings.service_name, "query").observe(time.perf_counter() - started)

    async def _answer(self, envelope: Envelope, query: Query, handler: Any) -> Envelope:
        if envelope.actor.role not in type(query).ALLOWED_ROLES:
            message = f"role {envelope.actor.role.value} may not {envelope.type}"
            return self.letters.rejected(envelope, Rejected(errors.FORBIDDEN, message))
        async with self.pool.acquire() as conn:
            ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings)
            try:
                async with conn.transaction(readonly=True):
                    result = await handler(ctx, query)
            except Rejected as rejection:
                return self.letters.rejected(envelope, rejection)
            except asyncpg.DataError as exc:
                return self.letters.rejected(envelope, _unstorable(envelope, exc))
        return self.letters.accepted(envelope, result.model_dump(mode="json"))

    # --- shared steps -----------------------------------------------------------------------

    async def _decode_all(
        self, records: Records, kind: Kind, handlers: dict[Any, Any], quiet_unknown: bool = False
    ) -> list[Item]:
        """Typed messages with their handlers; the rest dead-lettered and answered."""
        items: list[Item] = []
        for record in records:
            if quiet_unknown and _named_but_not_handled(record, handlers):
                continue
            try:
                envelope, message = decode(record.value, {kind})
                handler = handlers.get(type(message))
                if handler is None and not quiet_unknown:
                    raise DecodeFailure(
                        errors.UNKNOWN_MESSAGE_TYPE,
                        f"{envelope.type} is not handled by {self.settings.service_name}",
                        envelope=envelope,
                        reply_to=envelope.reply_to,
                    )
            except DecodeFailure as failure:
                if quiet_unknown and failure.code == errors.UNKNOWN_MESSAGE_TYPE:
                    continue  # a newer producer's event: not ours to understand yet, not an error
                await self._refuse(record, failure)
                continue
            if handler is not None:
                items.append((envelope, message, handler))
        return items

    async def _refuse(self, record: ConsumerRecord[Any, Any], failure: DecodeFailure) -> None:
        metrics.DEAD_LETTERS.labels(self.settings.service_name, failure.code).inc()
        logger.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, failure.code)
        letters = [self.letters.dead_letter(record, failure)]
        reply = self.letters.failure_reply(record, failure)
        await self.producer.send_batch(letters + ([reply] if reply else []))

    def _after_commit(self, kind: str, envelopes: list[Envelope], started: float) -> None:
        for envelope in envelopes:
            self.faults.point("crash_after_commit", envelope.type)
        self.relay.wake()
        elapsed = time.perf_counter() - started
        for _ in envelopes:
            metrics.HANDLE_SECONDS.labels(self.settings.service_name, kind).observe(elapsed)

    def _count(self, envelope: Envelope, outcome: str) -> None:
        metrics.MESSAGES.labels(self.settings.service_name, envelope.type, outcome).inc()
        if outcome == "rejected":
            with _traced(envelope):
                logger.info("%s rejected", envelope.type)

    async def _resend_reply(self, request: Envelope, stored: dict[str, Any]) -> None:
        logger.info("duplicate %s %s: original reply re-sent", request.type, request.message_id)
        metrics.MESSAGES.labels(self.settings.service_name, request.type, "duplicate").inc()
        if stored.get("topic") and stored.get("envelope"):
            reply = Envelope.model_validate(stored["envelope"])
            await self.producer.send(encode(reply, stored["topic"], None))

    async def emit_standalone(
        self, conn: Connection, event: Event, actor: Actor, correlation_id: uuid.UUID | None
    ) -> None:
        """Queue an event that no consumed message caused (a background worker's), in ``conn``'s transaction."""
        await outbox.add(conn, self.letters.standalone_event_record(event, actor, correlation_id))

    async def emit_standalone_many(
        self, conn: Connection, events: Sequence[tuple[Event, uuid.UUID | None]], actor: Actor
    ) -> None:
        """Several at once (event, correlation id), in one statement."""
        records = [self.letters.standalone_event_record(event, actor, correlation) for event, correlation in events]
        await outbox.add_many(conn, records)


def _named_but_not_handled(record: ConsumerRecord[Any, Any], handlers: dict[Any, Any]) -> bool:
    """An event whose headers name a known message this service has no handler for: skipped
    without parsing it. Most of what arrives on orders.events is for fulfilment (OrderReleasedV1
    carries every line and the address), and decoding it only to drop it was a full validation
    per order in each of the two other services. Missing, unknown or unreadable headers: decoded
    as before. A header that lies can only make a service skip what it was sent, which whoever can
    write an events topic can do anyway."""
    named = dict(record.headers or ())
    try:
        cls = message_class(named[TYPE_HEADER].decode(), int(named[VERSION_HEADER]))
    except (KeyError, ValueError, UnicodeDecodeError):
        return False
    return cls is not None and cls.KIND == Kind.EVENT and cls not in handlers


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


def _unstorable(envelope: Envelope, exc: asyncpg.DataError) -> Rejected:
    """A value the contract let through but PostgreSQL refused (SQLSTATE class 22: a number beyond
    its column's range, a numeric overflow): bad input, refused like an invalid field. It used to
    escape as a crash, retried and dead-lettered as internal_error. The database's message is not
    passed on: it can quote the value."""
    logger.warning("%s refused by the database: %s", envelope.type, type(exc).__name__)
    return Rejected(errors.INVALID, f"a value of this {envelope.type} is out of the range the service can store")


def _stored(request: Envelope, reply: Envelope) -> dict[str, Any]:
    return {"topic": request.reply_to, "envelope": reply.model_dump(mode="json")}


@contextmanager
def _traced(envelope: Envelope) -> Iterator[None]:
    """Log lines written while handling a message carry its ids."""
    token = logs.trace.set(
        {
            "message_id": str(envelope.message_id),
            "correlation_id": str(envelope.correlation_id),
            "type": envelope.type,
            "actor": envelope.actor.agent_id,
        }
    )
    try:
        yield
    finally:
        logs.trace.reset(token)
