"""Between Kafka records and envelopes: encoding, decoding with precise errors, and the redaction
applied before anything received is copied to a dead-letter topic."""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from contracts import errors
from contracts.common import mask_card_numbers
from contracts.envelope import TYPE_PATTERN, Envelope, FieldError, Kind, Message
from contracts.registry import all_messages
from contracts.topics import REPLY_TOPIC_RULE, is_reply_topic
from services.runtime import telemetry

MAX_MESSAGE_BYTES = 512 * 1024
TYPE_HEADER, VERSION_HEADER = "type", "version"  # on every record we write, read before decoding

# all_messages() walks every message class on each call (a few percent of a service's CPU when it
# ran once per decoded record, by the profile of docs/benchmark.md). Kept here, and built again on
# a miss, so a class defined after the first decode is still found.
_registry: dict[tuple[str, int], type[Message]] = {}


def message_class(type_: str, version: int) -> type[Message] | None:
    key = (type_, version)
    if key not in _registry:
        _registry.update(all_messages())
    return _registry.get(key)


@dataclass(frozen=True)
class OutgoingRecord:
    """A message ready for Kafka (or for the outbox, which stores exactly this)."""

    topic: str
    key: str | None
    value: bytes
    headers: dict[str, str]
    message_id: str


class NotAReplyTopic(ValueError):
    """A reply addressed to a topic that is not a reply topic: never written anywhere."""


def encode(envelope: Envelope, topic: str, key: str | None) -> OutgoingRecord:
    # The decoder refuses such a reply_to already; this is the last line, where every record is built.
    if envelope.kind == Kind.REPLY and not is_reply_topic(topic):
        raise NotAReplyTopic("a reply may only be written to a reply topic (<prefix>replies.<client>)")
    headers = {
        "content-type": "application/json",
        "message_id": str(envelope.message_id),
        TYPE_HEADER: envelope.type,
        VERSION_HEADER: str(envelope.version),
        "kind": envelope.kind.value,
        "correlation_id": str(envelope.correlation_id),
    }
    telemetry.inject(headers)  # the trace of the message being handled, if any
    return OutgoingRecord(
        topic=topic,
        key=key,
        value=envelope.model_dump_json().encode(),
        headers=headers,
        message_id=str(envelope.message_id),
    )


