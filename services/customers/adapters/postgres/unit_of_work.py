"""The unit of work on PostgreSQL: the repositories on the connection of the transaction the
runtime's dispatcher opened for this message (it commits them with the inbox claim and the
outbox rows, or none of them)."""

from __future__ import annotations

from functools import cached_property

from services.customers.adapters.deps import CustomersDeps
from services.customers.adapters.postgres.accounts import PostgresAccounts
from services.customers.adapters.postgres.activity import PostgresActivity
from services.customers.adapters.postgres.customers import PostgresCustomers
from services.customers.adapters.postgres.history import PostgresTimeline
from services.customers.adapters.postgres.views import PostgresViews
from services.customers.application.unit_of_work import CustomerPolicy, Keyring
from services.runtime.unit_of_work import MessageUnitOfWork


class PostgresUnitOfWork(MessageUnitOfWork[CustomersDeps]):
    @cached_property
    def customers(self) -> PostgresCustomers:
        return PostgresCustomers(self.ctx.conn)

    @cached_property
    def accounts(self) -> PostgresAccounts:
        return PostgresAccounts(self.ctx.conn)

    @cached_property
    def activity(self) -> PostgresActivity:
        return PostgresActivity(self.ctx.conn)

    @cached_property
    def timeline(self) -> PostgresTimeline:
        return PostgresTimeline(self.ctx.conn)

    @cached_property
    def views(self) -> PostgresViews:
        return PostgresViews(self.ctx.conn)

    @property
    def keyring(self) -> Keyring:
        return self.ctx.deps

    @property
    def policy(self) -> CustomerPolicy:
        return self.ctx.deps.policy
