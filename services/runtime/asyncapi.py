"""A service's AsyncAPI 3 document, from its handler table and the contracts: every command and
query is an operation the service receives, with its typed reply (``reply``: the topic its
envelope's ``reply_to`` names, the reply message of that request alone); every event it publishes
is an operation it sends; every event it follows, one it receives. Each message carries who may
send it (``x-allowed-roles``), what it is keyed by (``x-partition-key``, also as the Kafka
binding's ``key``) and the record headers.

``scripts/gen_docs.py`` writes the documents to ``docs/asyncapi/``; nothing there is hand-written.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from contracts.envelope import Command, Envelope, Event, Message, Query, typed_envelope
from contracts.published import REPLY_ADDRESS, TOLERANT_NOTE, extensions, reply_envelope, tolerant
from contracts.registry import all_messages
from contracts.topics import ALL_TOPICS
from services.runtime.codec import TYPE_HEADER, VERSION_HEADER
from services.runtime.handling import Handlers
from services.runtime.identity import AUTHORIZATION_HEADER

KAFKA_BINDING = "0.5.0"
REPLIES = "replies"
SCHEMAS = "#/components/schemas/"
PREFIX_NOTE = (
    "Topic names carry the deployment's topic prefix (OMS_TOPIC_PREFIX, empty by default): `<prefix>orders.commands`."
)


def document(name: str, description: str, handlers: Handlers[Any]) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of service ``name``."""
    requests: list[type[Command] | type[Query]] = [
        *sorted(handlers.commands, key=_key),
        *sorted(handlers.queries, key=_key),
    ]
    own = f"{name}.events"
    published = sorted((c for c in all_messages().values() if issubclass(c, Event) and own == c.TOPIC), key=_key)
    followed = sorted(handlers.events, key=_key)
    schemas = _schemas(requests, [*published, *followed])
    doc: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"CSR OMS {name} service",
            "version": "1",
            "description": f"{inspect.cleandoc(description)}\n\n{PREFIX_NOTE} {HEADERS_NOTE}",
        },
        "defaultContentType": "application/json",
        "servers": SERVERS,
        "channels": {},
        "operations": {},
        "components": {"messages": {}, "schemas": {**schemas, **HEADER_SCHEMAS}},
    }
    for request in requests:
        _request(doc, request)
    for event in published:
        _event(doc, event, action="send", operation=_name(event))
    for event in followed:
        _event(doc, event, action="receive", operation=f"follow{_name(event)}")
    return doc


def _key(cls: type[Message]) -> tuple[str, int]:
    return cls.TYPE, cls.VERSION


def _name(cls: type[Message]) -> str:
    return f"{cls.TYPE}V{cls.VERSION}"


# --- operations and messages -----------------------------------------------------------------


def _request(doc: dict[str, Any], cls: type[Command] | type[Query]) -> None:
    name = _name(cls)
    channel = _channel(doc, cls.TOPIC)
    channel["messages"][name] = _ref("#/components/messages/", name)
    doc["components"]["messages"][name] = _message(cls, f"{name}Envelope", _ref(SCHEMAS, "RequestHeaders"))
    replies = _channel(doc, REPLIES)
    reply = f"{name}Reply"
    replies["messages"][reply] = _ref("#/components/messages/", reply)
    doc["components"]["messages"][reply] = _reply_message(cls)
    doc["operations"][name] = {
        "action": "receive",
        "channel": _ref("#/channels/", cls.TOPIC),
        "messages": [_ref(f"#/channels/{cls.TOPIC}/messages/", name)],
        "title": f"{cls.TYPE} v{cls.VERSION}",
        "summary": _summary(cls),
        "description": _description(cls),
        "reply": {
            "address": {
                "location": "$message.payload#/reply_to",
                "description": f"The topic the request's envelope names in reply_to: {REPLY_ADDRESS}.",
            },
            "channel": _ref("#/channels/", REPLIES),
            "messages": [_ref(f"#/channels/{REPLIES}/messages/", reply)],
        },
        **{k: v for k, v in extensions(cls).items() if k != "x-topic"},
    }


def _event(doc: dict[str, Any], cls: type[Event], *, action: str, operation: str) -> None:
    name = _name(cls)
    channel = _channel(doc, cls.TOPIC)
    channel["messages"][name] = _ref("#/components/messages/", name)
    doc["components"]["messages"][name] = _message(cls, f"{name}Envelope", _ref(SCHEMAS, "RecordHeaders"))
    doc["operations"][operation] = {
        "action": action,
        "channel": _ref("#/channels/", cls.TOPIC),
        "messages": [_ref(f"#/channels/{cls.TOPIC}/messages/", name)],
        "title": f"{cls.TYPE} v{cls.VERSION}",
        "summary": _summary(cls),
        "description": _description(cls),
    }


