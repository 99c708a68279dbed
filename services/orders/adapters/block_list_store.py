"""The block list of typed holds in PostgreSQL (migrations/008_holds_and_claims.sql): all its SQL.
Values arrive normalized (domain/risk.py), so equality is the comparison."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.orders.adapters.deps import Ctx
from services.orders.domain.risk import BlockListEntry


class PgBlockList:
    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def matching(self, values: Sequence[tuple[str, str]]) -> list[BlockListEntry]:
        if not values:
            return []
        rows = await self._ctx.conn.fetch(
            "SELECT entry_id, kind, value FROM order_block_list"
            " WHERE (kind, value) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY added_at, entry_id",
            [k for k, _ in values],
            [v for _, v in values],
        )
        return [BlockListEntry(r["entry_id"], r["kind"], r["value"]) for r in rows]

    async def get(self, entry_id: uuid.UUID) -> BlockListEntry | None:
        row = await self._ctx.conn.fetchrow(
            "SELECT entry_id, kind, value FROM order_block_list WHERE entry_id = $1 FOR UPDATE", entry_id
        )
        return BlockListEntry(row["entry_id"], row["kind"], row["value"]) if row else None

    async def add(self, entry: BlockListEntry, note: str) -> bool:
        added = await self._ctx.conn.fetchval(
            "INSERT INTO order_block_list (entry_id, kind, value, note, added_by, added_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING entry_id",
            entry.entry_id,
            entry.kind,
            entry.value,
            note,
            self._ctx.actor.agent_id,
            self._ctx.now,
        )
        return added is not None

    async def remove(self, entry_id: uuid.UUID) -> list[uuid.UUID]:
        await self._ctx.conn.execute("DELETE FROM order_block_list WHERE entry_id = $1", entry_id)
        rows = await self._ctx.conn.fetch(
            "DELETE FROM order_block_list_holds WHERE entry_id = $1 RETURNING order_id", entry_id
        )
        return sorted(r["order_id"] for r in rows)

    async def holds(self, entry_id: uuid.UUID, order_id: uuid.UUID) -> None:
        await self._ctx.conn.execute(
            "INSERT INTO order_block_list_holds (entry_id, order_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            entry_id,
            order_id,
        )
