"""The envelope every message travels in, and the base classes of all messages.

A message class is named ``<Type>V<version>`` (``RegisterCustomerV1``); its wire type and version are
derived from that name so the two can never disagree. Adding an optional field keeps the version;
renaming, removing or retyping a field means a new class with the next version, published side by
side until every consumer has moved. That is safe because readers of events and replies ignore
fields they do not know (:class:`TolerantReader`); commands and queries refuse them.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, create_model, field_validator
from pydantic_core import PydanticCustomError

from contracts.topics import REPLY_TOPIC_PATTERN

_NAME = re.compile(r"^(?P<type>[A-Z][A-Za-z0-9]*)V(?P<version>[1-9][0-9]*)$")
TYPE_PATTERN = r"^[A-Za-z][A-Za-z0-9]{0,99}$"
"""What a message type looks like on the wire (``RegisterCustomer``)."""
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)  # clocks disagree; a day is far more than any honest skew


class Role(StrEnum):
    """Who may act. Each command lists the roles allowed to send it."""

    CSR = "csr"
    SUPERVISOR = "supervisor"
    CHANNEL = "channel"
    SYSTEM = "system"


STAFF = frozenset({Role.CSR, Role.SUPERVISOR})
STAFF_AND_CHANNELS = frozenset({Role.CSR, Role.SUPERVISOR, Role.CHANNEL})
SUPERVISOR_ONLY = frozenset({Role.SUPERVISOR})
ANY_ROLE = frozenset(Role)


class Kind(StrEnum):
    COMMAND = "command"
    QUERY = "query"
    EVENT = "event"
    REPLY = "reply"


class Actor(BaseModel):
    """The person or system on whose behalf a message was sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@:-]+$")
    role: Role


@dataclass(frozen=True)
class PartitionKey:
    """Which payload field a message is keyed by on Kafka: its aggregate's id, so that one
    aggregate's messages land in one partition, in order. The first of ``fields`` that is set
    (its text, lower-cased when ``lowercase``), or ``constant``; no key (any partition) when none
    is set. Declared once per message class: the producers key by it and the published documents
    show it (``x-partition-key``)."""

    fields: tuple[str, ...] = ()
    lowercase: bool = False
    constant: str | None = None

    def __init__(self, *fields: str, lowercase: bool = False, constant: str | None = None) -> None:
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "lowercase", lowercase)
        object.__setattr__(self, "constant", constant)

    def of(self, message: BaseModel) -> str | None:
        if self.constant is not None:
            return self.constant
        for name in self.fields:
            value = getattr(message, name)
            if value:
                text = str(value)
                return text.lower() if self.lowercase else text
        return None

    def describe(self) -> dict[str, Any] | None:
        """What the published documents say (``x-partition-key``); None: not keyed."""
        if self.constant is not None:
            return {"constant": self.constant}
        if not self.fields:
            return None
        return {"fields": list(self.fields), "lowercase": self.lowercase}


NO_KEY = PartitionKey()


class Message(BaseModel):
    """Base of every payload. Unknown fields are refused so a typo never passes silently, except
    when an event or a reply is read (:class:`TolerantReader`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    KIND: ClassVar[Kind]
    TOPIC: ClassVar[str]
    PARTITION_KEY: ClassVar[PartitionKey] = NO_KEY

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        match = _NAME.match(cls.__name__)
        if match:  # abstract bases (Command, Event, ...) have no version suffix
            cls.TYPE = match["type"]
            cls.VERSION = int(match["version"])

    def partition_key(self) -> str | None:
        """Kafka key: the aggregate id, so one aggregate's messages keep their order (:class:`PartitionKey`)."""
        return self.PARTITION_KEY.of(self)


class Command(Message):
    """An imperative request to change state. Answered by exactly one reply."""

    KIND = Kind.COMMAND
    ALLOWED_ROLES: ClassVar[frozenset[Role]] = STAFF
    RESULT: ClassVar[type[BaseModel] | None] = None


class Query(Message):
    """A read-only request. Answered by exactly one reply; changes nothing."""

    KIND = Kind.QUERY
    ALLOWED_ROLES: ClassVar[frozenset[Role]] = STAFF_AND_CHANNELS
    RESULT: ClassVar[type[BaseModel] | None] = None


# --- tolerant readers ------------------------------------------------------------------------
# Commands and queries are refused when they carry a field their class does not know: a typo must
# never pass silently, and their sender is told at once. Events and replies are read the other
# way: a producer adds an optional field (same version, see the module docstring) long before
# every consumer has upgraded, so a reader ignores fields it does not know, at any depth. Building
# an event in code stays strict (the class config still forbids unknown fields); only reading
# (model_validate, model_validate_json: what every decoder calls) tolerates them.

TOLERANT_KINDS = frozenset({"event", "reply"})


class TolerantReader(Message):
    """Base of events and replies: read with unknown fields ignored, at any depth."""

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:
        options["extra"] = options.get("extra") or "ignore"
        return super().model_validate(obj, **options)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        options["extra"] = options.get("extra") or "ignore"
        return super().model_validate_json(json_data, **options)


