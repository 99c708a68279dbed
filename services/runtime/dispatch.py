"""One message, end to end: decode, authorize, handle in one transaction with the inbox and the
outbox, reply. See DESIGN.md, "One command, end to end".

Returning normally means the record may be acknowledged (its offset committed). Raising means it
must be delivered again: the subscriber's NACK_ON_ERROR policy seeks back to it. Infrastructure
failures (PostgreSQL or Kafka away) are retried indefinitely with backoff; any other failure is
retried a few times and then dead-lettered, so one poisonous message cannot stop a partition.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Generic

import asyncpg
from aiokafka import ConsumerRecord
from pydantic import BaseModel

from contracts import errors
from contracts.envelope import Actor, Command, DeadLetterV1, Envelope, Event, Kind, Query, ReplyV1, Role
from services.runtime import inbox, logs, metrics, outbox
from services.runtime.codec import DecodeFailure, OutgoingRecord, decode, encode, redact
from services.runtime.db import Connection
from services.runtime.faults import Faults
from services.runtime.handling import Context, D, Handlers, Rejected
from services.runtime.kafka import Producer
from services.runtime.relay import OutboxRelay
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

Clock = Callable[[], datetime]


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
        self.service_actor = Actor(agent_id=settings.service_name, role=Role.SYSTEM)
        self._attempts: dict[tuple[str, int, int], int] = {}

    # --- entry points, one per kind of topic ---------------------------------------------

    async def on_command(self, record: ConsumerRecord[Any, Any]) -> None:
        await self._guarded(record, self._command)

    async def on_query(self, record: ConsumerRecord[Any, Any]) -> None:
        await self._guarded(record, self._query)

    async def on_event(self, record: ConsumerRecord[Any, Any]) -> None:
        await self._guarded(record, self._event)

    # --- failure policy ---------------------------------------------------------------------

    async def _guarded(
        self, record: ConsumerRecord[Any, Any], step: Callable[[ConsumerRecord[Any, Any]], Awaitable[None]]
    ) -> None:
        where = (record.topic, record.partition, record.offset)
        attempt = self._attempts.get(where, 0) + 1
        try:
            await step(record)
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
            failure = DecodeFailure(errors.INTERNAL_ERROR, f"processing failed: {type(exc).__name__}")
            await self._dead_letter(record, failure)
            await self._reply_failure(record, failure)
        self._attempts.pop(where, None)

    # --- commands ---------------------------------------------------------------------------

    async def _command(self, record: ConsumerRecord[Any, Any]) -> None:
        started = time.perf_counter()
        try:
            envelope, command = decode(record.value, {Kind.COMMAND})
            handler = self.handlers.commands.get(type(command))  # type: ignore[arg-type]
            if handler is None:
                raise DecodeFailure(
                    errors.UNKNOWN_MESSAGE_TYPE,
                    f"{envelope.type} is not handled by {self.settings.service_name}",
                    envelope=envelope,
                    reply_to=envelope.reply_to,
                )
        except DecodeFailure as failure:
            await self._dead_letter(record, failure)
            await self._reply_failure(record, failure)
            return
        assert isinstance(command, Command)
        token = logs.trace.set(_trace(envelope))
        try:
            await self._handle_command(envelope, command, handler)
        finally:
            logs.trace.reset(token)
            metrics.HANDLE_SECONDS.labels(self.settings.service_name, "command").observe(time.perf_counter() - started)

    async def _handle_command(self, envelope: Envelope, command: Command, handler: Any) -> None:
        duplicate_reply: dict[str, Any] | None = None
        async with self.pool.acquire() as conn, conn.transaction():
            if await inbox.claim(conn, envelope):
                reply, records = await self._decide(conn, envelope, command, handler)
                await outbox.add_many(conn, records)
                stored = {"topic": envelope.reply_to, "envelope": reply.model_dump(mode="json")}
                await inbox.complete(conn, envelope, _outcome(reply), stored)
                metrics.MESSAGES.labels(self.settings.service_name, envelope.type, _outcome(reply)).inc()
                if _outcome(reply) == "rejected":
                    logger.info("%s rejected: %s", envelope.type, reply.payload.get("code"))
            else:
                duplicate_reply = await inbox.stored_reply(conn, envelope) or {}
        if duplicate_reply is not None:
            await self._resend_reply(envelope, duplicate_reply)
            return
        self.faults.point("crash_after_commit", envelope.type)
        self.relay.wake()

    async def _decide(
        self, conn: Connection, envelope: Envelope, command: Command, handler: Any
    ) -> tuple[Envelope, list[OutgoingRecord]]:
        if envelope.actor.role not in type(command).ALLOWED_ROLES:
            allowed = ", ".join(sorted(r.value for r in type(command).ALLOWED_ROLES))
            reply = self._rejection(
                envelope,
                Rejected(
                    errors.FORBIDDEN, f"role {envelope.actor.role.value} may not {envelope.type}; allowed: {allowed}"
                ),
            )
            return reply, self._reply_records(envelope, reply)
        ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings)
        try:
            async with conn.transaction():  # a savepoint: a rejection undoes the handler's writes
                result = await handler(ctx, command)
        except Rejected as rejection:
            reply = self._rejection(envelope, rejection)
            return reply, self._reply_records(envelope, reply)
        reply = self._reply(
            envelope,
            ReplyV1(
                request_id=envelope.message_id,
                request_type=envelope.type,
                status="accepted",
                result=result.model_dump(mode="json") if isinstance(result, BaseModel) else None,
            ),
        )
        return reply, [self._event_record(envelope, e) for e in ctx.emitted] + self._reply_records(envelope, reply)

    # --- queries ----------------------------------------------------------------------------

    async def _query(self, record: ConsumerRecord[Any, Any]) -> None:
        started = time.perf_counter()
        try:
            envelope, query = decode(record.value, {Kind.QUERY})
            handler = self.handlers.queries.get(type(query))  # type: ignore[arg-type]
            if handler is None:
                raise DecodeFailure(
                    errors.UNKNOWN_MESSAGE_TYPE,
                    f"{envelope.type} is not answered by {self.settings.service_name}",
                    envelope=envelope,
                    reply_to=envelope.reply_to,
                )
        except DecodeFailure as failure:
            await self._dead_letter(record, failure)
            await self._reply_failure(record, failure)
            return
        assert isinstance(query, Query)
        token = logs.trace.set(_trace(envelope))
        try:
            reply = await self._answer(envelope, query, handler)
            metrics.MESSAGES.labels(self.settings.service_name, envelope.type, _outcome(reply)).inc()
            if envelope.reply_to:
                await self.producer.send(encode(reply, envelope.reply_to, None))
        finally:
            logs.trace.reset(token)
            metrics.HANDLE_SECONDS.labels(self.settings.service_name, "query").observe(time.perf_counter() - started)

    async def _answer(self, envelope: Envelope, query: Query, handler: Any) -> Envelope:
        if envelope.actor.role not in type(query).ALLOWED_ROLES:
            return self._rejection(
                envelope, Rejected(errors.FORBIDDEN, f"role {envelope.actor.role.value} may not {envelope.type}")
            )
        async with self.pool.acquire() as conn:
            ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings)
            try:
                async with conn.transaction(readonly=True):
                    result = await handler(ctx, query)
            except Rejected as rejection:
                return self._rejection(envelope, rejection)
        return self._reply(
            envelope,
            ReplyV1(
                request_id=envelope.message_id,
                request_type=envelope.type,
                status="accepted",
                result=result.model_dump(mode="json"),
            ),
        )

    # --- events -----------------------------------------------------------------------------

    async def _event(self, record: ConsumerRecord[Any, Any]) -> None:
        try:
            envelope, event = decode(record.value, {Kind.EVENT})
        except DecodeFailure as failure:
            if failure.code == errors.UNKNOWN_MESSAGE_TYPE:
                return  # a newer producer's event: not ours to understand yet, not an error
            await self._dead_letter(record, failure)
            return
        handler = self.handlers.events.get(type(event))  # type: ignore[arg-type]
        if handler is None:
            return
        token = logs.trace.set(_trace(envelope))
        started = time.perf_counter()
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                if not await inbox.claim(conn, envelope):
                    return
                ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings)
                outcome = "handled"
                try:
                    async with conn.transaction():
                        await handler(ctx, event)
                except Rejected as rejection:
                    logger.warning("event %s ignored: %s (%s)", envelope.type, rejection.message, rejection.code)
                    outcome, ctx.emitted = f"ignored:{rejection.code}", []
                await outbox.add_many(conn, [self._event_record(envelope, e) for e in ctx.emitted])
                await inbox.complete(conn, envelope, outcome, None)
            metrics.MESSAGES.labels(self.settings.service_name, envelope.type, outcome).inc()
            self.faults.point("crash_after_commit", envelope.type)
            self.relay.wake()
        finally:
            logs.trace.reset(token)
            metrics.HANDLE_SECONDS.labels(self.settings.service_name, "event").observe(time.perf_counter() - started)

    # --- building replies, events and dead letters -------------------------------------------

    def _reply(self, request: Envelope, reply: ReplyV1) -> Envelope:
        return Envelope.wrap(
            reply, actor=self.service_actor, correlation_id=request.correlation_id, causation_id=request.message_id
        )

    def _rejection(self, request: Envelope, rejection: Rejected) -> Envelope:
        return self._reply(
            request,
            ReplyV1(
                request_id=request.message_id,
                request_type=request.type,
                status="rejected",
                code=rejection.code,
                message=rejection.message,
                field_errors=rejection.field_errors,
            ),
        )

    def _reply_records(self, request: Envelope, reply: Envelope) -> list[OutgoingRecord]:
        return [encode(reply, request.reply_to, None)] if request.reply_to else []

    def _event_record(self, cause: Envelope, event: Event) -> OutgoingRecord:
        envelope = Envelope.wrap(
            event, actor=cause.actor, correlation_id=cause.correlation_id, causation_id=cause.message_id
        )
        return encode(envelope, self.settings.topic(event.TOPIC), event.partition_key())

    async def emit_standalone(
        self, conn: Connection, event: Event, actor: Actor, correlation_id: uuid.UUID | None
    ) -> None:
        """Queue an event that no consumed message caused (a background worker's), in ``conn``'s transaction."""
        envelope = Envelope.wrap(event, actor=actor, correlation_id=correlation_id)
        await outbox.add(conn, encode(envelope, self.settings.topic(event.TOPIC), event.partition_key()))

    async def _resend_reply(self, request: Envelope, stored: dict[str, Any]) -> None:
        logger.info("duplicate %s %s: original reply re-sent", request.type, request.message_id)
        metrics.MESSAGES.labels(self.settings.service_name, request.type, "duplicate").inc()
        if stored.get("topic") and stored.get("envelope"):
            reply = Envelope.model_validate(stored["envelope"])
            await self.producer.send(encode(reply, stored["topic"], None))

    async def _reply_failure(self, record: ConsumerRecord[Any, Any], failure: DecodeFailure) -> None:
        reply_to = failure.reply_to or (failure.envelope.reply_to if failure.envelope else None)
        if not reply_to:
            return
        env = failure.envelope
        request_id = env.message_id if env else _header_uuid(record, "message_id")
        reply = Envelope.wrap(
            ReplyV1(
                request_id=request_id,
                request_type=env.type if env else "unknown",
                status="rejected",
                code=failure.code,
                message=failure.message,
                field_errors=failure.field_errors,
            ),
            actor=self.service_actor,
            correlation_id=env.correlation_id if env else _header_uuid(record, "correlation_id"),
            causation_id=request_id,
        )
        await self.producer.send(encode(reply, reply_to, None))

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], failure: DecodeFailure) -> None:
        metrics.DEAD_LETTERS.labels(self.settings.service_name, failure.code).inc()
        logger.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, failure.code)
        letter = DeadLetterV1(
            reason=failure.code,
            message=failure.message,
            field_errors=failure.field_errors,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=redact(record.key) if record.key else None,
            original=redact(record.value),
            service=self.settings.service_name,
        )
        envelope = Envelope.wrap(letter, actor=self.service_actor)
        await self.producer.send(
            encode(envelope, record.topic + ".dlq", record.key.decode(errors="replace") if record.key else None)
        )


def _outcome(reply: Envelope) -> str:
    return str(reply.payload.get("status", "accepted"))


def _trace(envelope: Envelope) -> dict[str, str]:
    return {
        "message_id": str(envelope.message_id),
        "correlation_id": str(envelope.correlation_id),
        "type": envelope.type,
        "actor": envelope.actor.agent_id,
    }


def _header_uuid(record: ConsumerRecord[Any, Any], name: str) -> uuid.UUID:
    for key, value in record.headers or ():
        if key == name:
            try:
                return uuid.UUID(value.decode())
            except (ValueError, UnicodeDecodeError):
                break
    return uuid.UUID(int=0)
