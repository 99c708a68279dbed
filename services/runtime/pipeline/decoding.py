"""Stage 1: records to typed messages with their handlers; the rest dead-lettered and answered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import ConsumerRecord

from contracts import errors
from contracts.envelope import FieldError, Kind
from services.runtime.codec import TYPE_HEADER, VERSION_HEADER, DecodeFailure, decode, message_class
from services.runtime.pipeline.items import Item, Records

Refuse = Callable[[ConsumerRecord[Any, Any], DecodeFailure], Awaitable[None]]


class Decoder:
    def __init__(self, service: str, refuse: Refuse, topic_prefix: str | None = None) -> None:
        self.service = service
        self.refuse = refuse
        self.topic_prefix = topic_prefix  # a reply_to must be <topic_prefix>replies.<client>

    async def decode_all(
        self, records: Records, kind: Kind, handlers: dict[Any, Any], quiet_unknown: bool = False
    ) -> list[Item]:
        """Typed messages with their handlers; the rest dead-lettered and answered."""
        items: list[Item] = []
        for record in records:
            if quiet_unknown and named_but_not_handled(record, handlers):
                continue
            try:
                envelope, message = decode(record.value, {kind}, self.topic_prefix)
                handler = handlers.get(type(message))
                if handler is None and not quiet_unknown:
                    raise DecodeFailure(
                        errors.UNKNOWN_MESSAGE_TYPE,
                        f"{envelope.type} is not handled by {self.service}",
                        envelope=envelope,
                        reply_to=envelope.reply_to,
                    )
                if kind == Kind.EVENT and envelope.actor is None:
                    # Only commands and queries may leave the actor to their access token; an
                    # event names who caused it (the service that published it verified that).
                    missing = FieldError(field="actor", code="missing", message="an event names its actor")
                    raise DecodeFailure(errors.UNDECODABLE, "not a valid envelope", [missing], envelope=envelope)
            except DecodeFailure as failure:
                if quiet_unknown and failure.code == errors.UNKNOWN_MESSAGE_TYPE:
                    continue  # a newer producer's event: not ours to understand yet, not an error
                await self.refuse(record, failure)
                continue
            if handler is not None:
                items.append(Item(record, envelope, message, handler))
        return items


def named_but_not_handled(record: ConsumerRecord[Any, Any], handlers: dict[Any, Any]) -> bool:
    """An event whose headers name a known message this service has no handler for: skipped
    without parsing it. Most of what arrives on orders.events is for fulfilment (OrderReleasedV1
    carries every line and the address), and decoding it only to drop it was a full validation
    per order in each of the two other services. Missing, unknown or unreadable headers: decoded
    as before. A header that lies can only make a service skip what it was sent, which whoever can
    write an events topic can do anyway."""
    named = dict(record.headers or ())
    try:
        cls = message_class(named[TYPE_HEADER].decode(), int(named[VERSION_HEADER]))
    except (KeyError, ValueError, UnicodeDecodeError):
        return False
    return cls is not None and cls.KIND == Kind.EVENT and cls not in handlers