class _EnvelopeReading(BaseModel):
    """Base of the envelope: the envelope of an event or a reply ignores top-level and actor fields
    it does not know (a newer producer's); a command's or query's envelope stays strict."""

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:
        return super().model_validate(_known_fields_of_event_or_reply(cls, obj), **options)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        try:
            raw = json.loads(json_data)
        except (ValueError, RecursionError):  # not JSON: pydantic says so, as it always did
            return super().model_validate_json(json_data, **options)
        known = _known_fields_of_event_or_reply(cls, raw)
        return super().model_validate_json(json_data if known is raw else json.dumps(known), **options)


def _known_fields_of_event_or_reply(cls: type[BaseModel], raw: Any) -> Any:
    """``raw`` without the top-level and actor fields ``cls`` does not know, when it is the
    envelope of an event or a reply; anything else as it is (validation refuses what is wrong)."""
    if not isinstance(raw, dict) or raw.get("kind") not in TOLERANT_KINDS:
        return raw
    known = {k: v for k, v in raw.items() if k in cls.model_fields}
    if isinstance(known.get("actor"), dict):
        known["actor"] = {k: v for k, v in known["actor"].items() if k in Actor.model_fields}
    return known


# ---------------------------------------------------------------------------------------------


class Event(TolerantReader):
    """A fact that happened, in the past tense. Published by the service that owns it."""

    KIND = Kind.EVENT


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(_EnvelopeReading):
    """What goes on the wire: routing and tracing data around one payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Required on the wire: the inbox deduplicates by it, so a default would make every
    # redelivery of an id-less message a new message. ``wrap`` gives one to every sender.
    message_id: uuid.UUID
    type: str = Field(min_length=1, max_length=100, pattern=TYPE_PATTERN)
    version: StrictInt = Field(ge=1, le=1000)
    kind: Kind
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    correlation_id: uuid.UUID = Field(default_factory=new_id)
    causation_id: uuid.UUID | None = None
    # Commands and queries may leave it out: who sent them is the verified access token of the
    # record's ``authorization`` header; when present it must agree with the token. Events and
    # replies carry the actor the service verified.
    actor: Actor | None = None
    reply_to: str | None = Field(default=None, max_length=249, pattern=REPLY_TOPIC_PATTERN)
    payload: dict[str, Any]

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _timestamp_as_text(cls, value: Any) -> Any:
        # Lax validation would read a number as seconds since 1970: a timestamp is ISO 8601 text.
        if isinstance(value, bool | int | float):
            raise PydanticCustomError("datetime_type", "must be an ISO 8601 date and time with a UTC offset")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _sane_timestamp(cls, value: datetime) -> datetime:
        """Between 2000 and a day from now, in UTC. 9999-12-31T23:59:59-01:00 parses, but is past
        the last datetime Python has once converted to UTC: it failed later, in a handler."""
        try:
            utc = value.astimezone(UTC)
        except OverflowError:
            utc = None
        if utc is None or utc < EARLIEST or utc > utcnow() + FUTURE_SLACK:
            raise PydanticCustomError("datetime_out_of_range", "must be between 2000-01-01 and one day from now (UTC)")
        return value

    @classmethod
    def wrap(
        cls,
        message: Message,
        *,
        actor: Actor | None = None,
        reply_to: str | None = None,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        message_id: uuid.UUID | None = None,
    ) -> Envelope:
        return cls(
            message_id=message_id or new_id(),
            type=message.TYPE,
            version=message.VERSION,
            kind=message.KIND,
            correlation_id=correlation_id or new_id(),
            causation_id=causation_id,
            actor=actor,
            reply_to=reply_to,
            payload=message.model_dump(mode="json"),
        )


SYSTEM_ACTOR = Actor(agent_id="system", role=Role.SYSTEM)


class FieldError(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    code: str
    message: str


class ReplyV1(TolerantReader):
    """The answer to one command or query, published on the request's ``reply_to`` topic.

    ``request_id`` is the request's message id; the envelope's correlation id is the request's.
    """

    KIND = Kind.REPLY
    TOPIC = "replies"

    request_id: uuid.UUID
    request_type: str
    status: Literal["accepted", "rejected"]
    result: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
    field_errors: list[FieldError] = Field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    def __getitem__(self, key: str) -> Any:
        """A field of the accepted result, e.g. ``reply["order_number"]``."""
        if self.result is None or key not in self.result:
            raise KeyError(f"{key!r} is not in the reply ({self.status}: {self.code} {self.message})")
        return self.result[key]


class DeadLetterV1(TolerantReader):
    """What a dead-letter topic (``<topic>.dlq``) holds: why, where from, and the message's text
    with secrets and card numbers masked."""

    KIND = Kind.EVENT
    TOPIC = "<topic>.dlq"

    reason: str
    message: str
    field_errors: list[FieldError] = Field(default_factory=list)
    topic: str
    partition: int
    offset: int
    key: str | None = None
    original: str
    service: str


@functools.cache
def typed_envelope(cls: type[Message]) -> type[Envelope]:
    """The envelope with its payload typed as ``cls``: what JSON Schema and AsyncAPI show."""
    model: type[Envelope] = create_model(
        f"{cls.__name__}Envelope", __base__=Envelope, __doc__=cls.__doc__, payload=(cls, ...)
    )
    return model
