"""The classes of hostile input an independent run broke, each refused or masked as a class:
reply topics, message ids, card numbers anywhere outside the sealed card field, strict JSON and
strict types, timestamps, line breaks. The end-to-end counterpart is tests/e2e/test_hostile_input.py
(cases in tests/support/hostile_cases.py)."""

from __future__ import annotations

import json
import re
import types
import typing
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from pydantic import AfterValidator, BaseModel, ValidationError

from contracts import errors
from contracts.common import CARD_NUMBER_IN_TEXT, MAX_INT, holds_card_number, mask_card_numbers
from contracts.customers import RegisterCustomerV1
from contracts.envelope import Actor, Envelope, Kind, Message, ReplyV1, Role
from contracts.orders import AddOrderCommentV1, PlaceOrderV1
from contracts.registry import all_messages
from contracts.topics import is_reply_topic, reply_topic
from csr.client import ConfigError, OmsClient
from services.notifications.adapters.smtp.mime import UnsafeHeader, compose
from services.runtime.codec import DecodeFailure, NotAReplyTopic, decode, encode, redact
from services.runtime.handling import Rejected
from services.runtime.replies import Letters
from tests.support.hostile import actor_for, golden, paths, replaced

ACTOR = Actor(agent_id="csr-1", role=Role.CSR)
PAN = "4111111111111111"
PAN_FORMS = [PAN, "4111 1111 1111 1111", "4111-1111-1111-1111", "card: 5555 5555 5555 4444 exp 12/29"]


def _document(cls: type[Message], payload: Any, **envelope: Any) -> dict[str, Any]:
    return {
        "message_id": str(uuid.uuid4()),
        "type": cls.TYPE,
        "version": cls.VERSION,
        "kind": cls.KIND.value,
        "occurred_at": datetime.now(UTC).isoformat(),
        "actor": actor_for(cls).model_dump(mode="json"),
        "reply_to": "replies.csr",
        "payload": payload,
    } | envelope


def _order_document(**envelope: Any) -> dict[str, Any]:
    order = PlaceOrderV1(
        customer_id=uuid.uuid4(), currency="USD", lines=[{"sku": "A-1", "quantity": 1, "unit_price": "9.99"}]
    )
    return _document(PlaceOrderV1, order.model_dump(mode="json"), **envelope)


def _refusal(document: Any, prefix: str | None = None, kind: Kind = Kind.COMMAND) -> DecodeFailure:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(DecodeFailure) as failure:
        decode(raw, {kind}, prefix)
    return failure.value


def _record(value: bytes, key: bytes | None = None) -> ConsumerRecord[Any, Any]:
    return ConsumerRecord("orders.commands", 0, 7, 0, 0, key, value, None, len(value), len(key or b""), [])


def _all_text(failure: DecodeFailure) -> str:
    return json.dumps([failure.message, [e.model_dump() for e in failure.field_errors]])


# --- 1. reply topics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "prefix"),
    [
        ("replies.csr", ""),
        ("replies.a-B_9", ""),
        ("t1.replies.csr", "t1."),
        ("bench.replies.x", "bench."),
        ("replies.x", None),
    ],
)
def test_a_reply_topic_of_the_deployment_is_accepted(topic: str, prefix: str | None) -> None:
    envelope, _ = decode(json.dumps(_order_document(reply_to=topic)).encode(), {Kind.COMMAND}, prefix)

    assert envelope.reply_to == topic


@pytest.mark.parametrize(
    ("topic", "prefix"),
    [
        (".", ""),
        ("orders.events", ""),
        ("customers.commands", ""),
        ("x.dlq", ""),
        ("orders.commands.dlq", ""),
        ("replies", ""),
        ("replies.", ""),
        ("replies.a.b", ""),
        ("replies.a\r\nb", ""),
        ("replies." + "a" * 101, ""),
        ("t1.replies.csr", ""),  # another deployment's
        ("replies.csr", "t1."),
        ("t2.replies.csr", "t1."),
        ("t1.orders.events", "t1."),
        ("../../etc/passwd", None),
        (7, None),
        ("", None),
    ],
)
def test_anything_else_is_refused_as_invalid_and_gets_no_reply(topic: Any, prefix: str | None) -> None:
    failure = _refusal(_order_document(reply_to=topic), prefix)

    assert failure.code == errors.INVALID and failure.reply_to is None
    assert [(e.field, e.code) for e in failure.field_errors] == [("reply_to", "invalid_reply_topic")]
    assert "replies.<client>" in failure.field_errors[0].message
    assert Letters("orders", prefix or "").failure_reply(_record(b"{}"), failure) is None


