"""Queries: read-only, answered straight away in a read-only transaction, never recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic

import asyncpg

from contracts.envelope import Envelope
from services.runtime.handling import Context, D, Rejected
from services.runtime.pipeline.items import Item
from services.runtime.pipeline.transaction import unstorable
from services.runtime.replies import Letters
from services.runtime.settings import ServiceSettings


class Answers(Generic[D]):
    def __init__(
        self, settings: ServiceSettings, pool: asyncpg.Pool, letters: Letters, deps: D, clock: Callable[[], datetime]
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.letters = letters
        self.deps = deps
        self.clock = clock

    async def answer(self, item: Item) -> Envelope:
        envelope = item.envelope
        if item.refusal is not None:  # decided at the gate (forbidden)
            return self.letters.rejected(envelope, item.refusal)
        async with self.pool.acquire() as conn:
            ctx: Context[D] = Context(conn, envelope, self.clock(), self.deps, self.settings)
            try:
                async with conn.transaction(readonly=True):
                    result = await item.handler(ctx, item.message)
            except Rejected as rejection:
                return self.letters.rejected(envelope, rejection)
            except asyncpg.DataError as exc:
                return self.letters.rejected(envelope, unstorable(envelope, exc))
        return self.letters.accepted(envelope, result.model_dump(mode="json"))
