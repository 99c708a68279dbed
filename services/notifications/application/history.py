"""The e-mail history (NTF-06), its retention on demand, and the templates a CSR can copy."""

from __future__ import annotations

from contracts import errors
from contracts.errors import Refused
from contracts.notifications import (
    EmailBodiesPurgedV1,
    EmailHistoryPage,
    EmailView,
    GetEmailHistoryV1,
    GetEmailV1,
    ListEmailTemplatesV1,
    PurgeEmailBodiesV1,
    PurgeResult,
    TemplateList,
)
from services.notifications.application.unit_of_work import UnitOfWork
from services.notifications.domain import rules


async def email_history(uow: UnitOfWork, query: GetEmailHistoryV1) -> EmailHistoryPage:
    if query.customer_id is not None and query.order_id is not None:
        raise Refused.field(errors.INVALID, "payload.customer_id", "give customer_id or order_id, not both")
    if query.customer_id is None and query.order_id is None:
        if query.status is None:
            missing = "give customer_id or order_id, or a status to list every customer's"
            raise Refused.field(errors.INVALID, "payload.customer_id", missing)
        if query.status not in rules.LISTED_ACROSS_CUSTOMERS:
            # Those few are indexed; every customer's sent e-mails would be a scan of the whole history.
            raise Refused.field(
                errors.INVALID,
                "payload.status",
                f"every customer's e-mails are listed only for status {' or '.join(rules.LISTED_ACROSS_CUSTOMERS)}",
            )
    return await uow.views.email_history(query, rules.offset(query.page, query.page_size))


async def get_email(uow: UnitOfWork, query: GetEmailV1) -> EmailView:
    view = await uow.views.email(query.email_id)
    if view is None:
        raise Refused.field(errors.NOT_FOUND, "payload.email_id", "no such e-mail")
    return view


async def list_email_templates(uow: UnitOfWork, query: ListEmailTemplatesV1) -> TemplateList:
    return uow.views.templates()


async def purge_email_bodies(uow: UnitOfWork, cmd: PurgeEmailBodiesV1) -> PurgeResult:
    days = cmd.older_than_days if cmd.older_than_days is not None else uow.body_retention_days
    cutoff = rules.retention_cutoff(uow.now, days)
    count = await uow.emails.purge_bodies(cutoff, uow.now)
    uow.emit(EmailBodiesPurgedV1(cutoff=cutoff, count=count, purged_by=uow.actor.agent_id, purged_at=uow.now))
    return PurgeResult(purged=count, cutoff=cutoff)
