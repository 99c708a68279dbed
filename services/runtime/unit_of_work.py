"""What every service's PostgreSQL unit of work shares: it is a view of the one transaction the
dispatcher opened for the message being handled, never a transaction of its own.

The dispatcher commits the inbox claim, the handler's writes and the outbox rows together or not
at all; that is what makes a redelivered message harmless. So a unit of work does not begin or
commit anything: it hands the use case the message's clock, its verified actor and the outbox
(``emit``), and each service adds its repositories on ``self.ctx.conn``."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Generic, TypeVar

from contracts.envelope import Actor, Event
from services.runtime.handling import Context

D = TypeVar("D")
U = TypeVar("U")
M = TypeVar("M")
R = TypeVar("R")


class MessageUnitOfWork(Generic[D]):
    def __init__(self, ctx: Context[D]) -> None:
        self.ctx = ctx

    @property
    def now(self) -> datetime:
        """The message's clock: one instant for everything a message does."""
        return self.ctx.now

    @property
    def actor(self) -> Actor:
        """The verified actor (from the access token, or the event's own)."""
        return self.ctx.actor

    @property
    def message_id(self) -> uuid.UUID:
        return self.ctx.envelope.message_id

    @property
    def correlation_id(self) -> uuid.UUID:
        return self.ctx.envelope.correlation_id

    def emit(self, event: Event) -> None:
        """An event into the outbox, committed with the transaction or not at all."""
        self.ctx.emit(event)


class UseCases(Generic[D, U]):
    """A service's use cases as the runtime's message handlers, written once for the three services:
    ``u = UseCases(PostgresUnitOfWork)``, then ``h.command(X)(u(use_case))`` gives ``use_case`` a
    unit of work made by ``unit_of_work`` on the message's context (its transaction, clock, actor
    and outbox). The type checker holds the service's unit of work to what its use cases ask for."""

    def __init__(self, unit_of_work: Callable[[Context[D]], U]) -> None:
        self._unit_of_work = unit_of_work

    def __call__(self, use_case: Callable[[U, M], Awaitable[R]]) -> Callable[[Context[D], M], Awaitable[R]]:
        unit_of_work = self._unit_of_work

        @functools.wraps(use_case)  # the use case's name in tracebacks, logs and traces
        async def handle(ctx: Context[D], message: M) -> R:
            return await use_case(unit_of_work(ctx), message)

        return handle
