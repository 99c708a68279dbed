"""The e-mails of money after the sale (MNY-04, MNY-05, MNY-07, MNY-08): a refund to the customer's
card, an exchange and what it settles, goodwill granted on an order (an appeasement), store credit
issued or given back.

One e-mail per thing the customer should hear about, never two for one: an appeasement's own
e-mail says whether it went to the card or to store credit, so the refund movement and the store
credit it made are not e-mailed again; a cancel or a change has its own e-mail with what it gives
back, so store credit released by them is not e-mailed either (only credit ``refunded`` from an
order, e.g. for a return, is). An exchange's e-mail says what it collects or gives back, so the
refund movement it settles (reason ``exchange: ...``) is not e-mailed as a ``refund``; receiving an
exchange's return refunds nothing more.
"""

from __future__ import annotations

import uuid
from typing import Any

from contracts.orders import AppeasementGrantedV1, ExchangeCreatedV1, PaymentMovementV1, StoreCreditIssuedV1
from services.notifications.application.queueing import queue
from services.notifications.application.unit_of_work import UnitOfWork
from services.notifications.domain.requests import EmailRequest

RETURN_REFUND = "return "
"""How the orders service names the refund of a received return (application/return_orders.py): the
one refund no other e-mail tells (a cancel's, a change's, an exchange's and an appeasement's have
their own)."""

EXCHANGE_REFUND = "exchange"
"""How the orders service names the settlement of an exchange (application/exchanges.py): told by
the ``exchange`` e-mail, never again as a ``refund``."""


async def on_appeasement_granted(uow: UnitOfWork, event: AppeasementGrantedV1) -> None:
    await _email(uow, "appeasement", event, event.order_id, event.order_number, event.email, event.language)


async def on_refund(uow: UnitOfWork, event: PaymentMovementV1) -> None:
    """A received return refunded to the card that paid (a void is not a refund: the customer was
    never charged; store credit given back is told by on_store_credit_issued)."""
    if event.kind != "refund" or event.status != "succeeded" or event.method == "store_credit":
        return
    if not event.reason.startswith(RETURN_REFUND):  # so never an EXCHANGE_REFUND
        return
    await _email(uow, "refund", event, event.order_id, event.order_number, None, None)


async def on_exchange_created(uow: UnitOfWork, event: ExchangeCreatedV1) -> None:
    """An exchange (MNY-05): the return's credit, the new items and the difference, collected
    (``amount_due`` > 0) or given back (< 0), in one e-mail."""
    await _email(uow, "exchange", event, event.order_id, event.order_number, None, None)


async def on_store_credit_issued(uow: UnitOfWork, event: StoreCreditIssuedV1) -> None:
    """Credit a supervisor issued, or what a refunded (returned) order gives back; an appeasement's
    and a cancel's are told by their own e-mails."""
    if event.source == "appeasement" or (event.kind == "given_back" and not event.reason.startswith("refunded")):
        return
    await _email(uow, "store_credit", event, event.order_id, event.order_number, event.email, event.language)


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
