"""Builds an example of any message from its pydantic fields, so every new message gets a golden
file without hand-writing one. Field-name hints cover the constrained strings (currencies,
locales, e-mail addresses, sealed secrets...); a message the builder cannot satisfy needs its golden
file written by hand."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
import uuid
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

SEALED = "sealed:v1:" + "A" * 86
HINTS: dict[str, Any] = {
    "logon_id": "jane.doe",
    "email": "jane.doe@example.com",
    "to": "jane.doe@example.com",
    "cc": "jane.doe@example.com",
    "phone": "+1 555 010 1234",
    "currency": "USD",
    "preferred_currency": "USD",
    "language": "en-US",
    "preferred_language": "en-US",
    "locale": "en-US",
    "postal_code": "62701",
    "zip": "62701",
    "country": "US",
    "password": SEALED,
    "new_password": SEALED,
    "challenge_answer": SEALED,
    "card_number": SEALED,
    "sealed_card_number": SEALED,
    "sealed_temporary_password": SEALED,
    "sku": "TENT-2P",
    "order_number": "1000009",
    "reply_to": "replies.csr",
    "email_format": "html",
    "format": "html",
    "code": "satisfied",
}


def example(cls: type[BaseModel], *, optional: bool = True) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if not field.is_required() and not optional:
            continue
        alias = field.alias or name
        values[alias] = (
            HINTS[name] if name in HINTS and not _is_model(field.annotation) else _value(field.annotation, name)
        )
    return values


def _is_model(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated, list):
        return any(_is_model(a) for a in typing.get_args(annotation))
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _value(annotation: Any, name: str) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _value(args[0], name)
    if origin in (typing.Union, types.UnionType):
        return _value(next(a for a in args if a is not type(None)), name)
    if origin is typing.Literal:
        return args[0]
    if origin in (list, tuple, set, frozenset, typing.Sequence):
        return [_value(args[0], name)] if args else []
    if origin is dict:
        return {"key": _value(args[1], name)}
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return example(annotation)
        if issubclass(annotation, enum.Enum):
            return next(iter(annotation)).value
        if issubclass(annotation, bool):
            return False
        if issubclass(annotation, int):
            return 1
        if issubclass(annotation, Decimal | float):
            return "10.00"
        if issubclass(annotation, uuid.UUID):
            return str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        if issubclass(annotation, dt.datetime):
            return "2026-11-27T10:00:00Z"
        if issubclass(annotation, dt.date):
            return "2026-12-01"
        if issubclass(annotation, str):
            return HINTS.get(name, "example")
    if annotation is typing.Any:
        return "example"
    return "example"