def _message(cls: type[Message], schema: str, headers: dict[str, str]) -> dict[str, Any]:
    facts = extensions(cls)
    return {
        "name": _name(cls),
        "title": f"{cls.TYPE} v{cls.VERSION}",
        "summary": _summary(cls),
        "description": _description(cls),
        "contentType": "application/json",
        "headers": headers,
        "payload": _ref(SCHEMAS, schema),
        "correlationId": {"location": "$message.payload#/correlation_id"},
        "bindings": {"kafka": {"key": _key_schema(facts["x-partition-key"]), "bindingVersion": KAFKA_BINDING}},
        **facts,
    }


def _reply_message(cls: type[Message]) -> dict[str, Any]:
    name = _name(cls)
    return {
        "name": f"{name}Reply",
        "title": f"Reply to {cls.TYPE} v{cls.VERSION}",
        "summary": f"The one reply to {name}: accepted with its result, or rejected with a code.",
        "contentType": "application/json",
        "headers": _ref(SCHEMAS, "RecordHeaders"),
        "payload": _ref(SCHEMAS, f"{name}ReplyEnvelope"),
        "correlationId": {"location": "$message.payload#/correlation_id"},
        "bindings": {"kafka": {"key": _key_schema(None), "bindingVersion": KAFKA_BINDING}},
        "x-kind": "reply",
        "x-reply-to": name,
        "x-partition-key": None,
    }


def _key_schema(key: dict[str, Any] | None) -> dict[str, Any]:
    if key is None:
        return {"type": "null", "description": "no key: any partition"}
    if "constant" in key:
        return {"type": "string", "const": key["constant"], "description": "always this key"}
    fields = " or ".join(f"payload.{f}" for f in key["fields"])
    case = ", lower-cased" if key["lowercase"] else ""
    return {"type": "string", "description": f"{fields} (the first that is set{case}); no key when none is"}


def _channel(doc: dict[str, Any], topic: str) -> dict[str, Any]:
    channels: dict[str, Any] = doc["channels"]
    if topic not in channels:
        address = REPLY_ADDRESS if topic == REPLIES else topic
        channels[topic] = {
            "address": address,
            "title": topic,
            "description": _topic_description(topic),
            "messages": {},
            "bindings": {"kafka": {"topic": address, **_partitions(topic), "bindingVersion": KAFKA_BINDING}},
            "servers": [_ref("#/servers/", "development")],
        }
    channel: dict[str, Any] = channels[topic]
    return channel


def _partitions(topic: str) -> dict[str, int]:
    found = [spec.partitions for spec in ALL_TOPICS if spec.name == topic]
    return {"partitions": found[0]} if found else {}


def _topic_description(topic: str) -> str:
    if topic == REPLIES:
        return (
            "Replies: one per command or query, on the topic its envelope's reply_to names. One reply topic "
            "per client (`<prefix>replies.<client>`, client 1-100 of A-Z a-z 0-9 _ -), created by that client "
            f"(or by the deployment) before it sends; the services only write to it. {TOLERANT_NOTE}"
        )
    found = [spec.description for spec in ALL_TOPICS if spec.name == topic]
    base = found[0] if found else topic
    if topic.endswith(".events"):
        return f"{base}. {TOLERANT_NOTE}"
    return f"{base}. Each is answered on its reply_to topic; unknown fields are refused."


def _summary(cls: type[BaseModel]) -> str:
    """The docstring's first sentence."""
    first = _description(cls).split("\n\n", 1)[0].replace("\n", " ")
    return first.split(". ", 1)[0].removesuffix(".") + "."


def _description(cls: type[BaseModel]) -> str:
    """The class's docstring as plain text: reST's double back-quotes and roles read as Markdown."""
    text = inspect.cleandoc(cls.__doc__ or "")
    for role in (":class:", ":func:", ":meth:", ":attr:"):
        text = text.replace(role, "")
    return text.replace("``", "`")


def _ref(base: str, name: str) -> dict[str, str]:
    return {"$ref": base + name.replace("~", "~0").replace("/", "~1")}


# --- schemas ---------------------------------------------------------------------------------


