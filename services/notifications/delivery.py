"""SMTP delivery with retries, and the guarantee it gives.

Guarantee: an e-mail is sent at most once, and is retried until delivered while failures are
temporary (connection refused, timeouts, 4xx answers), with exponential backoff. Before a send the
row is committed as 'sending'; after the server accepts it, as 'sent'. If the process dies in
between, nobody can know whether the server kept the message, so the row becomes 'uncertain' at the
next start and is shown in the history instead of being sent a second time. 5xx answers and
exhausted retries mark the e-mail 'failed', with the error, visible in the history.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

import aiosmtplib
import asyncpg

from contracts.envelope import SYSTEM_ACTOR
from contracts.notifications import EmailSentV1
from services.notifications import store
from services.notifications.settings import NotificationsSettings
from services.runtime import logs
from services.runtime.db import Connection

if TYPE_CHECKING:
    from services.runtime.service import Runtime

logger = logging.getLogger(__name__)


class PermanentFailure(Exception):
    pass


def build_message(row: asyncpg.Record, settings: NotificationsSettings) -> EmailMessage:
    # Headers are set through EmailMessage, whose policy refuses CR/LF in any header value: the
    # second line of defence against header injection after contract validation.
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = row["to_addr"]
    msg["Subject"] = row["subject"]
    msg["Message-ID"] = row["message_id"]
    msg["Date"] = formatdate(localtime=False)
    msg["Content-Language"] = row["language"]
    msg.set_content(row["body_text"] or "")
    if row["format"] == "html" and row["body_html"]:
        msg.add_alternative(row["body_html"], subtype="html")
    return msg


async def send(msg: EmailMessage, settings: NotificationsSettings) -> None:
    try:
        await aiosmtplib.send(
            msg,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_s,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        if all(500 <= r.code < 600 for r in exc.recipients):
            raise PermanentFailure(str(exc)) from exc
        raise
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentFailure(f"{exc.code} {exc.message}") from exc
        raise


def backoff(attempts: int, settings: NotificationsSettings) -> timedelta:
    return timedelta(seconds=min(settings.retry_base_s * 2 ** max(attempts - 1, 0), settings.retry_max_s))


async def delivery_worker(runtime: Runtime[Any]) -> None:
    settings: NotificationsSettings = runtime.deps.settings
    async with runtime.pool.acquire() as conn:
        if recovered := await store.mark_uncertain(conn, settings.instance_id):
            logger.warning("%d e-mails were being sent when the service stopped; marked uncertain", recovered)
    while True:
        try:
            async with runtime.pool.acquire() as conn, conn.transaction():
                batch = await store.claim_due(conn, settings.delivery_concurrency, settings.instance_id)
            if not batch:
                await runtime.deps.wait_for_mail(0.5)
                continue
            await asyncio.gather(*(_deliver(runtime, settings, row) for row in batch))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("delivery loop failed; retrying")
            await asyncio.sleep(1)


async def _deliver(runtime: Runtime[Any], settings: NotificationsSettings, row: asyncpg.Record) -> None:
    # The e-mail carries the correlation id of the request that caused it, so its log lines
    # join the request's trace across services.
    logs.trace.set({"correlation_id": str(row["correlation_id"]), "message_id": str(row["email_id"]), "type": "Email"})
    email_id: uuid.UUID = row["email_id"]
    try:
        await send(build_message(row, settings), settings)
    except PermanentFailure as exc:
        refusal = str(exc)
        await _record(runtime, lambda conn: store.mark_failed(conn, email_id, refusal))
        logger.warning("e-mail %s refused permanently: %s", email_id, refusal)
        return
    except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if row["attempts"] >= settings.max_send_attempts:
            await _record(
                runtime,
                lambda conn: store.mark_failed(conn, email_id, f"gave up after {row['attempts']} attempts: {error}"),
            )
        else:
            next_at = datetime.now(UTC) + backoff(row["attempts"], settings)
            await _record(runtime, lambda conn: store.mark_retry(conn, email_id, next_at, error))
        logger.info("e-mail %s not delivered (attempt %d): %s", email_id, row["attempts"], error)
        return
    runtime.dispatcher.faults.point("crash_after_smtp", str(row["template"]))
    now = datetime.now(UTC)

    async def sent(conn: Connection) -> None:
        await store.mark_sent(conn, email_id, now)
        event = EmailSentV1(
            email_id=email_id,
            customer_id=row["customer_id"],
            order_id=row["order_id"],
            template=row["template"],
            subject=row["subject"],
            to=row["to_addr"],
            message_id=row["message_id"],
            sent_at=now,
        )
        await runtime.dispatcher.emit_standalone(conn, event, SYSTEM_ACTOR, row["correlation_id"])

    await _record(runtime, sent)
    logger.info("e-mail sent: %s to customer %s", row["template"], row["customer_id"])
    runtime.relay.wake()


async def _record(runtime: Runtime[Any], change: Any) -> None:
    """Record the outcome, retrying while PostgreSQL is away: the send already happened."""
    delay = 0.2
    while True:
        try:
            async with runtime.pool.acquire() as conn, conn.transaction():
                await change(conn)
            return
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError):
            logger.warning("could not record e-mail outcome; retrying", exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5)
