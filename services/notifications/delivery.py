"""SMTP delivery with retries, and the guarantee it gives (NTF-05).

Guarantee: at most once. An e-mail is never handed to the SMTP server twice; while delivery fails
in a way that proves the server did not take it (connection refused, TLS or login failure, timeouts
before the message was transmitted, 4xx answers), it is retried with exponential backoff.

- A message consumed twice creates one e-mail: the inbox claims the message id in the same
  transaction that creates the e-mail row (and the row's dedupe key is unique besides).
- Before the SMTP conversation the row is committed as 'sending'; after the server accepts the
  message, as 'sent'. If the process dies in between, nobody can know whether the server kept the
  message, so at the next start the row becomes 'uncertain' and is shown in the history (with an
  EmailFailedV1 for the contact history) instead of being sent a second time.
- The same holds when the connection breaks or times out after the message was transmitted and
  before the server answered: 'uncertain', never re-sent automatically.
- A graceful shutdown in the middle of a conversation puts the e-mail back in the queue when the
  message had not been transmitted yet, and marks it 'uncertain' when it had.
- 5xx answers to the sender, recipient or message, an address or header the message cannot carry,
  and exhausted retries mark the e-mail 'failed', with the error, visible in the history and
  announced with EmailFailedV1.
"""

from __future__ import annotations

import asyncio
import email.policy
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import TYPE_CHECKING, Any, Protocol

import aiosmtplib
import asyncpg

from contracts.envelope import SYSTEM_ACTOR
from contracts.notifications import EmailFailedV1, EmailSentV1
from contracts.sealing import SealingError
from services.notifications import store
from services.notifications.deps import NotificationsDeps
from services.notifications.rendering import TemplateError
from services.notifications.settings import NotificationsSettings
from services.runtime import logs
from services.runtime.db import Connection

if TYPE_CHECKING:
    from services.runtime.service import Runtime

logger = logging.getLogger(__name__)


class Row(Protocol):
    """An e-mail row: an asyncpg record, or a plain dict in tests."""

    def __getitem__(self, key: str) -> Any: ...


class PermanentFailure(Exception):
    """The server refused for good, or the e-mail cannot be built: never retried."""


class Uncertain(Exception):
    """The message was transmitted but no answer came: the server may have it. Never retried."""


def content_for_sending(deps: NotificationsDeps, row: Row) -> tuple[str, str | None]:
    """The text and HTML bodies to hand to the server. An e-mail carrying a secret is rendered again
    here with the secret opened, in memory only; the stored copy keeps its placeholder."""
    if not row["sealed"]:
        return row["body_text"] or "", row["body_html"]
    try:
        secrets = {name: deps.open_secret(value) for name, value in json.loads(row["sealed"]).items()}
        rendered = deps.renderer.render(row["template"], row["language"], {**json.loads(row["context"]), **secrets})
    except (SealingError, TemplateError) as exc:
        raise PermanentFailure(f"could not render the e-mail with its secret: {exc}") from None
    return rendered.text, rendered.html


def build_message(row: Row, settings: NotificationsSettings, text: str, html: str | None) -> EmailMessage:
    # Headers are set through EmailMessage, whose policy refuses CR/LF in any header value: the
    # second line of defence against header injection after contract validation.
    msg = EmailMessage()
    try:
        msg["From"] = settings.mail_from
        msg["To"] = row["to_addr"]
        msg["Subject"] = row["subject"]
        msg["Message-ID"] = row["message_id"]
        msg["Date"] = formatdate(localtime=False)
        msg.set_content(text)
        if row["format"] == "html" and html:
            msg.add_alternative(html, subtype="html")
        msg["Content-Language"] = row["language"]  # after the body: set_content drops Content-* headers
    except (ValueError, TypeError) as exc:
        raise PermanentFailure(f"the e-mail cannot be built: {exc}") from None
    return msg


def _client(settings: NotificationsSettings) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_tls == "tls",
        start_tls=settings.smtp_tls == "starttls",
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        validate_certs=settings.smtp_validate_certs,
        cert_bundle=str(settings.smtp_cert_bundle) if settings.smtp_cert_bundle else None,
        timeout=settings.smtp_timeout_s,
        local_hostname=settings.smtp_helo_name,
    )


@dataclass
class Progress:
    """How far one SMTP conversation got: once the message is being transmitted, an interruption
    leaves it uncertain; before that, nothing was delivered and it can be tried again."""

    transmitting: bool = False


async def send(msg: EmailMessage, to: str, settings: NotificationsSettings, progress: Progress | None = None) -> None:
    """One SMTP conversation. Raises PermanentFailure, Uncertain, or a temporary error to retry."""
    progress = progress or Progress()
    smtp = _client(settings)
    await smtp.connect()  # TLS and login happen here: any failure is the server's or ours, retried
    try:
        try:
            await smtp.mail(parseaddr(settings.mail_from)[1])
            await smtp.rcpt(to)
        except aiosmtplib.SMTPResponseException as exc:
            raise _refusal(exc) from exc
        payload = msg.as_bytes(policy=email.policy.SMTP)
        progress.transmitting = True
        try:
            await smtp.data(payload)
        except aiosmtplib.SMTPResponseException as exc:
            raise _refusal(exc) from exc  # the server answered: it did not take the message
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise Uncertain(f"no answer after the message was transmitted: {type(exc).__name__}: {exc}") from exc
    finally:
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            smtp.close()


def _refusal(exc: aiosmtplib.SMTPResponseException) -> Exception:
    if 500 <= exc.code < 600:
        return PermanentFailure(f"{exc.code} {exc.message}")
    return exc


def backoff(attempts: int, settings: NotificationsSettings) -> timedelta:
    return timedelta(seconds=min(settings.retry_base_s * 2 ** max(attempts - 1, 0), settings.retry_max_s))