def _schemas(requests: Iterable[type[Message]], events: Iterable[type[Event]]) -> dict[str, Any]:
    """Component schemas. Requests are strict; events and replies are read tolerantly, so their
    schemas allow unknown properties: a part both use (``Address``) is published twice when the
    two readings differ, the tolerant one named ``<Part>Read``."""
    requests = list(requests)
    strict = _generate([typed_envelope(c) for c in requests], [(c, f"{_name(c)}Envelope") for c in requests])
    readers = [typed_envelope(c) for c in events] + [reply_envelope(c) for c in requests]
    read = tolerant(_generate(readers, [(c, f"{_name(c)}Envelope") for c in events]))
    for cls in requests:
        _constants(read[f"{_name(cls)}ReplyEnvelope"], "Reply", 1, "reply")
    renamed = {n: f"{n}Read" for n, s in read.items() if n in strict and strict[n] != s}
    text = json.dumps(read)
    for old, new in renamed.items():
        text = text.replace(f'"{SCHEMAS}{old}"', f'"{SCHEMAS}{new}"')
    read = {renamed.get(n, n): s for n, s in json.loads(text).items()}
    published: dict[str, Any] = _asyncapi_discriminators({**strict, **read})
    return published


def _asyncapi_discriminators(node: Any) -> Any:
    """An AsyncAPI schema names its discriminator by the property's name alone (pydantic writes
    OpenAPI's ``{"propertyName": ..., "mapping": ...}``; ``oneOf`` already lists the choices)."""
    if isinstance(node, dict):
        return {
            k: v["propertyName"]
            if k == "discriminator" and isinstance(v, dict) and "propertyName" in v
            else _asyncapi_discriminators(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_asyncapi_discriminators(v) for v in node]
    return node


def _generate(models: list[type[Envelope]], messages: list[tuple[type[Message], str]]) -> dict[str, Any]:
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=SCHEMAS + "{model}")
    defs: dict[str, Any] = top.get("$defs", {})
    for cls, schema in messages:
        _constants(defs[schema], cls.TYPE, cls.VERSION, cls.KIND.value)
    defs.pop("Kind", None)
    return defs


def _constants(schema: dict[str, Any], type_: str, version: int, kind: str) -> None:
    properties = schema["properties"]
    properties["type"] = {"const": type_, "title": "Type", "type": "string"}
    properties["version"] = {"const": version, "title": "Version", "type": "integer"}
    properties["kind"] = {"const": kind, "title": "Kind", "type": "string"}


# --- headers, servers, security --------------------------------------------------------------

_UUID = {"type": "string", "format": "uuid"}
_COMMON_HEADERS: dict[str, Any] = {
    "content-type": {"type": "string", "const": "application/json", "description": "the value's media type"},
    "message_id": {**_UUID, "description": "the envelope's message_id (read when the value cannot be)"},
    TYPE_HEADER: {"type": "string", "description": "the envelope's type (`SubmitOrder`)"},
    VERSION_HEADER: {"type": "string", "pattern": "^[1-9][0-9]*$", "description": "the envelope's version, as text"},
    "kind": {"type": "string", "enum": ["command", "query", "event", "reply"], "description": "the envelope's kind"},
    "correlation_id": {**_UUID, "description": "the envelope's correlation_id"},
}
REQUEST_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": (
        "Record headers of a command or query. `authorization` is required: the actor is the verified token's; "
        "a request without a valid one is answered `unauthenticated`. The others are what the services write on "
        "every record; a client should send them too (the services read the envelope, and these headers only "
        "when the value cannot be read, to address the rejection)."
    ),
    "properties": {
        AUTHORIZATION_HEADER: {
            "type": "string",
            "pattern": "^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$",
            "description": "`Bearer <JWT>`: an access token of the deployment's OIDC issuer, with an OMS role",
        },
        **_COMMON_HEADERS,
    },
    "required": [AUTHORIZATION_HEADER],
}
RECORD_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "Record headers the services write on every event and reply; readers ignore unknown headers",
    "properties": _COMMON_HEADERS,
    "required": sorted(_COMMON_HEADERS),
}
HEADER_SCHEMAS = {"RequestHeaders": REQUEST_HEADERS, "RecordHeaders": RECORD_HEADERS}
HEADERS_NOTE = (
    "Every record's value is a JSON envelope; its headers are documented per message (`authorization: Bearer "
    "<JWT>` on every command and query)."
)
SERVERS: dict[str, Any] = {
    "development": {
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
        "description": (
            "The development stack (devstack); every deployment names its own brokers. The broker authenticates "
            "every client with SASL OAUTHBEARER (a client-credentials token of the deployment's OIDC issuer); "
            "ACLs say which topics each client may read and write."
        ),
    }
}
