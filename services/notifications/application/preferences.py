"""A CSR's choice of e-mail format for a customer (NTF-07)."""

from __future__ import annotations

from contracts.notifications import EmailFormatResult, EmailFormatSetV1, SetEmailFormatV1
from services.notifications.application.unit_of_work import UnitOfWork


async def set_email_format(uow: UnitOfWork, cmd: SetEmailFormatV1) -> EmailFormatResult:
    await uow.recipients.set_format_override(cmd.customer_id, cmd.format, uow.actor.agent_id, uow.now)
    uow.emit(
        EmailFormatSetV1(customer_id=cmd.customer_id, format=cmd.format, set_by=uow.actor.agent_id, set_at=uow.now)
    )
    return EmailFormatResult(customer_id=cmd.customer_id, format=cmd.format)
