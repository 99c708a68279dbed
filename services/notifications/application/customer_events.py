"""The customers service's events: the service's own copy of what it needs, and their e-mails
(a welcome, a temporary password)."""

from __future__ import annotations

from contracts.customers import CustomerRegisteredV1, CustomerUpdatedV1, PasswordResetV1
from services.notifications.application.queueing import queue, release_waiting
from services.notifications.application.unit_of_work import UnitOfWork
from services.notifications.domain.recipients import Recipient
from services.notifications.domain.requests import EmailRequest


async def on_customer_registered(uow: UnitOfWork, event: CustomerRegisteredV1) -> None:
    recipient = await _remember_customer(uow, event)
    if not event.guest and event.email:
        await queue(uow, EmailRequest("welcome", {"logon_id": event.logon_id}, customer_id=recipient.customer_id))


async def on_customer_updated(uow: UnitOfWork, event: CustomerUpdatedV1) -> None:
    await _remember_customer(uow, event)


async def _remember_customer(uow: UnitOfWork, event: CustomerRegisteredV1 | CustomerUpdatedV1) -> Recipient:
    recipient = Recipient(
        customer_id=event.customer_id,
        email=event.email,
        first_name=event.first_name,
        last_name=event.last_name,
        language=event.preferred_language,
        email_format=event.email_format,
    )
    await uow.recipients.lock(event.customer_id)
    await uow.recipients.upsert(recipient, uow.now)
    await release_waiting(uow, recipient)
    return recipient


async def on_password_reset(uow: UnitOfWork, event: PasswordResetV1) -> None:
    # The temporary password stays sealed in the row; it is opened only to render the copy that goes
    # to the SMTP server (adapters/smtp/delivery.py). The stored bodies show a placeholder.
    await queue(
        uow,
        EmailRequest(
            "password_reset",
            {"logon_id": event.logon_id, "expires_at": event.expires_at.isoformat()},
            customer_id=event.customer_id,
            sealed={"temporary_password": event.sealed_temporary_password},
        ),
    )
