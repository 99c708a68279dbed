"""What the published documents (``docs/schemas``, ``docs/asyncapi``) say about each message: its
envelope's JSON Schema with ``type``, ``version`` and ``kind`` as constants, who may send it
(``x-allowed-roles``: the very ``ALLOWED_ROLES`` the services authorize with), what it is keyed
by (``x-partition-key``: its :class:`~contracts.envelope.PartitionKey`), and, for a command or
query, the typed schema of its reply (the accepted result, or the rejection with its codes).

Nothing here is written twice: each fact is read from the message class the services use.
"""

from __future__ import annotations

import functools
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, create_model

from contracts import errors
from contracts.customers.errors import CUSTOMER_ERROR_DESCRIPTIONS
from contracts.envelope import (
    Command,
    Envelope,
    FieldError,
    Kind,
    Message,
    Query,
    ReplyV1,
    Role,
    TolerantReader,
    typed_envelope,
)
from contracts.notifications.errors import NOTIFICATION_ERROR_DESCRIPTIONS
from contracts.orders.errors import ORDER_ERROR_DESCRIPTIONS

Request = Command | Query

TOLERANT_NOTE = (
    "Readers of events and replies ignore fields they do not know, at any depth (the envelope's too): "
    "a producer may add an optional field without a new version. See docs/contract.md."
)
REPLY_ADDRESS = "<prefix>replies.<client>"
"""Where every reply goes: the topic the request's envelope names in ``reply_to``."""

_SERVICE_CODES: dict[str, dict[str, str]] = {
    "customers": CUSTOMER_ERROR_DESCRIPTIONS,
    "orders": ORDER_ERROR_DESCRIPTIONS,
    "notifications": NOTIFICATION_ERROR_DESCRIPTIONS,
}


def service_of(cls: type[Message]) -> str:
    """The service a message belongs to: the first part of its topic (``orders.commands``)."""
    return cls.TOPIC.split(".", 1)[0]


def is_request(cls: type[Message]) -> bool:
    return issubclass(cls, Command | Query)


def extensions(cls: type[Message]) -> dict[str, Any]:
    """The ``x-`` facts of one message, as both its JSON Schema and its AsyncAPI message carry them."""
    facts: dict[str, Any] = {"x-kind": cls.KIND.value, "x-topic": cls.TOPIC}
    if is_request(cls):
        facts["x-allowed-roles"] = allowed_roles(cls)
    facts["x-partition-key"] = cls.PARTITION_KEY.describe()
    newer = successor(cls)
    if newer is not None:
        facts["x-deprecated"] = f"use {newer.TYPE}V{newer.VERSION}; this version stays until no client sends it"
    return facts


def successor(cls: type[Message]) -> type[Message] | None:
    """The next version of a request, when there is one: the older is deprecated (kept side by side)."""
    from contracts.registry import all_messages  # the registry imports every message module

    newer = all_messages().get((cls.TYPE, cls.VERSION + 1))
    return newer if newer is not None and is_request(cls) else None


def allowed_roles(cls: type[Message]) -> list[str]:
    """The roles whose access token may send ``cls``: what the services' authorization checks."""
    roles: frozenset[Role] = getattr(cls, "ALLOWED_ROLES", frozenset())
    return sorted(role.value for role in roles)


# --- JSON Schemas ------------------------------------------------------------------------------


def message_schema(cls: type[Message]) -> dict[str, Any]:
    """The JSON Schema of ``cls``'s whole envelope, as published in ``docs/schemas/<Type>V<n>.json``."""
    schema = typed_envelope(cls).model_json_schema(mode="validation")
    _constants(schema, cls.TYPE, cls.VERSION, cls.KIND)
    schema.update(extensions(cls))
    if "x-deprecated" in schema:
        schema["deprecated"] = True
    if not issubclass(cls, TolerantReader):
        return schema
    return {**tolerant(schema), "$comment": TOLERANT_NOTE}


