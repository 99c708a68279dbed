"""Readers of events and replies ignore fields they do not know; commands and queries refuse them.

The situation: a newer producer adds an optional field to an event (the same version, as the
contracts allow), and a consumer built from the older contracts reads it. It must decode the event
as before, not dead-letter it. Each test builds the record the newer producer would send (the
golden example, which is what the current class writes, plus fields the class does not know) and
decodes it the way every service does (``services.runtime.codec.decode``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from contracts import errors
from contracts.envelope import Actor, Envelope, Kind, Message, ReplyV1, Role
from contracts.orders import OrderUpdatedV1, PlaceOrderV1
from contracts.registry import all_messages
from services.runtime.codec import DecodeFailure, decode
from tests.contracts.test_golden import golden_path

ACTOR = Actor(agent_id="orders-service", role=Role.SYSTEM)
EVENTS = sorted((c for c in all_messages().values() if c.KIND == Kind.EVENT), key=lambda c: c.__name__)
NEWER = {"loyalty_tier": "gold", "gift_wrap": {"paper": "red"}}  # what a newer producer added


def golden(cls: type[Message]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(golden_path(cls).read_text())
    return loaded


def record(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope).encode()


def envelope_of(cls: type[Message], payload: dict[str, Any]) -> dict[str, Any]:
    wrapped = Envelope.wrap(cls.model_validate(golden(cls)), actor=ACTOR).model_dump(mode="json")
    wrapped["payload"] = payload
    return wrapped


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.__name__)
def test_an_older_consumer_reads_an_event_with_a_field_it_does_not_know(cls: type[Message]) -> None:
    older = cls.model_validate(golden(cls))

    _, read = decode(record(envelope_of(cls, {**golden(cls), **NEWER})), {Kind.EVENT})

    assert read == older


def test_unknown_fields_are_ignored_at_any_depth_of_an_event() -> None:
    payload = golden(OrderUpdatedV1)
    payload["lines"][0]["ship_to"]["address"]["county"] = "Sangamon"  # inside a nested value type
    payload["lines"][0]["carbon_footprint_kg"] = "1.2"
    envelope = envelope_of(OrderUpdatedV1, payload)
    envelope["trace_parent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"  # envelope, top level
    envelope["actor"]["display_name"] = "Orders"

    parsed_envelope, read = decode(record(envelope), {Kind.EVENT})

    assert read == OrderUpdatedV1.model_validate(golden(OrderUpdatedV1))
    assert parsed_envelope.actor == ACTOR


def test_a_reply_with_a_field_the_client_does_not_know_is_read() -> None:
    reply = ReplyV1(request_id=uuid.uuid4(), request_type="GetOrder", status="accepted", result={"x": 1})
    wire = Envelope.wrap(reply, actor=ACTOR).model_dump(mode="json")
    wire["payload"]["retry_after_s"] = 5
    wire["payload"]["field_errors"] = [{"field": "f", "code": "c", "message": "m", "hint": "newer"}]
    wire["served_by"] = "orders-7"

    envelope = Envelope.model_validate_json(record(wire))
    read = ReplyV1.model_validate(envelope.payload)

    assert read.request_id == reply.request_id and read.result == {"x": 1}
    assert read.field_errors[0].code == "c"


def test_a_command_with_a_field_its_class_does_not_know_is_still_refused() -> None:
    command = PlaceOrderV1.model_validate(golden(PlaceOrderV1))
    wire = Envelope.wrap(command, actor=ACTOR, reply_to="replies.r").model_dump(mode="json")
    wire["payload"]["coupon_cod"] = "TYPO"

    with pytest.raises(DecodeFailure) as raised:
        decode(record(wire), {Kind.COMMAND})

    assert raised.value.code == errors.INVALID
    assert [(e.field, e.code) for e in raised.value.field_errors] == [("payload.coupon_cod", "extra_forbidden")]


def test_a_command_envelope_with_an_unknown_field_is_still_refused() -> None:
    command = PlaceOrderV1.model_validate(golden(PlaceOrderV1))
    wire = Envelope.wrap(command, actor=ACTOR, reply_to="replies.r").model_dump(mode="json")
    wire["reply-to"] = "typo"

    with pytest.raises(DecodeFailure) as raised:
        decode(record(wire), {Kind.COMMAND})

    assert raised.value.code == errors.UNDECODABLE
    assert [e.code for e in raised.value.field_errors] == ["extra_forbidden"]


def test_a_producer_building_an_event_in_code_is_still_told_of_a_typo() -> None:
    with pytest.raises(ValueError, match="extra"):
        OrderUpdatedV1(**{**golden(OrderUpdatedV1), "chnage": "typo"})  # mypy catches it too
