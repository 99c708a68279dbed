"""Events a service has no handler for are skipped by their headers, before any parsing; anything
the headers do not vouch for is decoded (and dead-lettered when bad) as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord

from contracts.envelope import SYSTEM_ACTOR, Envelope, Kind
from contracts.orders import OrderPlacedV1, OrderReleasedV1
from services.runtime.codec import DecodeFailure, encode
from services.runtime.handling import Handlers
from services.runtime.pipeline.decoding import Decoder

GOLDEN = Path(__file__).resolve().parents[1] / "contracts" / "golden"


def record(value: bytes, headers: dict[str, str]) -> ConsumerRecord[Any, Any]:
    pairs = [(k, v.encode()) for k, v in headers.items()]
    return ConsumerRecord("orders.events", 0, 0, 0, 0, None, value, None, 0, len(value), pairs)


def encoded(cls: type[OrderPlacedV1] | type[OrderReleasedV1]) -> tuple[bytes, dict[str, str]]:
    event = cls.model_validate(json.loads((GOLDEN / f"{cls.__name__}.json").read_text()))
    out = encode(Envelope.wrap(event, actor=SYSTEM_ACTOR), "orders.events", None)
    return out.value, out.headers


class Refusals(Decoder):
    def __init__(self) -> None:
        self.handlers: Handlers[None] = Handlers()
        self.handlers.event(OrderPlacedV1)(self.on_placed)
        super().__init__("test", self.dead_letter)
        self.refused: list[str] = []

    async def on_placed(self, ctx: Any, event: OrderPlacedV1) -> None:
        raise AssertionError("not called by decoding")

    async def dead_letter(self, record: ConsumerRecord[Any, Any], failure: DecodeFailure) -> None:
        self.refused.append(failure.code)


async def test_an_unhandled_event_is_skipped_by_its_headers_without_being_parsed() -> None:
    d = Refusals()
    _, headers = encoded(OrderReleasedV1)

    items = await d.decode_all([record(b"not even JSON", headers)], Kind.EVENT, d.handlers.events, quiet_unknown=True)

    assert (items, d.refused) == ([], [])


async def test_a_handled_event_is_decoded_and_a_bad_one_without_headers_dead_lettered() -> None:
    d = Refusals()
    placed, placed_headers = encoded(OrderPlacedV1)
    released, _ = encoded(OrderReleasedV1)
    records = [
        record(placed, placed_headers),
        record(released, {}),  # no headers: decoded, then dropped quietly as unhandled
        record(b"not even JSON", {}),
        record(b"not even JSON", {"type": "OrderPlaced", "version": "1"}),  # handled here: decoded
        record(b"not even JSON", {"type": "Nonexistent", "version": "1"}),
        record(b"not even JSON", {"type": "OrderReleased", "version": "x"}),
    ]

    items = await d.decode_all(records, Kind.EVENT, d.handlers.events, quiet_unknown=True)

    assert [type(item.message) for item in items] == [OrderPlacedV1]
    assert d.refused == ["undecodable"] * 4
