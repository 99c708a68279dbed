"""A record whose header values are not UTF-8 still reaches the dispatcher (FastStream's parser
would raise on it, and the batch would fail again at every redelivery)."""

from __future__ import annotations

from typing import Any

from aiokafka import ConsumerRecord

from services.runtime.service import _lenient_headers


def _record(headers: list[tuple[str, bytes]]) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t", 0, 7, 0, 0, None, b"{}", None, 0, 2, headers)


async def _strict_parse(records: Any) -> list[dict[str, str]]:
    return [{k: v.decode() for k, v in r.headers} for r in records]  # what FastStream's batch parser does


async def test_binary_header_values_are_replaced_and_the_rest_kept() -> None:
    batch = (_record([("type", b"\xff\xfe"), ("message_id", b"abc")]), _record([("kind", b"command")]))

    parsed = await _lenient_headers(batch, _strict_parse)

    assert parsed == [{"type": "\ufffd\ufffd", "message_id": "abc"}, {"kind": "command"}]


async def test_records_with_clean_headers_are_passed_on_unchanged() -> None:
    record = _record([("kind", b"command")])
    seen: list[Any] = []

    async def keep(records: Any) -> None:
        seen.extend(records)

    await _lenient_headers((record,), keep)

    assert seen[0] is record
