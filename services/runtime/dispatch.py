"""Messages, end to end: decode, authenticate, authorize, handle in one transaction with the inbox
and the outbox, reply. See docs/design.md, "One command, end to end". Each step is a stage of
services/runtime/pipeline/; this module puts them together, one entry point per kind of topic.

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

Commands and queries carry an access token (record header ``authorization: Bearer <JWT>``); the
actor they are handled for is the token's (pipeline/authentication.py). A message without a valid
token is answered ``unauthenticated`` and touches nothing, not even the inbox; one whose verified
actor may not send it is refused ``forbidden`` and recorded like any refused command. Events need
no token: who may write an events topic is the broker's ACLs' business.

Returning normally means the batch may be acknowledged (offsets committed). Raising means it must
be delivered again: the subscriber's NACK_ON_ERROR policy seeks back to it, and the inbox makes
the messages already committed harmless. Infrastructure failures (PostgreSQL or Kafka away, the
OIDC issuer's keys unreachable) are retried indefinitely with backoff. A lost lock race (deadlock,
serialization failure) with another transaction (another topic's subscriber, a background worker,
another instance) is retried at once, in place, a few times: the transaction rolled back whole, so
running the same records again is safe, and it spares a redelivery of the whole fetch. Any other
failure sends the batch through one message at a time, so a message that keeps failing is found,
retried a few times and then dead-lettered: one poisonous message cannot stop a partition
(pipeline/failures.py; every wait comes from one HandlerRetry).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Generic

import asyncpg

from contracts import errors
from contracts.envelope import Actor, Event, Kind
from services.runtime import hooks, outbox
from services.runtime.codec import encode
from services.runtime.db import Connection
from services.runtime.handling import D, Handlers
from services.runtime.identity import Identity, Refused, TokenVerifier
from services.runtime.kafka import Producer
from services.runtime.pipeline import observing
from services.runtime.pipeline.answering import Answers
from services.runtime.pipeline.authentication import Gate, Verifier
from services.runtime.pipeline.dead_letters import DeadLetters
from services.runtime.pipeline.decoding import Decoder
from services.runtime.pipeline.duplicates import Duplicates
from services.runtime.pipeline.failures import FailurePolicy, HandlerRetry
from services.runtime.pipeline.items import Records
from services.runtime.pipeline.observing import Handled
from services.runtime.pipeline.replying import deliver
from services.runtime.pipeline.tracing import traced
from services.runtime.pipeline.transaction import Committed, Transactions
from services.runtime.relay import OutboxRelay
from services.runtime.replies import Letters, outcome_of
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class NoIssuer:
    """Stands in for a verifier when no issuer is configured: every token is refused. A service
    refuses to start without OMS_OIDC_ISSUER (main.py); this only keeps a misconfigured dispatcher
    closed instead of open."""

    async def verify(self, token: str) -> Identity:
        raise Refused(errors.UNAUTHENTICATED, "no_issuer", "this service trusts no token issuer")


def verifier_for(settings: ServiceSettings) -> Verifier:
    return TokenVerifier(settings) if settings.oidc_issuer else NoIssuer()


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
        verifier: Verifier | None = None,
        retry: HandlerRetry | None = None,
    ) -> None:
        service = settings.service_name
        self.settings = settings
        self.producer = producer
        self.relay = relay
        self.handlers = handlers
        self.letters = Letters(service, settings.topic_prefix)
        self.dead_letters = DeadLetters(service, self.letters, producer)
        self.decoder = Decoder(service, self.dead_letters.refuse, settings.topic_prefix)
        self.gate = Gate(service, verifier or verifier_for(settings), self.letters, producer)
        self.transactions = Transactions(settings, pool, self.letters, deps, clock)
        self.answers = Answers(settings, pool, self.letters, deps, clock)
        self.duplicates = Duplicates(service, self.letters, producer)
        retry = retry or HandlerRetry(max_handler_attempts=settings.max_handler_attempts)
        self.failures = FailurePolicy(service, retry, self.dead_letters.refuse)

    # --- entry points, one per kind of topic ---------------------------------------------

    async def on_commands(self, records: Records) -> None:
        await self.failures.batch(records, self._commands)

    async def on_events(self, records: Records) -> None:
        await self.failures.batch(records, self._events)

    async def on_queries(self, records: Records) -> None:
        # Queries change nothing and need no order: answer them side by side.
        await asyncio.gather(*(self.failures.one(r, self._queries) for r in records))

    # --- the stages, per kind ---------------------------------------------------------------

    async def _commands(self, records: Records) -> None:
        started = time.perf_counter()
        items = await self.decoder.decode_all(records, Kind.COMMAND, self.handlers.commands)
        admitted, turned_away = await self.gate.admit(items)
        if admitted:
            committed = await self.transactions.commands(admitted)
            self._after_commit("command", committed, started)
            for copy, stored in committed.repeated:
                await self.duplicates.answer(copy, stored)
        # Answered after the batch committed, so a batch delivered again (it failed) does not
        # answer them twice as often; nothing of them is in the transaction.
        await self.gate.answer(turned_away)

    async def _events(self, records: Records) -> None:
        started = time.perf_counter()
        items = await self.decoder.decode_all(records, Kind.EVENT, self.handlers.events, quiet_unknown=True)
        if items:
            committed = await self.transactions.events(items)
            self._after_commit("event", committed, started)

    async def _queries(self, records: Records) -> None:
        started = time.perf_counter()
        items = await self.decoder.decode_all(records, Kind.QUERY, self.handlers.queries)
        admitted, turned_away = await self.gate.admit(items)
        for item in admitted:
            with traced(item.envelope, item.record) as trace_id:
                reply = await self.answers.answer(item)
                if item.envelope.reply_to:
                    record = encode(reply, item.envelope.reply_to, None)
                    await deliver(self.producer, self.settings.service_name, [record])
            handled = Handled.of(item.envelope, "query", outcome_of(reply), time.perf_counter() - started, trace_id)
            self._observe(handled.with_code(reply.payload.get("code")))
        await self.gate.answer(turned_away)

    # --- shared steps -----------------------------------------------------------------------

    def _after_commit(self, kind: str, committed: Committed, started: float) -> None:
        for envelope, _, _ in committed.handled:
            hooks.reached("committed", envelope.type)
        self.relay.wake()
        elapsed = time.perf_counter() - started
        for envelope, outcome, reply in committed.handled:
            handled = Handled.of(envelope, kind, outcome, elapsed, committed.trace_ids.get(envelope.message_id, ""))
            self._observe(handled.with_code(reply.payload.get("code")) if reply is not None else handled)

    def _observe(self, handled: Handled) -> None:
        observing.observe(self.settings.service_name, handled, self.settings.log_handled)

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
