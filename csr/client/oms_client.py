"""A client for channels and front ends: send any command or query from ``contracts``, await its
reply, follow events.

Replies come back on the client's reply topic. The client reads that topic without a consumer
group, from its end at start-up, and matches each reply to the waiting request by the request's
message id. When no reply comes, the client publishes the very same envelope again (same message
id), up to ``attempts`` times within the ``timeout``: the service applies a command once and
answers a repeat with the original reply (PLT-03), so a retry can never apply it twice.

Who sends is not for the client to say: every command and query record carries the header
``authorization: Bearer <access token>`` from the client's token provider (:mod:`csr.client.auth`), and
the services act for whoever the identity provider issued that token to.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncGenerator, Iterable
from typing import Any, TypeVar, overload

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import BaseModel, ConfigDict, ValidationError

from contracts.envelope import Command, Envelope, Kind, Message, Query, ReplyV1
from contracts.registry import all_messages
from contracts.sealing import seal
from contracts.topics import REPLY_TOPIC_RULE, is_reply_topic
from csr.client.auth import TokenProvider
from csr.client.errors import (
    BrokerUnavailable,
    ClientError,
    ConfigError,
    InvalidInput,
    ReplyTimeout,
    RequestRejected,
    UnknownMessageType,
    UsageError,
)
from csr.client.events import EventStream, Received

_TRACER = trace.get_tracer("csr-oms.client")
_TRACE_CONTEXT = TraceContextTextMapPropagator()

__all__ = [
    "Accepted",
    "BrokerUnavailable",
    "ClientError",
    "ConfigError",
    "EventStream",
    "InvalidInput",
    "OmsClient",
    "Received",
    "ReplyTimeout",
    "RequestRejected",
    "TokenProvider",
    "UnknownMessageType",
    "UsageError",
    "follow",
]

R = TypeVar("R", bound=BaseModel)


class Accepted(BaseModel):
    """The result of a message that declares no RESULT model: whatever the service answered."""

    model_config = ConfigDict(extra="allow")


class OmsClient:
    def __init__(
        self,
        bootstrap: str,
        token_provider: TokenProvider | None = None,
        *,
        topic_prefix: str = "",
        reply_topic: str = "replies.csr",
        sealing_public_key: str | None = None,
        timeout: float = 15.0,
        attempts: int = 3,
        connect_timeout: float = 15.0,
        kafka_options: dict[str, Any] | None = None,
        producer_options: dict[str, Any] | None = None,
    ) -> None:
        """``token_provider`` gives the access token each command and query carries (without
        one, the services refuse them ``unauthenticated``); ``kafka_options`` go to every Kafka
        client (TLS, SASL); ``producer_options`` to the producer only (``linger_ms``, say).
        ``reply_topic`` is ``replies.<client>`` (under the topic prefix): the services answer no
        other topic."""
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        if token_provider is not None and not callable(getattr(token_provider, "access_token", None)):
            # the second argument used to be the actor: say so rather than fail at the first send
            raise TypeError(f"token_provider must have an async access_token(), not {type(token_provider).__name__}")
        if not is_reply_topic(topic_prefix + reply_topic, topic_prefix):
            raise ConfigError(f"reply topic {reply_topic!r}: {REPLY_TOPIC_RULE}")
        self.bootstrap = bootstrap
        self.token_provider = token_provider
        self.prefix = topic_prefix
        self.reply_topic = topic_prefix + reply_topic
        self.sealing_public_key = sealing_public_key
        self.timeout = timeout
        self.attempts = attempts
        self.connect_timeout = connect_timeout
        self._options = kafka_options or {}
        self._producer_options = producer_options or {}
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._pending: dict[uuid.UUID, asyncio.Future[Envelope]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> OmsClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        try:
            async with asyncio.timeout(self.connect_timeout):
                await self._connect()
        except (KafkaError, OSError, TimeoutError) as exc:
            await self.stop()
            reason = str(exc) or type(exc).__name__
            raise BrokerUnavailable(f"cannot reach Kafka at {self.bootstrap}: {reason}") from exc
        except BaseException:
            await self.stop()
            raise
        self._reader = asyncio.create_task(self._read_replies())

    async def _connect(self) -> None:
        await self._ensure_reply_topic()
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            enable_idempotence=True,
            acks="all",
            **self._options,
            **self._producer_options,
        )
        await self._producer.start()
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, **self._options)
        await self._consumer.start()
        partitions = await self._reply_partitions()
        tps = [TopicPartition(self.reply_topic, p) for p in partitions]
        self._consumer.assign(tps)
        await self._consumer.seek_to_end(*tps)
        for tp in tps:  # resolve the end offsets now, so no reply can slip in before we listen
            await self._consumer.position(tp)

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for client in (self._consumer, self._producer):
            if client is not None:
                await _stopped(client)
        self._consumer = self._producer = self._reader = None

    async def _reply_partitions(self) -> set[int]:
        # A topic created a moment ago may not be in the consumer's metadata yet; listening to a
        # partial set of partitions would lose the replies that land on the others.
        assert self._consumer is not None
        for _ in range(50):
            partitions = self._consumer.partitions_for_topic(self.reply_topic)
            if partitions:
                return set(partitions)
            await self._consumer._client.force_metadata_update()
            await asyncio.sleep(0.1)
        raise BrokerUnavailable(f"reply topic {self.reply_topic} has no partitions in the metadata")

    async def _ensure_reply_topic(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, **self._options)
        await admin.start()
        try:
            if self.reply_topic not in set(await admin.list_topics()):
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics([NewTopic(self.reply_topic, 3, 1)])
        finally:
            await admin.close()

    async def _read_replies(self) -> None:
        assert self._consumer is not None
        async for record in self._consumer:
            try:
                envelope = Envelope.model_validate_json(record.value)
            except ValueError:
                continue
            future = self._pending.get(envelope.causation_id) if envelope.causation_id else None
            if future is not None and not future.done():
                future.set_result(envelope)

    # --- sending ---------------------------------------------------------------------------

    def seal(self, secret: str) -> str:
        """Seal a password, challenge answer or card number for the service (contracts.sealing)."""
        if not self.sealing_public_key:
            raise ConfigError("no sealing public key configured (set OMS_SEALING_PUBLIC_KEY_FILE)")
        return seal(secret, self.sealing_public_key)

    def envelope(
        self, message: Message, *, message_id: uuid.UUID | None = None, correlation_id: uuid.UUID | None = None
    ) -> Envelope:
        return Envelope.wrap(message, reply_to=self.reply_topic, message_id=message_id, correlation_id=correlation_id)

    async def send(
        self,
        message: Command | Query,
        *,
        message_id: uuid.UUID | None = None,
        correlation_id: uuid.UUID | None = None,
        timeout: float | None = None,
        attempts: int | None = None,
    ) -> ReplyV1:
        """Send and wait for the reply (accepted or rejected).

        ``timeout`` is the whole wait; within it the same envelope is published up to
        ``attempts`` times, evenly spaced, and a reply to any of them ends the wait. Calling
        ``send`` again with the same ``message_id`` is just as safe: the service applies the
        command once and answers every repeat with the first reply."""
        envelope = self.envelope(message, message_id=message_id, correlation_id=correlation_id)
        return await self.send_envelope(envelope, message.TOPIC, message.partition_key(), timeout, attempts)

    async def send_envelope(
        self,
        envelope: Envelope,
        topic: str,
        key: str | None,
        timeout: float | None = None,
        attempts: int | None = None,
    ) -> ReplyV1:
        total = timeout if timeout is not None else self.timeout
        tries = attempts if attempts is not None else self.attempts
        future: asyncio.Future[Envelope] = asyncio.get_running_loop().create_future()
        self._pending[envelope.message_id] = future
        deadline = time.monotonic() + total
        try:
            for attempt in range(1, tries + 1):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                await self._publish_within(envelope, topic, key, remaining)
                until_next = (deadline - time.monotonic()) / (tries - attempt + 1)
                with contextlib.suppress(TimeoutError):
                    # shield: the reply to the first attempt may still come during the next one
                    reply = await asyncio.wait_for(asyncio.shield(future), max(until_next, 0.01))
                    return ReplyV1.model_validate(reply.payload)
            raise ReplyTimeout(envelope.type, self.prefix + topic, total, tries, envelope.message_id)
        finally:
            self._pending.pop(envelope.message_id, None)
            future.cancel()

    async def _publish_within(self, envelope: Envelope, topic: str, key: str | None, budget: float) -> None:
        # The token first, outside the Kafka budget: an identity provider that is slow or away is
        # reported as such (csr.client.auth.IdentityProviderUnavailable), not as Kafka's silence.
        await self.authorization()
        try:
            async with asyncio.timeout(budget):
                await self.publish(envelope, topic, key)
        except TimeoutError:
            # The producer waits for the topic's metadata: a missing topic on a cluster that does
            # not create topics, or a broker that went away after we connected.
            raise BrokerUnavailable(
                f"could not publish {envelope.type} to {self.prefix + topic} within {budget:.1f}s"
            ) from None

    @overload
    async def request(self, message: Command | Query, result: type[R], **kwargs: Any) -> R: ...

    @overload
    async def request(self, message: Command | Query, result: None = None, **kwargs: Any) -> BaseModel: ...

    async def request(self, message: Command | Query, result: type[BaseModel] | None = None, **kwargs: Any) -> Any:
        """Send, and return the typed result (``result``, else the message's ``RESULT`` model)
        or raise :class:`RequestRejected`."""
        reply = await self.send(message, **kwargs)
        if not reply.accepted:
            raise RequestRejected(reply)
        model = result or message.RESULT or Accepted
        try:
            return model.model_validate(reply.result or {})
        except ValidationError as exc:
            raise ClientError(f"the reply to {message.TYPE} is not a {model.__name__}: {exc}") from exc

    async def authorization(self) -> dict[str, str]:
        """The ``authorization`` header a command or query carries (none without a provider)."""
        if self.token_provider is None:
            return {}
        return {"authorization": "Bearer " + await self.token_provider.access_token()}

    async def publish(self, envelope: Envelope, topic: str, key: str | None = None) -> None:
        """Publish ``envelope``; a command or query with this client's access token (one
        per request record; events and replies never carry one)."""
        requests = (Kind.COMMAND, Kind.QUERY)
        headers = {
            "content-type": "application/json",
            "message_id": str(envelope.message_id),
            "type": envelope.type,
            "version": str(envelope.version),
            "kind": envelope.kind.value,
            "correlation_id": str(envelope.correlation_id),
            **(await self.authorization() if envelope.kind in requests else {}),
        }
        # The W3C trace context: the services' spans join the caller's trace. Only the
        # OpenTelemetry API here; a program that wants traces configures the SDK (docs/operations.md).
        with _TRACER.start_as_current_span(
            f"send {envelope.type}",
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.message.id": str(envelope.message_id)},
        ):
            _TRACE_CONTEXT.inject(headers)
            await self.publish_raw(self.prefix + topic, envelope.model_dump_json().encode(), key, headers)

    async def publish_raw(
        self, topic: str, value: bytes | None, key: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        """Put bytes on a topic as they are (tests use it for hostile input)."""
        if self._producer is None:
            raise ClientError("client not started")
        try:
            await self._producer.send_and_wait(
                topic,
                value=value,
                key=key.encode() if key else None,
                headers=[(k, v.encode()) for k, v in (headers or {}).items()],
            )
        except KafkaError as exc:
            raise BrokerUnavailable(f"could not publish to {topic} at {self.bootstrap}: {exc}") from exc

    async def send_raw_and_wait(
        self, topic: str, value: bytes, message_id: uuid.UUID, timeout: float | None = None
    ) -> ReplyV1:
        """Publish raw bytes that name this client's reply topic, with this client's access token,
        and wait for the reply to ``message_id`` (tests: malformed input must reach the validation
        it targets, not stop at authentication)."""
        future: asyncio.Future[Envelope] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        wait = timeout or self.timeout
        try:
            headers = {"message_id": str(message_id), **await self.authorization()}
            await self.publish_raw(self.prefix + topic, value, headers=headers)
            try:
                reply = await asyncio.wait_for(future, wait)
            except TimeoutError:
                raise ReplyTimeout("raw message", self.prefix + topic, wait) from None
        finally:
            self._pending.pop(message_id, None)
        return ReplyV1.model_validate(reply.payload)

    # --- following -------------------------------------------------------------------------

    def events(self, *topics: str, from_beginning: bool = False) -> EventStream:
        """A stream of what is published on ``topics`` (names without the prefix)."""
        return EventStream(
            self.bootstrap, topics, prefix=self.prefix, from_beginning=from_beginning, kafka_options=self._options
        )


async def follow(
    bootstrap: str,
    topics: Iterable[str],
    *,
    from_beginning: bool = False,
    options: dict[str, Any] | None = None,
) -> AsyncGenerator[tuple[Envelope, Message | None], None]:
    """Yield (envelope, typed payload or None if unknown) for every event on ``topics``.

    Starts reading once subscribed; prefer :meth:`OmsClient.events` (or :class:`EventStream`)
    when what must be seen is published right after the call."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset="earliest" if from_beginning else "latest",
        **(options or {}),
    )
    await consumer.start()
    registry = all_messages()
    try:
        async for record in consumer:
            try:
                envelope = Envelope.model_validate_json(record.value)
            except ValueError:
                continue
            cls = registry.get((envelope.type, envelope.version))
            payload: Message | None = None
            if cls is not None:
                with contextlib.suppress(ValueError):
                    payload = cls.model_validate(envelope.payload)
            yield envelope, payload
    finally:
        await consumer.stop()


async def _stopped(client: AIOKafkaConsumer | AIOKafkaProducer) -> None:
    """Stop a Kafka client whatever state it is in. aiokafka's consumer can raise the
    CancelledError of its own fetch request (timed out on a loaded broker) out of ``stop()``: that
    one is swallowed like any failure to stop cleanly, while a cancellation of the task that is
    stopping the client is passed on."""
    try:
        await client.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception:  # noqa: BLE001, S110 - nothing to do about a client that does not stop cleanly
        pass