def test_no_reply_is_ever_written_to_a_topic_that_is_not_a_reply_topic() -> None:
    request = Envelope.wrap(
        PlaceOrderV1(
            customer_id=uuid.uuid4(), currency="USD", lines=[{"sku": "A-1", "quantity": 1, "unit_price": "1"}]
        ),
        actor=ACTOR,
    )
    hostile = request.model_copy(update={"reply_to": "orders.events"})  # past validation, as a bug could
    letters = Letters("orders", "")
    reply = letters.rejected(hostile, Rejected(errors.INVALID, "no"))

    assert letters.reply_records(hostile, reply) == []
    assert letters.reply_records(request.model_copy(update={"reply_to": "t9.replies.csr"}), reply) == []
    with pytest.raises(NotAReplyTopic):
        encode(reply, "orders.events", None)
    assert encode(reply, "replies.csr", None).topic == "replies.csr"


@pytest.mark.parametrize("topic", ["replies", "orders.events", "replies.a.b", "x.dlq"])
def test_a_client_listens_only_on_a_reply_topic(topic: str) -> None:
    with pytest.raises(ConfigError, match="replies"):
        OmsClient("127.0.0.1:9", reply_topic=topic)
    assert OmsClient("127.0.0.1:9", topic_prefix="t1.").reply_topic == "t1.replies.csr"


def test_reply_topics_are_built_by_the_rule() -> None:
    assert reply_topic("csr", "t1.") == "t1.replies.csr" and is_reply_topic("t1.replies.csr", "t1.")
    with pytest.raises(ValueError, match="replies"):
        reply_topic("a.b")


# --- 2. message ids ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Kind.COMMAND, Kind.QUERY, Kind.EVENT])
def test_an_envelope_without_a_message_id_is_refused(kind: Kind) -> None:
    cls = next(c for c in all_messages().values() if kind == c.KIND)
    document = _document(cls, golden(cls) if kind != Kind.EVENT else {})
    del document["message_id"]

    failure = _refusal(document, kind=kind)

    assert failure.code == errors.UNDECODABLE
    assert ("message_id", "missing") in [(e.field, e.code) for e in failure.field_errors]


def test_senders_still_get_a_message_id_from_wrap() -> None:
    assert Envelope.wrap(
        PlaceOrderV1(
            customer_id=uuid.uuid4(), currency="USD", lines=[{"sku": "A-1", "quantity": 1, "unit_price": "1"}]
        ),
        actor=ACTOR,
    ).message_id


# --- 3. card numbers -----------------------------------------------------------------------------