async def delivery_worker(runtime: Runtime[Any]) -> None:
    deps: NotificationsDeps = runtime.deps
    await _recover(runtime)
    while True:
        try:
            async with runtime.pool.acquire() as conn, conn.transaction():
                batch = await store.claim_due(conn, deps.settings.delivery_concurrency, deps.settings.instance_id)
            if not batch:
                await deps.wait_for_mail(0.5)
                continue
            await asyncio.gather(*(_deliver(runtime, row) for row in batch))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("delivery loop failed; retrying")
            await asyncio.sleep(1)


async def _recover(runtime: Runtime[Any]) -> None:
    """E-mails this instance was sending when it stopped: 'uncertain', announced, never re-sent."""
    now = datetime.now(UTC)

    async def change(conn: Connection) -> None:
        rows = await store.mark_uncertain(conn, runtime.deps.settings.instance_id)
        for row in rows:
            await _announce_unsent(runtime, conn, row, "uncertain", row["last_error"], now)
        if rows:
            logger.warning("%d e-mails were being sent when the service stopped; marked uncertain", len(rows))

    await _record(runtime, change)
    runtime.relay.wake()


async def _deliver(runtime: Runtime[Any], row: asyncpg.Record) -> None:
    # The e-mail carries the correlation id of the request that caused it, so its log lines
    # join the request's trace across services.
    logs.trace.set({"correlation_id": str(row["correlation_id"]), "message_id": str(row["email_id"]), "type": "Email"})
    deps: NotificationsDeps = runtime.deps
    settings = deps.settings
    email_id: uuid.UUID = row["email_id"]
    progress = Progress()
    try:
        text, html = content_for_sending(deps, row)
        await send(build_message(row, settings, text, html), row["to_addr"], settings, progress)
    except asyncio.CancelledError:
        await _interrupted(runtime, row, progress)
        raise
    except PermanentFailure as exc:
        logger.warning("e-mail %s refused permanently: %s", email_id, exc)
        await _settle_unsent(runtime, row, "failed", str(exc))
        return
    except Uncertain as exc:
        logger.warning("e-mail %s may or may not have been delivered: %s", email_id, exc)
        await _settle_unsent(runtime, row, "uncertain", str(exc))
        return
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.info("e-mail %s not delivered (attempt %d): %s", email_id, row["attempts"], error)
        if row["attempts"] >= settings.max_send_attempts:
            await _settle_unsent(runtime, row, "failed", f"gave up after {row['attempts']} attempts: {error}")
        else:
            next_at = datetime.now(UTC) + backoff(row["attempts"], settings)
            await _record(runtime, lambda conn: store.mark_retry(conn, email_id, next_at, error))
        return
    runtime.dispatcher.faults.point("crash_after_smtp", str(row["template"]))
    now = datetime.now(UTC)

    async def sent(conn: Connection) -> None:
        if not await store.mark_sent(conn, email_id, now):
            return  # recorded and announced by an attempt whose commit only seemed to fail
        event = EmailSentV1(
            email_id=email_id,
            customer_id=row["customer_id"],
            order_id=row["order_id"],
            template=row["template"],
            subject=row["subject"],
            to=row["to_addr"],
            message_id=row["message_id"],
            sent_at=now,
            regarding=row["regarding"],
        )
        await runtime.dispatcher.emit_standalone(conn, event, SYSTEM_ACTOR, row["correlation_id"])

    await _record(runtime, sent)
    logger.info("e-mail sent: %s to customer %s", row["template"], row["customer_id"])
    runtime.relay.wake()


async def _interrupted(runtime: Runtime[Any], row: asyncpg.Record, progress: Progress) -> None:
    """The service is stopping mid-conversation. Before the message was transmitted nothing was
    delivered, so the e-mail goes back to the queue; after, it is uncertain (never re-sent). If
    this cannot be recorded within a few seconds, the row stays 'sending' and becomes 'uncertain'
    at the next start: still at most once."""
    if progress.transmitting:
        change = _settle_unsent(runtime, row, "uncertain", "the service stopped while the SMTP server had the message")
    else:
        now = datetime.now(UTC)
        change = _record(
            runtime, lambda conn: store.mark_retry(conn, row["email_id"], now, "interrupted by a shutdown")
        )
    try:
        await asyncio.wait_for(change, 5)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        logger.warning("could not record the interrupted e-mail %s", row["email_id"], exc_info=True)


async def _settle_unsent(runtime: Runtime[Any], row: asyncpg.Record, status: str, error: str) -> None:
    now = datetime.now(UTC)

    async def change(conn: Connection) -> None:
        if await store.mark_settled_unsent(conn, row["email_id"], status, error):
            await _announce_unsent(runtime, conn, row, status, error, now)

    await _record(runtime, change)
    runtime.relay.wake()


async def _announce_unsent(
    runtime: Runtime[Any], conn: Connection, row: asyncpg.Record, status: str, error: str, now: datetime
) -> None:
    event = EmailFailedV1(
        email_id=row["email_id"],
        customer_id=row["customer_id"],
        order_id=row["order_id"],
        template=row["template"],
        subject=row["subject"],
        to=row["to_addr"],
        status=status,
        error=error[:500],
        attempts=row["attempts"],
        failed_at=now,
        regarding=row["regarding"],
    )
    await runtime.dispatcher.emit_standalone(conn, event, SYSTEM_ACTOR, row["correlation_id"])


async def _record(runtime: Runtime[Any], change: Callable[[Connection], Awaitable[None]]) -> None:
    """Record an outcome, retrying while PostgreSQL is away: the send already happened (or not).
    A failure can come after the commit (handing back a connection PostgreSQL is closing), so
    ``change`` must do nothing the second time."""
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
