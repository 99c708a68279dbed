"""What every service's PostgreSQL unit of work shares: it is a view of the one transaction the
dispatcher opened for the message being handled, never a transaction of its own.

The dispatcher commits the inbox claim, the handler's writes and the outbox rows together or not
at all; that is what makes a redelivered message harmless. So a unit of work does not begin or
commit anything: it hands the use case the message's clock, its verified actor and the outbox
(``emit``), and each service adds its repositories on ``self.ctx.conn``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Generic, TypeVar

from contracts.envelope import Actor, Event
from services.runtime.handling import Context

D = TypeVar("D")


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