@dataclass
class DecodeFailure(Exception):
    """Why a received record cannot be handled, in reply form."""

    code: str
    message: str
    field_errors: list[FieldError] = field(default_factory=list)
    envelope: Envelope | None = None
    reply_to: str | None = None


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Where and why, never what: pydantic's messages are used without the input, and any card
    number a message might still quote (a custom validator's, say) is masked."""
    found = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = mask_card_numbers(".".join(str(p) for p in err["loc"]))  # a dict key is part of loc
        found.append(
            FieldError(
                field=f"{prefix}{loc}" if loc else prefix.rstrip("."),
                code=err["type"],
                message=mask_card_numbers(err["msg"])[:500],
            )
        )
    return found


def safe_type(type_: str) -> str:
    """A request's type as it may be echoed (replies' request_type, dead letters' messages): a
    well-formed type without anything shaped like a card number, else ``unknown``."""
    if re.fullmatch(TYPE_PATTERN, type_) and mask_card_numbers(type_) == type_:
        return type_
    return "unknown"


def _reply_to(raw: Any, topic_prefix: str | None) -> str | None:
    """The record's reply topic. One that is not a reply topic of this deployment is refused:
    no reply can be sent, so the record is dead-lettered with the reason, and nothing is written
    to the topic it named."""
    value = raw.get("reply_to") if isinstance(raw, dict) else None
    if value is None or (isinstance(value, str) and is_reply_topic(value, topic_prefix)):
        return value
    raise DecodeFailure(
        errors.INVALID,
        "reply_to is not a reply topic; no reply can be sent",
        [FieldError(field="reply_to", code="invalid_reply_topic", message=REPLY_TOPIC_RULE)],
    )


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two "role" keys in one actor: which one counts depends on the parser. Refused, not guessed.
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _DuplicateKey("an object has the same key twice")
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse(value: bytes) -> Any:
    """Strict JSON: UTF-8 without a byte order mark, no duplicate keys, no NaN or Infinity."""
    if value.startswith(codecs.BOM_UTF8) or json.detect_encoding(value) != "utf-8":
        raise DecodeFailure(errors.UNDECODABLE, "not JSON: must be UTF-8 without a byte order mark")
    try:
        return json.loads(value.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise DecodeFailure(errors.UNDECODABLE, "not JSON: invalid UTF-8") from None
    except ValueError as exc:  # the parser's message says where it stopped, quoting no input; ours name the rule
        raise DecodeFailure(errors.UNDECODABLE, f"not JSON: {exc}") from None
    except RecursionError:
        # A few hundred kilobytes of "[[[[..." nest deeper than the parser's recursion limit; left
        # uncaught it looked like a handler crash: retried, then dead-lettered as internal_error.
        raise DecodeFailure(errors.UNDECODABLE, "not JSON: nested too deeply") from None


def decode(value: bytes | None, expected: set[Kind], topic_prefix: str | None = None) -> tuple[Envelope, Message]:
    """Decode and validate a record into its envelope and typed payload, or raise DecodeFailure.

    ``topic_prefix`` is the deployment's: a reply_to must be ``<topic_prefix>replies.<client>``
    (None accepts any deployment's reply topic)."""
    if not value:
        raise DecodeFailure(errors.UNDECODABLE, "empty message")
    if len(value) > MAX_MESSAGE_BYTES:
        raise DecodeFailure(errors.UNDECODABLE, f"message larger than {MAX_MESSAGE_BYTES} bytes")
    raw = _parse(value)
    reply_to = _reply_to(raw, topic_prefix)
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise DecodeFailure(errors.UNDECODABLE, "not a valid envelope", field_errors(exc), reply_to=reply_to) from None
    cls = message_class(envelope.type, envelope.version)
    if cls is None or cls.KIND not in expected or envelope.kind != cls.KIND:
        raise DecodeFailure(
            errors.UNKNOWN_MESSAGE_TYPE,
            f"{safe_type(envelope.type)} v{envelope.version} ({envelope.kind}) is not handled here",
            envelope=envelope,
            reply_to=envelope.reply_to,
        )
    return envelope, _payload(cls, envelope, value)


def _payload(cls: type[Message], envelope: Envelope, value: bytes) -> Message:
    suspect = _MAYBE_UNSTORABLE.search(value) is not None
    unsafe = [
        FieldError(field=f"payload.{where}" if where else "payload", code="invalid_character", message=why)
        for where, why in (_unstorable_text(envelope.payload) if suspect else [])
    ]
    if unsafe:
        raise DecodeFailure(
            errors.INVALID,
            f"{envelope.type} v{envelope.version} is invalid",
            unsafe,
            envelope=envelope,
            reply_to=envelope.reply_to,
        )
    try:
        # Strict, as JSON: no "1" or true for a number, no "true" or 1 for a boolean. Decimal money
        # as a JSON string, UUIDs and timestamps as text are what JSON has, and stay accepted.
        payload = cls.model_validate_json(json.dumps(envelope.payload), strict=True)
    except ValidationError as exc:
        raise DecodeFailure(
            errors.INVALID,
            f"{envelope.type} v{envelope.version} is invalid",
            field_errors(exc, "payload."),
            envelope=envelope,
            reply_to=envelope.reply_to,
        ) from None
    return payload


_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Valid JSON can carry NUL or a lone surrogate only as a \u escape: where none is in the UTF-8
# bytes, the walk below cannot find anything and is skipped (it was ~40 % of decoding an event).
# (Only UTF-8 gets this far: _parse refuses UTF-16 and UTF-32, whose escapes this could not see.)
_MAYBE_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _unstorable_text(node: Any, where: str = "") -> list[tuple[str, str]]:
    """Strings no service can store or send on: NUL (PostgreSQL text cannot hold it) and lone
    surrogates (no UTF-8 form; JSON lets them through as \\ud800 escapes). Left to the handlers,
    they failed inside a database call, were retried and dead-lettered as internal_error."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}" if where else str(key)
            found += _unstorable_text(key, path) + _unstorable_text(value, path)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _unstorable_text(value, f"{where}.{i}" if where else str(i))
    elif isinstance(node, str):
        if "\x00" in node:
            found.append((where, "must not contain the NUL character"))
        elif _SURROGATE.search(node):
            found.append((where, "must not contain a lone UTF-16 surrogate"))
    return found


# --- redaction -------------------------------------------------------------------------------

_SECRET_KEYS = re.compile(
    r"password|passwd|secret|challenge_answer|card_?number|cvv|cvc|token|authorization|^pan$", re.I
)

redact_text = mask_card_numbers
"""Mask every run of digits that contains something shaped like a card number (13-19 digits
passing Luhn). Over-masking a dead letter is cheap; leaking a card number is not."""


def _redact_json(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            redact_text(str(k)): ("[REDACTED]" if _SECRET_KEYS.search(str(k)) and v is not None else _redact_json(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_redact_json(v) for v in node]
    if isinstance(node, str):
        return redact_text(node)
    return node


def redact(value: bytes | None, limit: int = 64 * 1024) -> str:
    """What of a bad message may be kept in a dead-letter topic: secrets and card numbers masked,
    in strings, object keys and numbers alike (a card number sent as a JSON number is one too)."""
    if not value:
        return ""
    try:
        text = json.dumps(_redact_json(json.loads(value)))
    except (UnicodeDecodeError, ValueError, RecursionError):
        text = value.decode("utf-8", errors="replace")
    # Masked whole, then cut: a cut through a card number must not leave a shorter one behind.
    return redact_text(text)[:limit]
