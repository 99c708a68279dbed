"""The e-mails of money after the sale (MNY-04, MNY-05, MNY-07, MNY-08): a refund to the customer's
card, an exchange and what it settles, goodwill granted on an order (an appeasement), store credit
issued or given back.

One e-mail per thing the customer should hear about, never two for one. Which money movement or
store credit is e-mailed is decided on the event's ``cause`` (domain/money_emails.py): a cancel's,
a change's, an exchange's, an appeasement's and a claim's own e-mails already say what they give
back, so the refund movement or store credit they make is not e-mailed again.
"""

from __future__ import annotations

import uuid
from typing import Any

from contracts.orders import AppeasementGrantedV1, ExchangeCreatedV1, PaymentMovementV1, StoreCreditIssuedV1
from services.notifications.application.queueing import queue
from services.notifications.application.unit_of_work import UnitOfWork
from services.notifications.domain import legacy_causes, money_emails
from services.notifications.domain.requests import EmailRequest


async def on_appeasement_granted(uow: UnitOfWork, event: AppeasementGrantedV1) -> None:
    await _email(uow, "appeasement", event, event.order_id, event.order_number, event.email, event.language)


async def on_refund(uow: UnitOfWork, event: PaymentMovementV1) -> None:
    """A refund to the card that paid that no other e-mail tells: a received return's."""
    # An event from before ``cause`` is read from its reason's words (legacy_causes.py).
    cause = event.cause or legacy_causes.of_movement(event.reason)
    template = money_emails.for_movement(cause, event.kind, event.status, event.method)
    if template is not None:
        await _email(uow, template, event, event.order_id, event.order_number, None, None)


async def on_exchange_created(uow: UnitOfWork, event: ExchangeCreatedV1) -> None:
    """An exchange (MNY-05): the return's credit, the new items and the difference, collected
    (``amount_due`` > 0) or given back (< 0), in one e-mail."""
    await _email(uow, "exchange", event, event.order_id, event.order_number, None, None)


async def on_store_credit_issued(uow: UnitOfWork, event: StoreCreditIssuedV1) -> None:
    """Credit a supervisor issued, or what a received return gave back to store credit."""
    # An event from before ``cause`` is read from its source and reason (legacy_causes.py).
    cause = event.cause or legacy_causes.of_store_credit(event.source, event.kind, event.reason)
    template = money_emails.for_store_credit(cause)
    if template is not None:
        await _email(uow, template, event, event.order_id, event.order_number, event.email, event.language)


async def _email(
    uow: UnitOfWork,
    template: str,
    event: AppeasementGrantedV1 | ExchangeCreatedV1 | PaymentMovementV1 | StoreCreditIssuedV1,
    order_id: uuid.UUID | None,
    number: str | None,
    to: str | None,
    language: str | None,
) -> None:
    context: dict[str, Any] = event.model_dump(mode="json", exclude={"email", "language"})
    await queue(
        uow,
        EmailRequest(
            template,
            context,
            customer_id=event.customer_id,
            order_id=order_id,
            regarding=f"order {number}" if number else None,
            to=to,
            language=language,
        ),
    )
