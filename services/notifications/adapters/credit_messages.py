"""The e-mails of money after the sale (MNY-04, MNY-05, MNY-07, MNY-08): which orders event goes to which
use case. Included from the service's wiring with one line (``credit_messages.register(h)``)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar

from contracts.orders import AppeasementGrantedV1, ExchangeCreatedV1, PaymentMovementV1, StoreCreditIssuedV1
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres.unit_of_work import PostgresUnitOfWork
from services.notifications.application import money_events
from services.notifications.application.unit_of_work import UnitOfWork
from services.runtime.handling import Context, Handlers

M = TypeVar("M")


def _u(
    use_case: Callable[[UnitOfWork, M], Awaitable[None]],
) -> Callable[[Context[NotificationsDeps], M], Awaitable[None]]:
    @functools.wraps(use_case)
    async def handle(ctx: Context[NotificationsDeps], message: M) -> None:
        await use_case(PostgresUnitOfWork(ctx), message)

    return handle


def register(h: Handlers[NotificationsDeps]) -> None:
    h.event(AppeasementGrantedV1)(_u(money_events.on_appeasement_granted))
    h.event(PaymentMovementV1)(_u(money_events.on_refund))
    h.event(ExchangeCreatedV1)(_u(money_events.on_exchange_created))
    h.event(StoreCreditIssuedV1)(_u(money_events.on_store_credit_issued))