def _string_fields(
    annotation: Any, metadata: list[Any], path: str, seen: frozenset[type]
) -> list[tuple[str, list[Any]]]:
    """Every string field under ``annotation`` with its validators and constraints."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _string_fields(inner, [*metadata, *extra], path, seen)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return [found for a in args for found in _string_fields(a, metadata, path, seen)]
    if origin in (list, set, frozenset, tuple):
        return [found for a in typing.get_args(annotation) for found in _string_fields(a, [], f"{path}[]", seen)]
    if origin is dict:
        key, value = typing.get_args(annotation)
        return _string_fields(key, [], f"{path}{{key}}", seen) + _string_fields(value, [], f"{path}{{}}", seen)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return []
        return [
            found
            for name, info in annotation.model_fields.items()
            for found in _string_fields(info.annotation, list(info.metadata), f"{path}.{name}", seen | {annotation})
        ]
    if annotation is str or (isinstance(annotation, type) and annotation.__name__ == "EmailStr"):
        return [(path, metadata)]
    return []


def _validators(metadata: list[Any]) -> set[str]:
    return {m.func.__name__ for m in metadata if isinstance(m, AfterValidator)}


SHAPES = {"_currency", "_locale", "_postal"}  # cannot hold 13 digits
# Identifiers that may legitimately be long digit runs passing Luhn one time in ten: phone numbers
# (E.164, up to 15 digits), catalog codes (EAN-13 as SKU), carriers' shipment ids. Masked in dead
# letters and rejections like everything else; documented in docs/security.md.
NOT_CHECKED = {"phone", "mobile_phone", "sku", "shipment_id"}
REFERENCES = {"tracking_number", "serial_numbers"}  # contracts.common.Reference: carriers' and makers' numbers


def _requests() -> list[type[Message]]:
    return sorted(
        (c for c in all_messages().values() if c.KIND in (Kind.COMMAND, Kind.QUERY)), key=lambda c: c.__name__
    )


def test_every_text_field_of_every_command_and_query_refuses_card_numbers() -> None:
    unchecked = []
    for cls in _requests():
        for name, info in cls.model_fields.items():
            for path, metadata in _string_fields(info.annotation, list(info.metadata), name, frozenset()):
                checks = _validators(metadata)
                sealed = "_check_wire_form" in checks  # contracts.sealing.SealedSecret
                leaf = path.rsplit(".", 1)[-1].rstrip("[]")
                if "_no_card_number" in checks or sealed or checks & SHAPES or leaf in NOT_CHECKED | REFERENCES:
                    continue
                if any(getattr(m, "pattern", None) and not re.search(r"0-9|\\d", m.pattern) for m in metadata):
                    continue  # no digit can match (country codes)
                unchecked.append(f"{cls.__name__}.{path}")
    assert unchecked == []


def _string_paths(cls: type[Message]) -> list[tuple[tuple[str | int, ...], str]]:
    return [(path, value) for path, value in paths(golden(cls)) if isinstance(value, str)]


def _verdict(cls: type[Message], document: dict[str, Any]) -> DecodeFailure | None:
    try:
        decode(json.dumps(document).encode(), {cls.KIND})
    except DecodeFailure as failure:
        return failure
    return None


@pytest.mark.parametrize("cls", _requests(), ids=lambda c: c.__name__)
def test_a_card_number_in_any_text_field_is_refused_without_being_echoed(cls: type[Message]) -> None:
    for path, _ in _string_paths(cls):
        for form in PAN_FORMS:
            failure = _verdict(cls, _document(cls, replaced(golden(cls), path, form)))
            if failure is None:  # accepted: only where a card number cannot be told from a real value
                assert {str(p) for p in path[-2:]} & (NOT_CHECKED | REFERENCES), (cls.__name__, path, form)
                continue
            digits = "".join(ch for ch in form if ch.isdigit())[:16]
            text = _all_text(failure)
            assert digits not in text and form not in text, (path, failure)


def test_the_refusal_names_the_rule_and_the_field() -> None:
    comment = AddOrderCommentV1.model_validate(golden(AddOrderCommentV1)).model_dump(mode="json")
    failure = _refusal(_document(AddOrderCommentV1, comment | {"text": "card 4111 1111 1111 1111 exp 12/29"}))

    assert failure.code == errors.INVALID
    assert [(e.field, e.code) for e in failure.field_errors] == [("payload.text", CARD_NUMBER_IN_TEXT)]
    assert "Luhn" in failure.field_errors[0].message


@pytest.mark.parametrize("cls", _requests(), ids=lambda c: c.__name__)
def test_no_number_field_can_carry_a_card_number(cls: type[Message]) -> None:
    for path, value in paths(golden(cls)):
        if isinstance(value, int) and not isinstance(value, bool):
            _refusal(_document(cls, replaced(golden(cls), path, int(PAN))), kind=cls.KIND)


def test_every_integer_of_a_request_is_bounded() -> None:
    def bounded(metadata: list[Any]) -> bool:
        bounds = [getattr(m, "le", None) or getattr(m, "lt", None) for m in metadata]
        return any(b is not None and b <= MAX_INT + 1 for b in bounds)

    def unbounded(annotation: Any, metadata: list[Any], path: str, seen: frozenset[type]) -> list[str]:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            inner, *extra = typing.get_args(annotation)
            flat = [x for e in extra for x in ([e, *getattr(e, "metadata", [])])]
            return unbounded(inner, [*metadata, *flat], path, seen)
        if origin in (typing.Union, types.UnionType, list, set, frozenset, tuple, dict):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            keep = metadata if origin in (typing.Union, types.UnionType) else []
            return [p for a in args for p in unbounded(a, keep, path, seen)]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
            return [
                p
                for n, i in annotation.model_fields.items()
                for p in unbounded(i.annotation, list(i.metadata), f"{path}.{n}", seen | {annotation})
            ]
        return [path] if annotation is int and not bounded(metadata) else []

    found = [
        p
        for cls in _requests()
        for n, info in cls.model_fields.items()
        for p in unbounded(info.annotation, list(info.metadata), f"{cls.__name__}.{n}", frozenset())
    ]
    assert found == []
    assert MAX_INT < 10**12  # below the smallest card number


def test_an_unknown_type_holding_a_card_number_is_never_echoed() -> None:
    failure = _refusal(_order_document(type=f"X{PAN}"))
    reply = Letters("orders", "").failure_reply(_record(b"{}"), failure)
    letter = Letters("orders", "").dead_letter(_record(json.dumps(_order_document(type=f"X{PAN}")).encode()), failure)

    assert failure.code == errors.UNKNOWN_MESSAGE_TYPE and PAN not in failure.message
    assert reply is not None and PAN not in reply.value.decode()
    assert json.loads(reply.value)["payload"]["request_type"] == "unknown"
    assert PAN not in letter.value.decode()


def test_a_type_outside_the_pattern_is_not_an_envelope() -> None:
    assert _refusal(_order_document(type=PAN)).code == errors.UNDECODABLE
    assert _refusal(_order_document(type="Place Order")).code == errors.UNDECODABLE


def test_dead_letters_mask_card_numbers_in_numbers_keys_and_the_record_key() -> None:
    value = json.dumps({"amount": int(PAN), f"k{PAN}": 1, "list": [5555555555554444], "f": 4111111111111111.0})
    letter = Letters("orders", "").dead_letter(
        _record(value.encode(), key=PAN.encode()), DecodeFailure(errors.INVALID, f"bad {PAN}")
    )

    assert "4111" not in letter.value.decode() and "5555" not in letter.value.decode()
    assert letter.key is not None and PAN not in letter.key
    assert "4111" not in redact(PAN.encode()) and "4111" not in redact(b"{4111111111111111")


def test_handlers_rejections_are_masked_too() -> None:
    request = Envelope.wrap(
        PlaceOrderV1(
            customer_id=uuid.uuid4(), currency="USD", lines=[{"sku": "A-1", "quantity": 1, "unit_price": "1"}]
        ),
        actor=ACTOR,
    )
    rejection = Rejected.field(errors.NOT_FOUND, "payload.sku", f"no product {PAN}")

    reply = ReplyV1.model_validate(Letters("orders", "").rejected(request, rejection).payload)

    assert PAN not in reply.model_dump_json()


def test_what_is_masked_and_what_is_refused() -> None:
    assert holds_card_number("order 3 4111 1111 1111 1111") and holds_card_number("x5555555555554444y")
    assert not holds_card_number("9400111899223100012345")  # a tracking number: one run of 22 digits
    assert not holds_card_number("call 0123 456 789, order 1000009")
    assert "4111" not in mask_card_numbers("4111  1111  1111  1111")


# --- 4. strict input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(_order_document()).encode("utf-16"),
        json.dumps(_order_document()).encode("utf-16-le"),
        json.dumps(_order_document()).encode("utf-32"),
        b"\xef\xbb\xbf" + json.dumps(_order_document()).encode(),
    ],
    ids=["utf-16", "utf-16-le", "utf-32", "utf-8 with BOM"],
)
def test_json_must_be_utf_8_without_a_byte_order_mark(raw: bytes) -> None:
    failure = _refusal(raw)

    assert failure.code == errors.UNDECODABLE and "UTF-8" in failure.message


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        json.dumps(_order_document()).replace('"role": "csr"', '"role": "csr", "role": "supervisor"').encode(),
        json.dumps(_order_document())[:-1].encode() + b', "payload": {}}',
        json.dumps(_order_document()).replace('"quantity": 1', '"quantity": 1, "quantity": 1').encode(),
    ],
    ids=["top", "actor.role", "payload", "inside the payload"],
)
def test_duplicate_keys_at_any_depth_are_refused(raw: bytes) -> None:
    failure = _refusal(raw)

    assert failure.code == errors.UNDECODABLE and "same key twice" in failure.message


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(token: bytes) -> None:
    raw = json.dumps(_order_document()).encode().replace(b'"quantity": 1', b'"quantity": ' + token)

    assert _refusal(raw).code == errors.UNDECODABLE


@pytest.mark.parametrize(
    ("where", "value"),
    [("version", "1"), ("version", True), ("version", 1.0)],
)
def test_the_envelope_takes_no_coerced_numbers(where: str, value: Any) -> None:
    assert _refusal(_order_document(**{where: value})).code == errors.UNDECODABLE


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("lines", 0, "quantity"), "1"),
        (("lines", 0, "quantity"), True),
        (("lines", 0, "quantity"), 1.0),
    ],
)
def test_payload_numbers_are_not_coerced(path: tuple[str | int, ...], value: Any) -> None:
    document = _order_document()
    failure = _refusal(document | {"payload": replaced(document["payload"], path, value)})

    assert failure.code == errors.INVALID and failure.field_errors[0].field == "payload.lines.0.quantity"


def test_booleans_are_not_coerced() -> None:
    cls, flag = next(
        (c, k) for c in _requests() for k, v in golden(c).items() if isinstance(v, bool)
    )  # the first request with a boolean field
    for value in ("true", 1, "1"):
        failure = _refusal(_document(cls, golden(cls) | {flag: value}), kind=cls.KIND)
        assert failure.code == errors.INVALID and failure.field_errors[0].field == f"payload.{flag}"


def test_money_as_a_json_string_is_still_exact() -> None:
    document = _order_document()
    document["payload"]["lines"][0]["unit_price"] = "19.99"

    _, order = decode(json.dumps(document).encode(), {Kind.COMMAND})

    assert str(order.lines[0].unit_price) == "19.99"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "occurred_at",
    [
        "10000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",  # parses; overflows once converted to UTC
        "0001-01-01T00:00:00+01:00",
        "1999-12-31T23:59:59Z",
        (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        1700000000,
        True,
    ],
)
def test_occurred_at_must_be_a_sane_moment(occurred_at: Any) -> None:
    failure = _refusal(_order_document(occurred_at=occurred_at))

    assert failure.code == errors.UNDECODABLE
    assert [e.field for e in failure.field_errors] == ["occurred_at"]


def test_a_moment_a_little_ahead_is_a_skewed_clock_and_accepted() -> None:
    ahead = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    envelope, _ = decode(json.dumps(_order_document(occurred_at=ahead)).encode(), {Kind.COMMAND})

    assert envelope.occurred_at > datetime.now(UTC)


LINE_BREAKS = ["\r", "\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def test_every_line_break_str_splitlines_knows_is_listed() -> None:
    assert {ch for ch in map(chr, range(0x110000)) if len(f"a{ch}b".splitlines()) > 1} == set(LINE_BREAKS)


@pytest.mark.parametrize("brk", LINE_BREAKS)
def test_single_line_fields_refuse_every_line_break(brk: str) -> None:
    base = golden(RegisterCustomerV1)
    with pytest.raises(ValidationError) as refused:
        RegisterCustomerV1.model_validate(base | {"first_name": f"Jane{brk}Bcc: victim@example.com"})

    assert [e["loc"] for e in refused.value.errors()] == [("first_name",)]


@pytest.mark.parametrize("brk", LINE_BREAKS)
def test_no_header_of_an_e_mail_can_hold_a_line_break(brk: str) -> None:
    with pytest.raises(UnsafeHeader):
        compose(
            sender="shop@example.com",
            to="jane@example.com",
            subject=f"Your order{brk}Bcc: victim@example.com",
            message_id="<1@example.com>",
            date="Mon, 07 Dec 2026 10:00:00 +0000",
            language="en",
            text="hello",
            html=None,
        )
