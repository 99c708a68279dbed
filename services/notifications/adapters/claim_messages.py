"""The claim e-mail (MNY-06): which orders events go to which use case. Included from the service's
wiring with one line (``claim_messages.register(h)``)."""

from __future__ import annotations

from contracts.orders import ClaimFiledV1, ReshipmentRequestedV1
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres.unit_of_work import PostgresUnitOfWork
from services.notifications.application import claim_events
from services.runtime.handling import Handlers
from services.runtime.unit_of_work import UseCases

_u = UseCases(PostgresUnitOfWork)


def register(h: Handlers[NotificationsDeps]) -> None:
    h.event(ClaimFiledV1)(_u(claim_events.on_claim_filed))
    h.event(ReshipmentRequestedV1)(_u(claim_events.on_reshipment_requested))
