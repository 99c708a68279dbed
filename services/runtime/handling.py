"""What a service's handlers see: a context with the transaction's connection, the actor, the
clock and the service's own dependencies; :class:`Rejected` to refuse; and the registry that maps
each message class to its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from contracts.envelope import Actor, Command, Envelope, Event, Query
from contracts.errors import Refused
from services.runtime.db import Connection
from services.runtime.settings import ServiceSettings

D = TypeVar("D")
C = TypeVar("C", bound=Command)
Q = TypeVar("Q", bound=Query)
E = TypeVar("E", bound=Event)


def actor_of(envelope: Envelope) -> Actor:
    """The actor of a message being handled. Commands and queries get their verified actor at the
    dispatcher's gate and events must name one, so a missing actor here is a bug, not bad input."""
    if envelope.actor is None:
        raise RuntimeError(f"{envelope.type} {envelope.message_id} reached a handler without a verified actor")
    return envelope.actor


# The runtime's name for a refusal; the class lives with the codes in the contracts so that a
# service's domain can refuse without knowing the runtime.
Rejected = Refused


@dataclass
class Context(Generic[D]):
    """One message being handled inside one PostgreSQL transaction."""

    conn: Connection
    envelope: Envelope
    now: datetime
    deps: D
    settings: ServiceSettings
    emitted: list[Event] = field(default_factory=list)
    # What the messages of one transaction may share (read once per batch, e.g. the discount
    # rules). Gone with the transaction, so a rollback cannot leave anything stale behind; a
    # handler that changes what is kept here clears it.
    batch: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return actor_of(self.envelope)

    def emit(self, event: Event) -> None:
        """Publish ``event`` after this transaction commits (via the outbox), keyed by its aggregate."""
        self.emitted.append(event)


CommandHandler = Callable[[Context[D], Any], Awaitable[BaseModel | None]]
QueryHandler = Callable[[Context[D], Any], Awaitable[BaseModel]]
EventHandler = Callable[[Context[D], Any], Awaitable[None]]


@dataclass
class Handlers(Generic[D]):
    """Which function handles which message class. Built by ``build_handlers`` in each service's
    ``adapters/messages.py``."""

    commands: dict[type[Command], CommandHandler[D]] = field(default_factory=dict)
    queries: dict[type[Query], QueryHandler[D]] = field(default_factory=dict)
    events: dict[type[Event], EventHandler[D]] = field(default_factory=dict)

    def command(self, cls: type[C]) -> Callable[[Callable[[Context[D], C], Awaitable[Any]]], Any]:
        def register(fn: Callable[[Context[D], C], Awaitable[Any]]) -> Any:
            self.commands[cls] = fn
            return fn

        return register

    def query(self, cls: type[Q]) -> Callable[[Callable[[Context[D], Q], Awaitable[Any]]], Any]:
        def register(fn: Callable[[Context[D], Q], Awaitable[Any]]) -> Any:
            self.queries[cls] = fn
            return fn

        return register

    def event(self, cls: type[E]) -> Callable[[Callable[[Context[D], E], Awaitable[None]]], Any]:
        def register(fn: Callable[[Context[D], E], Awaitable[None]]) -> Any:
            self.events[cls] = fn
            return fn

        return register

    def event_topics(self) -> set[str]:
        return {cls.TOPIC for cls in self.events}
