"""Between Kafka records and envelopes: encoding, decoding with precise errors, and the redaction
applied before anything received is copied to a dead-letter topic."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from contracts import errors
from contracts.envelope import Envelope, FieldError, Kind, Message
from contracts.registry import all_messages

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


def encode(envelope: Envelope, topic: str, key: str | None) -> OutgoingRecord:
    headers = {
        "content-type": "application/json",
        "message_id": str(envelope.message_id),
        TYPE_HEADER: envelope.type,
        VERSION_HEADER: str(envelope.version),
        "kind": envelope.kind.value,
        "correlation_id": str(envelope.correlation_id),
    }
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
    found = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"])
        found.append(
            FieldError(field=f"{prefix}{loc}" if loc else prefix.rstrip("."), code=err["type"], message=err["msg"])
        )
    return found


def _best_effort_reply_to(raw: Any) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("reply_to")
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9._-]{1,249}", value):
            return value
    return None


def decode(value: bytes | None, expected: set[Kind]) -> tuple[Envelope, Message]:
    """Decode and validate a record into its envelope and typed payload, or raise DecodeFailure."""
    if not value:
        raise DecodeFailure(errors.UNDECODABLE, "empty message")
    if len(value) > MAX_MESSAGE_BYTES:
        raise DecodeFailure(errors.UNDECODABLE, f"message larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        raw = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeFailure(errors.UNDECODABLE, f"not JSON: {exc}") from None
    except RecursionError:
        # A few hundred kilobytes of "[[[[..." nest deeper than the parser's recursion limit; left
        # uncaught it looked like a handler crash: retried, then dead-lettered as internal_error.
        raise DecodeFailure(errors.UNDECODABLE, "not JSON: nested too deeply") from None
    reply_to = _best_effort_reply_to(raw)
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise DecodeFailure(errors.UNDECODABLE, "not a valid envelope", field_errors(exc), reply_to=reply_to) from None
    cls = message_class(envelope.type, envelope.version)
    if cls is None or cls.KIND not in expected or envelope.kind != cls.KIND:
        raise DecodeFailure(
            errors.UNKNOWN_MESSAGE_TYPE,
            f"{envelope.type} v{envelope.version} ({envelope.kind}) is not handled here",
            envelope=envelope,
            reply_to=envelope.reply_to,
        )
    suspect = json.detect_encoding(value) != "utf-8" or _MAYBE_UNSTORABLE.search(value) is not None
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
        payload = cls.model_validate(envelope.payload)
    except ValidationError as exc:
        raise DecodeFailure(
            errors.INVALID,
            f"{envelope.type} v{envelope.version} is invalid",
            field_errors(exc, "payload."),
            envelope=envelope,
            reply_to=envelope.reply_to,
        ) from None
    return envelope, payload


_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Valid JSON can carry NUL or a lone surrogate only as a \u escape: where none is in the UTF-8
# bytes, the walk below cannot find anything and is skipped (it was ~40 % of decoding an event).
# (json.loads also takes UTF-16 and UTF-32, whose escapes this pattern cannot see: always walked.)
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
_DIGIT_RUN = re.compile(r"(?:\d[ -]?){12,}\d")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _holds_pan(digits: str) -> bool:
    # A card number may sit inside a longer run of digits ("order 3 4111 1111 ..."), so every
    # 13-19 digit window is checked, not only the whole run.
    return any(
        _luhn_ok(digits[start : start + size]) for size in range(13, 20) for start in range(len(digits) - size + 1)
    )


def redact_text(text: str) -> str:
    """Mask every run of digits that contains something shaped like a card number (13-19 digits
    passing Luhn). Over-masking a dead letter is cheap; leaking a card number is not."""

    def mask(match: re.Match[str]) -> str:
        return "[REDACTED-PAN]" if _holds_pan(re.sub(r"\D", "", match.group())) else match.group()

    return _DIGIT_RUN.sub(mask, text)


def _redact_json(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: ("[REDACTED]" if _SECRET_KEYS.search(str(k)) and v is not None else _redact_json(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_redact_json(v) for v in node]
    if isinstance(node, str):
        return redact_text(node)
    return node


def redact(value: bytes | None, limit: int = 64 * 1024) -> str:
    """What of a bad message may be kept in a dead-letter topic: secrets and card numbers masked."""
    if not value:
        return ""
    try:
        return json.dumps(_redact_json(json.loads(value)))[:limit]
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return redact_text(value[:limit].decode("utf-8", errors="replace"))
