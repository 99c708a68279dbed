"""Rows of the history as the contracts show them."""

from __future__ import annotations

import asyncpg

from contracts.notifications import EmailView


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
