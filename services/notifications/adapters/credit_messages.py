"""The e-mails of money after the sale (MNY-04, MNY-05, MNY-07, MNY-08): which orders event goes to which
use case. Included from the service's wiring with one line (``credit_messages.register(h)``)."""

from __future__ import annotations

from contracts.orders import AppeasementGrantedV1, ExchangeCreatedV1, PaymentMovementV1, StoreCreditIssuedV1
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres.unit_of_work import PostgresUnitOfWork
from services.notifications.application import money_events
from services.runtime.handling import Handlers
from services.runtime.unit_of_work import UseCases

_u = UseCases(PostgresUnitOfWork)


def register(h: Handlers[NotificationsDeps]) -> None:
    h.event(AppeasementGrantedV1)(_u(money_events.on_appeasement_granted))
    h.event(PaymentMovementV1)(_u(money_events.on_refund))
    h.event(ExchangeCreatedV1)(_u(money_events.on_exchange_created))
    h.event(StoreCreditIssuedV1)(_u(money_events.on_store_credit_issued))
