"""The batch subscribers poll without FastStream's idle sleep (services/runtime/fetching.py)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from faststream.kafka.subscriber.usecase import BatchSubscriber

from services.runtime import fetching


class Consumer:
    def __init__(self, batches: list[dict[str, list[str]]]) -> None:
        self.batches = batches
        self.calls: list[dict[str, Any]] = []

    async def getmany(self, **kwargs: Any) -> dict[str, list[str]]:
        self.calls.append(kwargs)
        return self.batches.pop(0)


class Subscriber:
    batch_timeout_ms = 100
    max_records = 60


async def _no_sleep(*args: Any) -> None:
    raise AssertionError("the subscriber slept after an empty poll")


async def test_an_empty_poll_returns_at_once_and_records_come_in_partition_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fetching.drop_idle_sleep()
    monkeypatch.setattr(anyio, "sleep", _no_sleep)
    consumer = Consumer([{}, {"p0": ["a", "b"], "p1": ["c"]}])
    get_msg = BatchSubscriber.get_msg

    assert await get_msg(Subscriber(), consumer) == ()  # type: ignore[arg-type]
    assert await get_msg(Subscriber(), consumer) == ("a", "b", "c")  # type: ignore[arg-type]
    assert consumer.calls == [{"timeout_ms": 100, "max_records": 60}] * 2
