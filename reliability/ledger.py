"""Every command the load sent: its id, whether it was accepted, and what the sender expects to
follow from it. The sender is at-least-once: a command that gets no reply in time is published
again with the SAME message id until a reply arrives (the services answer repeats with the first
reply)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from contracts.envelope import Command
from csr.client.errors import ClientError
from reliability.cluster import AgentClient

SERVICE_OF_TOPIC = {
    "customers.commands": "customers",
    "orders.commands": "orders",
    "notifications.commands": "notifications",
}


@dataclass
class CommandRecord:
    message_id: uuid.UUID
    type: str
    service: str
    agent: str
    sent_at: float
    attempts: int = 0
    outcome: str = "unknown"  # accepted | rejected | unknown (no reply before the give-up time)
    code: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    replied_at: float | None = None


class Ledger:
    def __init__(self, give_up_s: float = 240.0) -> None:
        self.records: list[CommandRecord] = []
        self.give_up_s = give_up_s
        self.resends = 0

    async def send(self, client: AgentClient, command: Command, **meta: Any) -> CommandRecord:
        record = CommandRecord(
            message_id=uuid.uuid4(),
            type=command.TYPE,
            service=SERVICE_OF_TOPIC[command.TOPIC],
            agent=client.agent_id,
            sent_at=time.monotonic(),
            meta=meta,
        )
        self.records.append(record)
        deadline = record.sent_at + self.give_up_s
        while time.monotonic() < deadline:
            record.attempts += 1
            if record.attempts > 1:
                self.resends += 1
            try:
                reply = await client.send(command, message_id=record.message_id, timeout=15, attempts=3)
            except (ClientError, OSError):  # ReplyTimeout, BrokerUnavailable: same id again
                await asyncio.sleep(1.0)
                continue
            record.outcome = "accepted" if reply.accepted else "rejected"
            record.code = reply.code
            record.result = reply.result or {}
            record.replied_at = time.monotonic()
            break
        return record

    def accepted(self, type_: str | None = None) -> list[CommandRecord]:
        return [r for r in self.records if r.outcome == "accepted" and (type_ is None or r.type == type_)]

    def counts(self) -> dict[str, Counter[str]]:
        by_type: dict[str, Counter[str]] = {}
        for r in self.records:
            by_type.setdefault(r.type, Counter())[r.outcome] += 1
        return by_type
