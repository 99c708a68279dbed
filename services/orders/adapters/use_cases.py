"""A use case as a message handler of the runtime: the message's context becomes the unit of work
the use case sees (the same connection, transaction, clock, actor and outbox)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar

from services.orders.adapters.deps import Ctx
from services.orders.adapters.unit_of_work import PostgresUnitOfWork
from services.orders.application.unit_of_work import UnitOfWork

M = TypeVar("M")
R = TypeVar("R")


def uow_of(ctx: Ctx) -> UnitOfWork:
    return PostgresUnitOfWork(ctx)


def handler(use_case: Callable[[UnitOfWork, M], Awaitable[R]]) -> Callable[[Ctx, M], Awaitable[R]]:
    @functools.wraps(use_case)
    async def handle(ctx: Ctx, message: M) -> R:
        return await use_case(PostgresUnitOfWork(ctx), message)

    return handle