def reply_schema(cls: type[Message]) -> dict[str, Any]:
    """The JSON Schema of the reply to request ``cls`` (``docs/schemas/<Type>V<n>.reply.json``):
    a ``Reply`` v1 envelope whose payload is accepted with ``cls``'s typed result, or rejected."""
    schema = reply_envelope(cls).model_json_schema(mode="validation")
    _constants(schema, ReplyV1.TYPE, ReplyV1.VERSION, Kind.REPLY)
    schema["x-kind"] = Kind.REPLY.value
    schema["x-reply-to"] = f"{cls.TYPE}V{cls.VERSION}"
    schema["x-topic"] = REPLY_ADDRESS
    return {**tolerant(schema), "$comment": TOLERANT_NOTE}


def _constants(schema: dict[str, Any], type_: str, version: int, kind: Kind) -> None:
    """``type``, ``version`` and ``kind`` of one message's envelope are constants, not any string."""
    properties = schema["properties"]
    properties["type"] = {"const": type_, "title": "Type", "type": "string"}
    properties["version"] = {"const": version, "title": "Version", "type": "integer"}
    properties["kind"] = {"const": kind.value, "title": "Kind", "type": "string"}
    schema.get("$defs", {}).pop("Kind", None)


def tolerant(node: Any) -> Any:
    """The schema as a reader of events and replies applies it: unknown properties allowed. (The
    classes forbid them when an event is built in code, so a producer's typo is still caught.)"""
    if isinstance(node, dict):
        return {k: tolerant(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [tolerant(v) for v in node]
    return node


# --- typed replies -----------------------------------------------------------------------------


class _ReplyPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: uuid.UUID = Field(description="the request's message_id")


@functools.cache
def reply_envelope(cls: type[Message]) -> type[Envelope]:
    """The envelope of the reply to ``cls``, its payload typed: what the published reply schema shows.
    (Only for documents: services build :class:`~contracts.envelope.ReplyV1`, whose ``result`` is
    this model's accepted ``result`` dumped to JSON.)"""
    name = f"{cls.TYPE}V{cls.VERSION}"
    result = getattr(cls, "RESULT", None)
    # Types built at run time, for documents: Any keeps mypy from reading them as annotations.
    this_request: Any = Literal[cls.TYPE]
    accepted_status: Any = Literal["accepted"]
    rejected: Any = _rejected(service_of(cls))
    accepted = create_model(
        f"{name}Accepted",
        __base__=_ReplyPayload,
        __doc__=f"{name} was carried out (a command) or answered (a query); `result` says what came of it.",
        request_type=(this_request, Field(description="the request's type")),
        status=(accepted_status, ...),
        result=(result, ...) if result is not None else (None, None),
        code=(None, None),
        message=(None, None),
        field_errors=(list[FieldError], Field(default_factory=list, max_length=0)),
    )
    payload: Any = Annotated[accepted | rejected, Field(discriminator="status")]
    model: type[Envelope] = create_model(
        f"{name}ReplyEnvelope",
        __base__=Envelope,
        __doc__=f"The reply to {name}, on the topic its reply_to named ({REPLY_ADDRESS}).",
        reply_to=(None, None),
        payload=(payload, ...),
    )
    return model


@functools.cache
def _rejected(service: str) -> type[BaseModel]:
    """The rejection, one shape for every request of ``service``: only its codes differ per service."""
    status: Any = Literal["rejected"]
    codes: dict[str, JsonValue] = {**errors.DESCRIPTIONS, **_SERVICE_CODES.get(service, {})}
    model: type[BaseModel] = create_model(
        f"{service.capitalize()}Rejected",
        __base__=_ReplyPayload,
        __doc__=f"A request to the {service} service was refused: nothing it asked for was done.",
        request_type=(str, Field(description="the request's type, as its envelope named it")),
        status=(status, ...),
        result=(None, None),
        code=(
            str,
            Field(
                description="why, for a program: one of x-known-codes (a reader accepts others too)",
                json_schema_extra={"x-known-codes": codes},
            ),
        ),
        message=(str, Field(description="why, for a person; never echoes a secret or the refused value")),
        field_errors=(list[FieldError], Field(default_factory=list)),
    )
    return model
