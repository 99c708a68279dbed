"""Building what a service sends back: replies, rejections, events caused by a message, and dead
letters (with the original text redacted)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiokafka import ConsumerRecord

from contracts.envelope import Actor, DeadLetterV1, Envelope, Event, FieldError, ReplyV1, Role
from contracts.topics import is_reply_topic
from services.runtime.codec import DecodeFailure, OutgoingRecord, encode, redact, redact_text, safe_type
from services.runtime.handling import Rejected, actor_of

logger = logging.getLogger(__name__)


class Letters:
    """Envelopes sent in the name of one service."""

    def __init__(self, service: str, topic_prefix: str) -> None:
        self.service = service
        self.prefix = topic_prefix
        self.actor = Actor(agent_id=service, role=Role.SYSTEM)

    def reply(self, request: Envelope, reply: ReplyV1) -> Envelope:
        return Envelope.wrap(
            reply, actor=self.actor, correlation_id=request.correlation_id, causation_id=request.message_id
        )

    def accepted(self, request: Envelope, result: dict[str, Any] | None) -> Envelope:
        return self.reply(
            request, ReplyV1(request_id=request.message_id, request_type=request.type, status="accepted", result=result)
        )

    def rejected(self, request: Envelope, rejection: Rejected) -> Envelope:
        return self.reply(
            request,
            ReplyV1(
                request_id=request.message_id,
                request_type=request.type,
                status="rejected",
                code=rejection.code,
                # A handler's words may quote what it was sent ("no product 4111..."): masked here,
                # once, for every rejection of every service.
                message=redact_text(rejection.message),
                field_errors=[_masked(e) for e in rejection.field_errors],
            ),
        )

    def reply_records(self, request: Envelope, reply: Envelope) -> list[OutgoingRecord]:
        address = self._reply_address(request.reply_to)
        return [encode(reply, address, None)] if address else []

    def _reply_address(self, reply_to: str | None) -> str | None:
        """``reply_to`` if it is one of this deployment's reply topics. The decoder refuses any
        other; this is the second lock, where every reply is addressed."""
        if reply_to and not is_reply_topic(reply_to, self.prefix):
            logger.error("refusing to write a reply to a topic that is not a reply topic of prefix %r", self.prefix)
            return None
        return reply_to

    def event_record(self, cause: Envelope, event: Event) -> OutgoingRecord:
        envelope = Envelope.wrap(
            event, actor=actor_of(cause), correlation_id=cause.correlation_id, causation_id=cause.message_id
        )
        return encode(envelope, self.prefix + event.TOPIC, event.partition_key())

    def standalone_event_record(self, event: Event, actor: Actor, correlation_id: uuid.UUID | None) -> OutgoingRecord:
        envelope = Envelope.wrap(event, actor=actor, correlation_id=correlation_id)
        return encode(envelope, self.prefix + event.TOPIC, event.partition_key())

    def failure_reply(self, record: ConsumerRecord[Any, Any], failure: DecodeFailure) -> OutgoingRecord | None:
        """The rejection for a message that could not be handled, if it named a reply topic."""
        env = failure.envelope
        reply_to = self._reply_address(failure.reply_to or (env.reply_to if env else None))
        if not reply_to:
            return None
        request_id = env.message_id if env else header_uuid(record, "message_id")
        reply = Envelope.wrap(
            ReplyV1(
                request_id=request_id,
                request_type=safe_type(env.type) if env else "unknown",
                status="rejected",
                code=failure.code,
                # The decoder's words quote no input; masked all the same, as every other rejection.
                message=redact_text(failure.message),
                field_errors=[_masked(e) for e in failure.field_errors],
            ),
            actor=self.actor,
            correlation_id=env.correlation_id if env else header_uuid(record, "correlation_id"),
            causation_id=request_id,
        )
        return encode(reply, reply_to, None)

    def dead_letter(self, record: ConsumerRecord[Any, Any], failure: DecodeFailure) -> OutgoingRecord:
        """The record's redacted key and value, where it came from and why. Its headers are not
        copied: the ``authorization`` header is an access token, and no other header is needed.
        Everything copied from the record is masked: its text, its key, and what the reason quotes."""
        letter = DeadLetterV1(
            reason=failure.code,
            message=redact_text(failure.message),
            field_errors=[_masked(e) for e in failure.field_errors],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=redact(record.key) if record.key else None,
            original=redact(record.value),
            service=self.service,
        )
        key = redact_text(record.key.decode(errors="replace")) if record.key else None
        return encode(Envelope.wrap(letter, actor=self.actor), record.topic + ".dlq", key)


def _masked(error: FieldError) -> FieldError:
    return FieldError(field=redact_text(error.field), code=error.code, message=redact_text(error.message))


def outcome_of(reply: Envelope) -> str:
    return str(reply.payload.get("status", "accepted"))


def header_uuid(record: ConsumerRecord[Any, Any], name: str) -> uuid.UUID:
    for key, value in record.headers or ():
        if key == name:
            try:
                return uuid.UUID(value.decode())
            except (ValueError, UnicodeDecodeError):
                break
    return uuid.UUID(int=0)
