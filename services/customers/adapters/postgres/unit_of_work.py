"""The unit of work on PostgreSQL: the repositories on the connection of the transaction the
runtime's dispatcher opened for this message (it commits them with the inbox claim and the
outbox rows, or none of them)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from contracts.envelope import Actor, Event
from services.customers.adapters.deps import CustomersDeps
from services.customers.adapters.postgres.accounts import PostgresAccounts
from services.customers.adapters.postgres.activity import PostgresActivity
from services.customers.adapters.postgres.customers import PostgresCustomers
from services.customers.adapters.postgres.history import PostgresTimeline
from services.customers.adapters.postgres.views import PostgresViews
from services.customers.application.unit_of_work import CustomerPolicy, Keyring
from services.runtime.handling import Context


class PostgresUnitOfWork:
    def __init__(self, ctx: Context[CustomersDeps]) -> None:
        self._ctx = ctx

    @cached_property
    def customers(self) -> PostgresCustomers:
        return PostgresCustomers(self._ctx.conn)

    @cached_property
    def accounts(self) -> PostgresAccounts:
        return PostgresAccounts(self._ctx.conn)

    @cached_property
    def activity(self) -> PostgresActivity:
        return PostgresActivity(self._ctx.conn)

    @cached_property
    def timeline(self) -> PostgresTimeline:
        return PostgresTimeline(self._ctx.conn)

    @cached_property
    def views(self) -> PostgresViews:
        return PostgresViews(self._ctx.conn)

    @property
    def keyring(self) -> Keyring:
        return self._ctx.deps

    @property
    def policy(self) -> CustomerPolicy:
        return self._ctx.deps.policy

    @property
    def now(self) -> datetime:
        return self._ctx.now

    @property
    def actor(self) -> Actor:
        return self._ctx.actor

    def emit(self, event: Event) -> None:
        self._ctx.emit(event)
