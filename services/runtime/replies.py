"""Building what a service sends back: replies, rejections, events caused by a message, and dead
letters (with the original text redacted)."""

from __future__ import annotations

import uuid
from typing import Any

from aiokafka import ConsumerRecord

from contracts.envelope import Actor, DeadLetterV1, Envelope, Event, ReplyV1, Role
from services.runtime.codec import DecodeFailure, OutgoingRecord, encode, redact
from services.runtime.handling import Rejected, actor_of


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
                message=rejection.message,
                field_errors=rejection.field_errors,
            ),
        )

    def reply_records(self, request: Envelope, reply: Envelope) -> list[OutgoingRecord]:
        return [encode(reply, request.reply_to, None)] if request.reply_to else []

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
        reply_to = failure.reply_to or (env.reply_to if env else None)
        if not reply_to:
            return None
        request_id = env.message_id if env else header_uuid(record, "message_id")
        reply = Envelope.wrap(
            ReplyV1(
                request_id=request_id,
                request_type=env.type if env else "unknown",
                status="rejected",
                code=failure.code,
                message=failure.message,
                field_errors=failure.field_errors,
            ),
            actor=self.actor,
            correlation_id=env.correlation_id if env else header_uuid(record, "correlation_id"),
            causation_id=request_id,
        )
        return encode(reply, reply_to, None)

    def dead_letter(self, record: ConsumerRecord[Any, Any], failure: DecodeFailure) -> OutgoingRecord:
        """The record's redacted key and value, where it came from and why. Its headers are not
        copied: the ``authorization`` header is an access token, and no other header is needed."""
        letter = DeadLetterV1(
            reason=failure.code,
            message=failure.message,
            field_errors=failure.field_errors,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=redact(record.key) if record.key else None,
            original=redact(record.value),
            service=self.service,
        )
        key = record.key.decode(errors="replace") if record.key else None
        return encode(Envelope.wrap(letter, actor=self.actor), record.topic + ".dlq", key)


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
