"""The orders service's events and their e-mails: confirmation, change, cancellation, shipment,
a comment for the customer, a quote."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.orders import (
    OrderCancelledV1,
    OrderChangedV1,
    OrderCommentAddedV1,
    OrderPlacedV1,
    OrderShippedV1,
    QuoteEmailRequestedV1,
)
from services.notifications.application.queueing import queue
from services.notifications.application.unit_of_work import UnitOfWork
from services.notifications.domain.requests import EmailRequest

OrderEvent = OrderPlacedV1 | OrderChangedV1 | OrderCancelledV1 | OrderShippedV1 | OrderCommentAddedV1


async def on_order_placed(uow: UnitOfWork, event: OrderPlacedV1) -> None:
    await _order_email(uow, event, "order_confirmation", event.order_number)


async def on_order_changed(uow: UnitOfWork, event: OrderChangedV1) -> None:
    await _order_email(uow, event, "order_changed", event.order_number)


async def on_order_cancelled(uow: UnitOfWork, event: OrderCancelledV1) -> None:
    await _order_email(uow, event, "order_cancelled", event.order_number)


async def on_order_shipped(uow: UnitOfWork, event: OrderShippedV1) -> None:
    await _order_email(uow, event, "shipment", event.order_number)


async def on_order_comment(uow: UnitOfWork, event: OrderCommentAddedV1) -> None:
    number = event.order_number
    if number is None and (known := await uow.orders.get(event.order_id)):
        number = known.order_number
    if event.visibility != "customer":
        await uow.orders.remember(event.order_id, number, event.customer_id, uow.now)
        return  # an internal comment is never e-mailed
    await _order_email(uow, event, "order_comment", number, {"order_number": number})


async def on_quote_requested(uow: UnitOfWork, event: QuoteEmailRequestedV1) -> None:
    await queue(
        uow,
        EmailRequest(
            "quote",
            _context(event),
            customer_id=event.customer_id,
            regarding=f"quote {event.quote_number}",
            to=event.email,
            language=event.language,
        ),
    )


async def _order_email(
    uow: UnitOfWork,
    event: OrderEvent,
    template: str,
    number: str | None,
    extra: dict[str, Any] | None = None,
) -> None:
    await uow.orders.remember(event.order_id, number, event.customer_id, uow.now)
    await queue(
        uow,
        EmailRequest(
            template,
            {**_context(event), **(extra or {})},
            customer_id=event.customer_id,
            order_id=event.order_id,
            regarding=f"order {number}" if number else None,
            to=event.email,
            language=event.language,
        ),
    )


def _context(event: BaseModel) -> dict[str, Any]:
    """An event's fields as template variables (the address and language are the e-mail's, not text)."""
    values: dict[str, Any] = event.model_dump(mode="json", exclude={"email", "language"})
    return values
