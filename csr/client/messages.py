"""Every command and query of ``contracts`` as something a person can type.

The registry (``contracts.registry.all_messages``) is the only list: a message that lands in the
contracts is at once listed by ``csr messages`` and sendable with ``csr send``, validated here by
its own pydantic model before anything reaches Kafka, its secrets sealed on the way.

Values are given as ``field=text`` (pydantic converts text to numbers, decimals, ids, dates) or
``field:=json`` (lists, objects, numbers, ``null``); dotted paths reach into nested objects and
lists: ``address.city=Springfield``, ``lines.0.sku=TENT-2P``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from contracts.envelope import Command, Kind, Message, Query
from contracts.registry import all_messages
from contracts.sealing import NOT_SEALED, is_sealed
from csr.client.errors import InvalidInput, UnknownMessageType, UsageError

Path_ = tuple[str, ...]  # a field path; "*" stands for every item of a list or value of a map
_SEALED_PATTERN = "^sealed:v"  # any version (contracts.sealing.WIRE_PATTERN)
_NAME = re.compile(r"^(?P<type>[A-Za-z][A-Za-z0-9]*?)(?:[Vv](?P<version>[0-9]+))?$")


# --- finding a message -----------------------------------------------------------------------


def sendable() -> dict[tuple[str, int], type[Command] | type[Query]]:
    """Commands and queries: what a front end can send."""
    return {
        key: cls
        for key, cls in sorted(all_messages().items())
        if isinstance(cls, type) and issubclass(cls, (Command, Query))
    }


def split_name(name: str) -> tuple[str, int | None]:
    """``RegisterCustomerV1`` -> (``RegisterCustomer``, 1); ``RegisterCustomer`` -> (..., None)."""
    match = _NAME.match(name.strip())
    if not match:
        return name.strip(), None
    return match["type"], int(match["version"]) if match["version"] else None


def resolve(name: str, version: int | None = None) -> type[Command] | type[Query]:
    """The command or query called ``name`` (``RegisterCustomer``, ``registercustomer``,
    ``RegisterCustomerV1``); the newest version unless one is asked for."""
    wanted_type, named_version = split_name(name)
    version = version if version is not None else named_version
    candidates = {key: cls for key, cls in sendable().items() if key[0].lower() == wanted_type.lower()}
    if not candidates:
        if any(t.lower() == wanted_type.lower() for t, _ in all_messages()):
            raise UsageError(f"{wanted_type} is an event or a reply: only commands and queries can be sent")
        raise UnknownMessageType(name, _suggest(wanted_type))
    if version is None:
        return candidates[max(candidates)]
    for (_, v), cls in candidates.items():
        if v == version:
            return cls
    known = ", ".join(str(v) for _, v in sorted(candidates))
    raise UsageError(f"{wanted_type} has no version {version} (versions: {known})")


def _suggest(name: str) -> list[str]:
    names = sorted({t for t, _ in sendable()})
    by_lower = {n.lower(): n for n in names}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    contained = [n for low, n in by_lower.items() if name.lower() in low and n not in close]
    return [by_lower[c] for c in close] + contained[:3]


# --- reading what the user typed -------------------------------------------------------------


def load_payload(text: str | None) -> dict[str, Any]:
    """``--payload``: inline JSON, ``@file.json``, or ``@-`` for standard input."""
    if not text:
        return {}
    source = "the payload"
    if text.startswith("@"):
        source = text[1:]
        try:
            text = Path(source).read_text() if source != "-" else _stdin()
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{source} must be a JSON object of the message's fields")
    return data


def _stdin() -> str:
    import sys

    return sys.stdin.read()


def apply_sets(fields: dict[str, Any], assignments: Iterable[str]) -> dict[str, Any]:
    """Apply ``path=text`` and ``path:=json`` assignments to a copy of ``fields``."""
    result = json.loads(json.dumps(fields))
    for assignment in assignments:
        path, value = _parse_assignment(assignment)
        _assign(result, path, value, assignment)
    return dict(result)


def _parse_assignment(assignment: str) -> tuple[list[str], Any]:
    if "=" not in assignment:
        raise UsageError(f"--set {assignment!r}: write field=value (text) or field:=value (JSON)")
    path, value = assignment.split("=", 1)
    if path.endswith(":"):
        path = path[:-1]
        try:
            parsed: Any = json.loads(value)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--set {path}:=…: not valid JSON ({exc.msg})") from None
    else:
        parsed = value
    parts = path.strip().split(".")
    if not all(parts):
        raise UsageError(f"--set {assignment!r}: the field name is empty")
    return parts, parsed


def _assign(target: Any, path: list[str], value: Any, assignment: str) -> None:
    head, rest = path[0], path[1:]
    if isinstance(target, list):
        if not head.isdigit():
            raise UsageError(f"--set {assignment!r}: {head!r} is not a list index")
        index = int(head)
        if index > len(target):
            raise UsageError(f"--set {assignment!r}: index {index} skips items (the list has {len(target)})")
        if index == len(target):
            target.append({} if rest and not rest[0].isdigit() else [] if rest else None)
        if rest:
            if not isinstance(target[index], dict | list):
                target[index] = [] if rest[0].isdigit() else {}
            _assign(target[index], rest, value, assignment)
        else:
            target[index] = value
        return
    if not isinstance(target, dict):
        raise UsageError(f"--set {assignment!r}: cannot set a field inside a plain value")
    if not rest:
        target[head] = value
        return
    if not isinstance(target.get(head), dict | list):
        target[head] = [] if rest[0].isdigit() else {}
    _assign(target[head], rest, value, assignment)


# --- secrets ---------------------------------------------------------------------------------


def sealed_paths(model: type[BaseModel]) -> set[Path_]:
    """Where ``model`` holds sealed secrets (``SealedSecret`` fields), at any depth."""
    schema = model.model_json_schema(mode="validation")
    found: set[Path_] = set()
    _walk_schema(schema, schema.get("$defs", {}), (), found, set())
    return found


def _walk_schema(node: Any, defs: Mapping[str, Any], path: Path_, found: set[Path_], seen: set[str]) -> None:
    if not isinstance(node, dict):
        return
    if str(node.get("pattern", "")).startswith(_SEALED_PATTERN):
        found.add(path)
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        if name not in seen:  # a recursive model would otherwise never end
            _walk_schema(defs.get(name), defs, path, found, seen | {name})
    for combinator in ("anyOf", "oneOf", "allOf"):
        for option in node.get(combinator, []):
            _walk_schema(option, defs, path, found, seen)
    for name, prop in node.get("properties", {}).items():
        _walk_schema(prop, defs, (*path, name), found, seen)
    if isinstance(node.get("items"), dict):
        _walk_schema(node["items"], defs, (*path, "*"), found, seen)
    if isinstance(node.get("additionalProperties"), dict):
        _walk_schema(node["additionalProperties"], defs, (*path, "*"), found, seen)
    for value_schema in node.get("patternProperties", {}).values():
        _walk_schema(value_schema, defs, (*path, "*"), found, seen)


def seal_secrets(model: type[BaseModel], fields: dict[str, Any], seal: Callable[[str], str]) -> dict[str, Any]:
    """A copy of ``fields`` with every plain-text secret sealed; already sealed values are kept."""
    result = json.loads(json.dumps(fields))
    for path in sealed_paths(model):
        for container, key in _locate(result, path):
            value = container[key]
            if isinstance(value, str) and value and not is_sealed(value):
                container[key] = seal(value)
    return dict(result)


def _locate(node: Any, path: Path_) -> Iterator[tuple[Any, Any]]:
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        keys: Iterable[Any] = range(len(node)) if isinstance(node, list) else node if isinstance(node, dict) else ()
    else:
        keys = [head] if isinstance(node, dict) and head in node else []
    for key in list(keys):
        if rest:
            yield from _locate(node[key], rest)
        else:
            yield node, key


# --- building the message --------------------------------------------------------------------


def build(cls: type[Message], fields: dict[str, Any], seal: Callable[[str], str] | None = None) -> Message:
    """Validate ``fields`` with the message's own model, sealing secrets first.

    Raises :class:`InvalidInput` with one line per wrong field (never echoing what was typed:
    it may be a password)."""
    if seal is not None:
        fields = seal_secrets(cls, fields, seal)
    try:
        return cls.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(f"{cls.TYPE} v{cls.VERSION} is not valid:", friendly_errors(cls, exc)) from None


def friendly_errors(cls: type[BaseModel], exc: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "(message)"
        if error["type"] == "extra_forbidden":
            known = ", ".join(cls.model_fields) if len(error["loc"]) == 1 else "see `csr messages`"
            out.append((where, f"unknown field (fields: {known})"))
        elif error["type"] == "missing":
            out.append((where, "required"))
        elif error["type"] == NOT_SEALED:  # plain text where a sealed value belongs
            out.append((where, "must be sealed: give the plain value and a sealing public key"))
        else:
            out.append((where, str(error["msg"]).removeprefix("Value error, ")))
    return out


# --- describing messages ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    sealed: bool
    default: Any
    description: str | None


@dataclass(frozen=True)
class MessageSpec:
    type: str
    version: int
    kind: str
    topic: str
    roles: list[str]
    summary: str
    fields: list[FieldSpec]
    result: list[FieldSpec]
    parts: dict[str, list[FieldSpec]]  # nested objects the fields use (Address, PlacedLine...)

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "version": self.version,
            "kind": self.kind,
            "topic": self.topic,
            "roles": self.roles,
            "summary": self.summary,
            "fields": [f.__dict__ for f in self.fields],
            "result": [f.__dict__ for f in self.result],
            "parts": {name: [f.__dict__ for f in fields] for name, fields in self.parts.items()},
        }


def describe(cls: type[Message]) -> MessageSpec:
    roles = sorted(r.value for r in getattr(cls, "ALLOWED_ROLES", ()))
    result_model = getattr(cls, "RESULT", None)
    return MessageSpec(
        type=cls.TYPE,
        version=cls.VERSION,
        kind=cls.KIND.value,
        topic=cls.TOPIC,
        roles=roles,
        summary=(cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " "),
        fields=describe_fields(cls),
        result=describe_fields(result_model) if result_model is not None else [],
        parts=describe_parts(cls),
    )


def describe_parts(model: type[BaseModel]) -> dict[str, list[FieldSpec]]:
    schema = model.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    return {
        name: _fields_of(definition, defs) for name, definition in sorted(defs.items()) if definition.get("properties")
    }


def describe_fields(model: type[BaseModel]) -> list[FieldSpec]:
    schema = model.model_json_schema(mode="validation")
    return _fields_of(schema, schema.get("$defs", {}))


def _fields_of(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> list[FieldSpec]:
    required = set(schema.get("required", []))
    specs = []
    for name, prop in schema.get("properties", {}).items():
        kind = type_name(prop, defs)
        specs.append(
            FieldSpec(
                name=name,
                type=kind,
                required=name in required,
                sealed=kind.startswith("secret"),
                default=None if name in required else _jsonable(prop.get("default")),
                description=prop.get("description"),
            )
        )
    return specs


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None) | list | dict) else str(value)


def type_name(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    """A short, readable type: ``string``, ``uuid``, ``decimal``, ``list[PlacedLine]``, ``text|html``."""
    if "$ref" in prop:
        name = str(prop["$ref"]).rsplit("/", 1)[-1]
        target = defs.get(name, {})
        return "|".join(map(str, target["enum"])) if "enum" in target else name
    if "enum" in prop:
        return "|".join(map(str, prop["enum"]))
    if "const" in prop:
        return json.dumps(prop["const"])
    options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
    if options:
        kinds = {o.get("type") for o in options}
        if kinds == {"number", "string"}:
            return "decimal"
        optional = len(options) < len(prop.get("anyOf", []))
        return " | ".join(type_name(o, defs) for o in options) + ("?" if optional else "")
    kind = prop.get("type")
    if kind == "array":
        return f"list[{type_name(prop.get('items', {}), defs)}]"
    if kind == "object":
        extra = prop.get("additionalProperties") or next(iter(prop.get("patternProperties", {}).values()), None)
        return f"map[{type_name(extra, defs)}]" if isinstance(extra, dict) else "object"
    if kind == "string" and prop.get("format") in ("uuid", "date-time", "date", "email"):
        return str(prop["format"])
    if kind == "string" and str(prop.get("pattern", "")).startswith(_SEALED_PATTERN):
        return "secret"
    return str(kind or "any")


def catalog(kinds: Sequence[Kind] = (Kind.COMMAND, Kind.QUERY)) -> list[MessageSpec]:
    messages = sorted(all_messages().values(), key=lambda c: (c.TOPIC, c.TYPE, c.VERSION))
    return [describe(cls) for cls in messages if cls.KIND in kinds]
