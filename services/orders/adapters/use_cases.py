"""The orders use cases as the runtime's message handlers: ``handler(use_case)`` gives the use case a
``PostgresUnitOfWork`` on the message's context (its transaction, clock, actor and outbox). It is
the runtime's one helper for this (``services.runtime.unit_of_work.UseCases``, as in customers and
notifications), made here once for every wiring module of the service (``messages.py`` and the
modules it includes)."""

from __future__ import annotations

from services.orders.adapters.unit_of_work import PostgresUnitOfWork
from services.runtime.unit_of_work import UseCases

handler = UseCases(PostgresUnitOfWork)
