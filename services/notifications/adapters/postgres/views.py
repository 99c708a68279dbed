"""Rows of the history as the contracts show them."""

from __future__ import annotations

import uuid

import asyncpg

from contracts.notifications import EmailHistoryPage, EmailView, GetEmailHistoryV1, TemplateInfo, TemplateList
from services.notifications.adapters.postgres import emails
from services.notifications.adapters.templates import Renderer
from services.runtime.db import Connection


def email_view(row: asyncpg.Record, *, include_bodies: bool = True) -> EmailView:
    return EmailView(
        email_id=row["email_id"],
        customer_id=row["customer_id"],
        order_id=row["order_id"],
        template=row["template"],
        language=row["language"],
        format=row["format"],
        to=row["to_addr"],
        subject=row["subject"],
        regarding=row["regarding"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        flags=list(row["flags"]),
        message_id=row["message_id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        sent_at=row["sent_at"],
        body_text=row["body_text"] if include_bodies else None,
        body_html=row["body_html"] if include_bodies else None,
        body_deleted_at=row["body_deleted_at"],
        resends=row["resends"],
        resent_by=row["resent_by"],
        resent_at=row["resent_at"],
    )


class PostgresViews:
    """The read side of the unit of work (application.unit_of_work.Views)."""

    def __init__(self, conn: Connection, renderer: Renderer) -> None:
        self._conn = conn
        self._renderer = renderer

    async def email_history(self, query: GetEmailHistoryV1, offset: int) -> EmailHistoryPage:
        rows, total = await emails.history(
            self._conn,
            customer_id=query.customer_id,
            order_id=query.order_id,
            status=query.status,
            limit=query.page_size,
            offset=offset,
        )
        return EmailHistoryPage(
            items=[email_view(r, include_bodies=query.include_bodies) for r in rows],
            total=total,
            page=query.page,
            page_size=query.page_size,
        )

    async def email(self, email_id: uuid.UUID) -> EmailView | None:
        row = await emails.email(self._conn, email_id)
        return email_view(row) if row is not None else None

    def templates(self) -> TemplateList:
        renderer = self._renderer
        return TemplateList(
            templates=[
                TemplateInfo(name=name, languages=languages, variables=renderer.variables(name))
                for name, languages in renderer.names().items()
            ]
        )
