"""The published contract says what the code does (issue 15): every command and query has a typed
reply in its JSON Schema and an AsyncAPI ``reply``; every message's ``type``, ``version`` and
``kind`` are constants; ``x-allowed-roles`` is what the services authorize with; the partition key
is what the producers key by; every header the services write is documented; and the schemas
accept the golden examples and real replies, and refuse what the services would refuse."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

from contracts.envelope import Command, Envelope, Event, Message, Query, ReplyV1
from contracts.registry import all_messages
from services.customers.app import create_service as customers
from services.notifications.app import create_service as notifications
from services.orders.app import create_service as orders
from services.runtime.codec import encode
from services.runtime.handling import Rejected
from services.runtime.replies import Letters
from tests.contracts.examples import example

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GOLDEN = Path(__file__).parent / "golden"
SERVICES = {s.name: s for s in (customers(), orders(), notifications())}
MESSAGES = sorted(all_messages().values(), key=lambda c: (c.TYPE, c.VERSION))
REQUESTS = [c for c in MESSAGES if issubclass(c, Command | Query)]


def _name(cls: type[Message]) -> str:
    return f"{cls.TYPE}V{cls.VERSION}"


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / "schemas" / f"{name}.json").read_text())
    return loaded


def _asyncapi(service: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / "asyncapi" / f"{service}.json").read_text())
    return loaded


def _errors(schema: dict[str, Any], document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def _golden(cls: type[Message]) -> Message:
    return cls.model_validate(json.loads((GOLDEN / f"{_name(cls)}.json").read_text()))


def _result(model: type[BaseModel]) -> dict[str, Any]:
    """An example result, as the service dumps it (all fields when the builder can fill them)."""
    try:
        return model.model_validate(example(model)).model_dump(mode="json")
    except ValidationError:
        return model.model_validate(example(model, optional=False)).model_dump(mode="json")


def _request_envelope(cls: type[Message]) -> Envelope:
    return Envelope.wrap(_golden(cls), reply_to="replies.conformance")


# --- every operation has its typed reply ------------------------------------------------------


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_command_and_query_operation_has_its_reply(service: str) -> None:
    document = _asyncapi(service)
    handlers = SERVICES[service].handlers
    requests = [*handlers.commands, *handlers.queries]
    assert requests
    replies = document["channels"]["replies"]
    assert replies["address"] == "<prefix>replies.<client>"
    for cls in requests:
        operation = document["operations"][_name(cls)]
        assert operation["action"] == "receive"
        reply = operation["reply"]
        assert reply["address"]["location"] == "$message.payload#/reply_to"
        assert reply["channel"] == {"$ref": "#/channels/replies"}
        assert reply["messages"] == [{"$ref": f"#/channels/replies/messages/{_name(cls)}Reply"}]
        message = document["components"]["messages"][f"{_name(cls)}Reply"]
        assert message["payload"] == {"$ref": f"#/components/schemas/{_name(cls)}ReplyEnvelope"}
    operations_with_reply = {n for n, op in document["operations"].items() if "reply" in op}
    assert operations_with_reply == {_name(c) for c in requests}  # events have none


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_event_the_service_publishes_or_follows_is_an_operation(service: str) -> None:
    document = _asyncapi(service)
    sent = {n for n, op in document["operations"].items() if op["action"] == "send"}
    own = {_name(c) for c in MESSAGES if issubclass(c, Event) and f"{service}.events" == c.TOPIC}
    assert sent == own
    followed = {f"follow{_name(c)}" for c in SERVICES[service].handlers.events}
    assert followed <= set(document["operations"])


# --- constants, roles, keys ---------------------------------------------------------------------


@pytest.mark.parametrize("cls", MESSAGES, ids=_name)
def test_every_message_schema_has_constant_type_version_kind_and_requires_message_id(cls: type[Message]) -> None:
    schema = _schema(_name(cls))
    properties = schema["properties"]
    assert properties["type"]["const"] == cls.TYPE
    assert properties["version"]["const"] == cls.VERSION
    assert properties["kind"]["const"] == cls.KIND.value
    assert "message_id" in schema["required"]
    assert schema["x-partition-key"] == cls.PARTITION_KEY.describe()


def test_x_allowed_roles_are_the_roles_the_services_authorize_with() -> None:
    """The dispatcher refuses a request whose token's role is not in its class's ALLOWED_ROLES
    (services/runtime/pipeline/authorization.py): the documents must list exactly those."""
    checked = 0
    for service, definition in SERVICES.items():
        document = _asyncapi(service)
        for cls in [*definition.handlers.commands, *definition.handlers.queries]:
            authorized = sorted(role.value for role in cls.ALLOWED_ROLES)
            assert _schema(_name(cls))["x-allowed-roles"] == authorized, cls
            assert document["components"]["messages"][_name(cls)]["x-allowed-roles"] == authorized, cls
            assert document["operations"][_name(cls)]["x-allowed-roles"] == authorized, cls
            checked += 1
    assert checked == len(REQUESTS)  # every command and query is some service's


def _documented_key(key: dict[str, Any] | None, payload: dict[str, Any]) -> str | None:
    """``x-partition-key`` applied as a client in another language reads it."""
    if key is None:
        return None
    if "constant" in key:
        return str(key["constant"])
    for field in key["fields"]:
        if payload.get(field):
            text = str(payload[field])
            return text.lower() if key["lowercase"] else text
    return None


@pytest.mark.parametrize("cls", MESSAGES, ids=_name)
def test_the_documented_partition_key_is_what_the_producer_keys_by(cls: type[Message]) -> None:
    message = _golden(cls)
    documented = _schema(_name(cls))["x-partition-key"]
    payload = message.model_dump(mode="json")

    assert _documented_key(documented, payload) == message.partition_key()
    for field in (documented or {}).get("fields", []):
        assert field in cls.model_fields, f"{_name(cls)} is keyed by {field}, which it does not have"


def test_commands_and_events_are_keyed_and_queries_are_not() -> None:
    unkeyed = [_name(c) for c in MESSAGES if issubclass(c, Command | Event) and c.PARTITION_KEY.describe() is None]
    keyed_queries = [_name(c) for c in MESSAGES if issubclass(c, Query) and c.PARTITION_KEY.describe() is not None]
    assert keyed_queries == []
    # A command without a key lands on any partition: its aggregate's messages could overtake each other.
    assert unkeyed == [], f"commands or events without a partition key: {unkeyed}"


# --- headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_header_the_services_write_is_documented(service: str) -> None:
    written = set(encode(Envelope.wrap(_golden(REQUESTS[0])), "orders.commands", None).headers)
    document = _asyncapi(service)
    schemas = document["components"]["schemas"]
    for message in document["components"]["messages"].values():
        headers = schemas[message["headers"]["$ref"].rsplit("/", 1)[-1]]
        assert written <= set(headers["properties"]), message["name"]
        if message["x-kind"] in ("command", "query"):
            assert "authorization" in headers["required"]
    contract = (DOCS / "contract.md").read_text()
    for header in [*written, "authorization"]:
        assert f"`{header}`" in contract, f"docs/contract.md does not describe the {header} header"


# --- the schemas accept real messages and refuse wrong ones -----------------------------------------


@pytest.mark.parametrize("cls", MESSAGES, ids=_name)
def test_the_schema_accepts_the_golden_example_as_sent(cls: type[Message]) -> None:
    sent = _request_envelope(cls) if issubclass(cls, Command | Query) else Envelope.wrap(_golden(cls))
    schema = _schema(_name(cls))

    assert _errors(schema, sent.model_dump(mode="json")) == []
    wrong_type = {**sent.model_dump(mode="json"), "type": "SomethingElse"}
    assert _errors(schema, wrong_type) != []
    no_id = {k: v for k, v in sent.model_dump(mode="json").items() if k != "message_id"}
    assert _errors(schema, no_id) != []


@pytest.mark.parametrize("cls", REQUESTS, ids=_name)
def test_the_reply_schema_accepts_the_services_replies(cls: type[Command] | type[Query]) -> None:
    letters = Letters("orders", "")
    request = _request_envelope(cls)
    assert cls.RESULT is not None
    result = _result(cls.RESULT)
    schema = _schema(f"{_name(cls)}.reply")

    accepted = letters.accepted(request, result).model_dump(mode="json")
    rejected = letters.rejected(request, Rejected.field("invalid", "payload.x", "x is wrong")).model_dump(mode="json")

    assert _errors(schema, accepted) == []
    assert _errors(schema, rejected) == []
    assert schema["x-reply-to"] == _name(cls)


@pytest.mark.parametrize("cls", REQUESTS, ids=_name)
def test_the_reply_schema_types_the_result_and_the_rejection(cls: type[Command] | type[Query]) -> None:
    schema = _schema(f"{_name(cls)}.reply")
    request = _request_envelope(cls)
    base = ReplyV1(request_id=request.message_id, request_type=cls.TYPE, status="accepted", result={"unexpected": 1})
    accepted_wrong_result = Envelope.wrap(base).model_dump(mode="json")
    rejected_without_code = Envelope.wrap(
        ReplyV1(request_id=request.message_id, request_type=cls.TYPE, status="rejected", message="no")
    ).model_dump(mode="json")
    other_request = {**accepted_wrong_result}
    other_request["payload"] = {**other_request["payload"], "request_type": "NotThisOne"}

    assert _errors(schema, accepted_wrong_result) != []  # the result is typed, not any object
    assert _errors(schema, rejected_without_code) != []
    assert _errors(schema, other_request) != []


def test_a_reader_of_a_reply_accepts_a_field_added_by_a_newer_service() -> None:
    cls = REQUESTS[0]
    assert cls.RESULT is not None
    request = _request_envelope(cls)
    result = {**_result(cls.RESULT), "added_later": True}
    reply = Letters("orders", "").accepted(request, result).model_dump(mode="json")
    reply["payload"]["added_later"] = "yes"

    assert _errors(_schema(f"{_name(cls)}.reply"), reply) == []


def test_rejection_codes_are_listed_per_service() -> None:
    submit = _schema("SubmitOrderV1.reply")
    rejected = submit["$defs"]["OrdersRejected"]
    codes = rejected["properties"]["code"]["x-known-codes"]
    assert {"invalid", "forbidden", "unauthenticated", "incomplete_order"} <= set(codes)
    register = _schema("ChangePasswordV1.reply")
    rejected = register["$defs"]["CustomersRejected"]
    assert "password_policy" in rejected["properties"]["code"]["x-known-codes"]
    assert "incomplete_order" not in rejected["properties"]["code"]["x-known-codes"]


def test_request_ids_in_examples_are_uuids() -> None:
    # The reply's request_id is the request's message_id: both are UUIDs in every schema.
    schema = _schema("SubmitOrderV1.reply")
    accepted = next(s for n, s in schema["$defs"].items() if n.endswith("Accepted"))
    assert accepted["properties"]["request_id"]["format"] == "uuid"
    assert uuid.UUID(str(_request_envelope(REQUESTS[0]).message_id))
