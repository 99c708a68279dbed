"""Stand-ins for the pipeline's Kafka side in tests that drive the dispatcher directly: every
record it would publish (direct replies, dead letters) is kept instead, all acknowledged."""

from __future__ import annotations

import json
from typing import Any

from services.runtime.codec import OutgoingRecord


class Sent:
    """Stands in for the Kafka producer and the relay (``wake``): the outbox itself is read from the
    database by the tests that need it."""

    def __init__(self) -> None:
        self.records: list[OutgoingRecord] = []

    async def send_batch(self, records: list[OutgoingRecord]) -> None:
        self.records += records

    async def send(self, record: OutgoingRecord) -> None:
        self.records.append(record)

    async def send_each(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        self.records += records
        return [None for _ in records]

    def wake(self) -> None:
        pass

    def replies(self, topic: str | None = None) -> list[dict[str, Any]]:
        """The payloads sent to ``topic``, or to any topic but a dead-letter one."""
        wanted = [r for r in self.records if (r.topic == topic if topic else not r.topic.endswith(".dlq"))]
        return [json.loads(r.value)["payload"] for r in wanted]
