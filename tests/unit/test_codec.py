from __future__ import annotations

import json
import uuid

import pytest

from contracts import errors
from contracts.envelope import Actor, Envelope, Kind, Role
from contracts.orders import PlaceOrderV1
from services.runtime.codec import DecodeFailure, decode, encode, redact, redact_text

ACTOR = Actor(agent_id="csr-1", role=Role.CSR)


def _order() -> PlaceOrderV1:
    return PlaceOrderV1(
        customer_id=uuid.uuid4(), currency="usd", lines=[{"sku": "A-1", "quantity": 1, "unit_price": "9.99"}]
    )


def test_encoded_command_decodes_to_the_same_typed_payload() -> None:
    command = _order()
    record = encode(Envelope.wrap(command, actor=ACTOR, reply_to="replies.csr"), "orders.commands", "k")

    envelope, payload = decode(record.value, {Kind.COMMAND})

    assert payload == command
    assert envelope.reply_to == "replies.csr"
    assert record.headers["type"] == "PlaceOrder"
    assert record.headers["version"] == "1"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", errors.UNDECODABLE),
        (b"\xff\xfe", errors.UNDECODABLE),
        (b"[1, 2]", errors.UNDECODABLE),
        (b'{"type": "PlaceOrder"}', errors.UNDECODABLE),
        (b"x" * 600_000, errors.UNDECODABLE),
        (b"[" * 100_000 + b"]" * 100_000, errors.UNDECODABLE),  # deeper than the parser's recursion limit
        (b'{"payload": ' * 50_000 + b"1" + b"}" * 50_000, errors.UNDECODABLE),
    ],
)
def test_undecodable_input_is_refused_with_a_reason(raw: bytes, code: str) -> None:
    with pytest.raises(DecodeFailure) as failure:
        decode(raw, {Kind.COMMAND})
    assert failure.value.code == code


def test_unknown_type_and_version_are_refused_but_keep_the_reply_address() -> None:
    envelope = Envelope.wrap(_order(), actor=ACTOR, reply_to="replies.my").model_dump(mode="json")
    envelope["version"] = 99

    with pytest.raises(DecodeFailure) as failure:
        decode(json.dumps(envelope).encode(), {Kind.COMMAND})

    assert failure.value.code == errors.UNKNOWN_MESSAGE_TYPE
    assert failure.value.reply_to == "replies.my"


def test_an_event_sent_to_a_command_topic_is_not_a_command() -> None:
    envelope = Envelope.wrap(_order(), actor=ACTOR).model_dump(mode="json") | {"kind": "event"}
    with pytest.raises(DecodeFailure) as failure:
        decode(json.dumps(envelope).encode(), {Kind.COMMAND})
    assert failure.value.code == errors.UNKNOWN_MESSAGE_TYPE


def test_invalid_payload_lists_every_bad_field() -> None:
    envelope = Envelope.wrap(_order(), actor=ACTOR).model_dump(mode="json")
    envelope["payload"]["currency"] = "XXZ"
    envelope["payload"]["lines"][0]["quantity"] = 0

    with pytest.raises(DecodeFailure) as failure:
        decode(json.dumps(envelope).encode(), {Kind.COMMAND})

    assert failure.value.code == errors.INVALID
    fields = {e.field for e in failure.value.field_errors}
    assert fields == {"payload.currency", "payload.lines.0.quantity"}


@pytest.mark.parametrize(
    ("value", "where"),
    [("a\x00b", "payload.lines.0.sku"), ("\ud800", "payload.lines.0.sku"), ({"\x00": 1}, "payload.lines.0.sku.\x00")],
)
def test_text_no_service_can_store_is_invalid_where_it_sits(value: object, where: str) -> None:
    envelope = Envelope.wrap(_order(), actor=ACTOR, reply_to="replies.my").model_dump(mode="json")
    envelope["payload"]["lines"][0]["sku"] = value

    with pytest.raises(DecodeFailure) as failure:
        decode(json.dumps(envelope).encode(), {Kind.COMMAND})  # ensure_ascii: "\ud800" travels as an escape

    assert failure.value.code == errors.INVALID and failure.value.reply_to == "replies.my"
    assert [(e.field, e.code) for e in failure.value.field_errors] == [(where, "invalid_character")]


@pytest.mark.parametrize("escape", ["\\u0000", "\\uDBFF", "\\udc00"])
def test_the_fast_path_still_sees_escapes(escape: str) -> None:
    """decode skips the walk for NUL and surrogates when the bytes hold no such escape."""
    envelope = Envelope.wrap(_order(), actor=ACTOR).model_dump(mode="json")
    envelope["payload"]["lines"][0]["sku"] = "SKU"
    text = json.dumps(envelope).replace('"SKU"', f'"A{escape}B"')

    with pytest.raises(DecodeFailure) as failure:
        decode(text.encode(), {Kind.COMMAND})

    assert [(e.field, e.code) for e in failure.value.field_errors] == [("payload.lines.0.sku", "invalid_character")]


def test_an_escaped_backslash_before_u0000_is_ordinary_text() -> None:
    envelope = Envelope.wrap(_order(), actor=ACTOR).model_dump(mode="json")
    envelope["payload"]["lines"][0]["description"] = "A\\u0000B"  # a backslash, then "u0000": no NUL

    _, payload = decode(json.dumps(envelope).encode(), {Kind.COMMAND})

    assert payload.lines[0].description == "A\\u0000B"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "order 3 4111 1111 1111 1111",
        "378282246310005",
    ],
)
def test_card_numbers_are_masked_wherever_they_sit(text: str) -> None:
    masked = redact_text(f"card: {text}!")
    assert "[REDACTED-PAN]" in masked
    assert "1111 1111" not in masked
    assert "4111111111111111" not in masked


@pytest.mark.parametrize("text", ["2026-11-27", "order 100000", "+1 555 010 1234", "1234567890123"])
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert redact_text(text) == text


def test_secret_fields_are_masked_in_json() -> None:
    raw = json.dumps(
        {
            "payload": {
                "password": "hunter2",
                "card_number": "4111111111111111",
                "company": "Acme",
                "note": "card 4111111111111111",
            }
        }
    ).encode()
    kept = json.loads(redact(raw))
    assert kept["payload"]["password"] == "[REDACTED]"
    assert kept["payload"]["card_number"] == "[REDACTED]"
    assert kept["payload"]["company"] == "Acme"
    assert kept["payload"]["note"] == "card [REDACTED-PAN]"
