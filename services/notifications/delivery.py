"""SMTP delivery with retries, and the guarantee it gives (NTF-05).

Guarantee: at most once. An e-mail is never handed to the SMTP server twice; while delivery fails
in a way that proves the server did not take it (connection refused, TLS or login failure, timeouts
before the message was transmitted, 4xx answers), it is retried with exponential backoff.

- A message consumed twice creates one e-mail: the inbox claims the message id in the same
  transaction that creates the e-mail row (and the row's dedupe key is unique besides).
- Before the SMTP conversation the row is committed as 'sending'; after the server accepts the
  message, as 'sent' (with the rest of its claimed batch, in one transaction). If the process dies
  in between, nobody can know whether the server kept the message, so at the next start the row
  becomes 'uncertain' and is shown in the history (with an EmailFailedV1 for the contact history)
  instead of being sent a second time.
- The same holds when the connection breaks or times out after the message was transmitted and
  before the server answered: 'uncertain', never re-sent automatically.
- A graceful shutdown in the middle of a conversation puts the e-mail back in the queue when the
  message had not been transmitted yet, and marks it 'uncertain' when it had.
- Connections are kept open between e-mails (connections.py). A kept connection the server has
  closed meanwhile fails at MAIL FROM, before anything was transmitted: only then is the e-mail
  tried once more, on a new connection.
- 5xx answers to the sender, recipient or message, an address or header the message cannot carry,
  and exhausted retries mark the e-mail 'failed', with the error, visible in the history and
  announced with EmailFailedV1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parseaddr
from typing import TYPE_CHECKING, Any, Protocol

import aiosmtplib
import asyncpg

from contracts.envelope import SYSTEM_ACTOR
from contracts.notifications import EmailFailedV1, EmailSentV1
from contracts.sealing import SealingError
from services.notifications import mime, store
from services.notifications.connections import SmtpConnections
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


def build_message(row: Row, settings: NotificationsSettings, text: str, html: str | None) -> bytes:
    """The e-mail as it goes to the server. Header values with CR/LF are refused (mime.py): the
    second line of defence against header injection after contract validation."""
    try:
        return mime.compose(
            sender=settings.mail_from,
            to=row["to_addr"],
            subject=row["subject"],
            message_id=row["message_id"],
            date=formatdate(localtime=False),
            language=row["language"],
            text=text,
            html=html if row["format"] == "html" and html else None,
        )
    except (ValueError, TypeError) as exc:
        raise PermanentFailure(f"the e-mail cannot be built: {exc}") from None


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
    fresh: bool = False  # the conversation runs on a new connection, not one kept from an earlier e-mail


async def send(
    msg: bytes, to: str, settings: NotificationsSettings, progress: Progress, connections: SmtpConnections
) -> None:
    """One SMTP transaction. Raises PermanentFailure, Uncertain, or a temporary error to retry."""
    try:
        await _transact(msg, to, settings, progress, connections, fresh=False)
    except aiosmtplib.SMTPServerDisconnected:
        if progress.transmitting or progress.fresh:
            raise
        # A kept connection the server had closed: nothing was transmitted, so once more on a new one.
        await _transact(msg, to, settings, progress, connections, fresh=True)


async def _transact(
    msg: bytes,
    to: str,
    settings: NotificationsSettings,
    progress: Progress,
    connections: SmtpConnections,
    fresh: bool,
) -> None:
    async with connections.connection(fresh) as (smtp, reused):
        progress.fresh = not reused
        try:
            await smtp.mail(parseaddr(settings.mail_from)[1])
            await smtp.rcpt(to)
        except aiosmtplib.SMTPResponseException as exc:
            raise _refusal(exc) from exc  # (the connection is closed, not kept)
        progress.transmitting = True
        try:
            await smtp.data(msg)
        except aiosmtplib.SMTPResponseException as exc:
            raise _refusal(exc) from exc  # the server answered: it did not take the message
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise Uncertain(f"no answer after the message was transmitted: {type(exc).__name__}: {exc}") from exc


def _refusal(exc: aiosmtplib.SMTPResponseException) -> Exception:
    if 500 <= exc.code < 600:
        return PermanentFailure(f"{exc.code} {exc.message}")
    return exc


def backoff(attempts: int, settings: NotificationsSettings) -> timedelta:
    return timedelta(seconds=min(settings.retry_base_s * 2 ** max(attempts - 1, 0), settings.retry_max_s))


async def delivery_worker(runtime: Runtime[Any]) -> None:
    deps: NotificationsDeps = runtime.deps
    connections = SmtpConnections(lambda: _client(deps.settings), keep=deps.settings.delivery_concurrency)
    await _recover(runtime)
    try:
        while True:
            try:
                async with runtime.pool.acquire() as conn, conn.transaction():
                    batch = await store.claim_due(conn, deps.settings.delivery_concurrency, deps.settings.instance_id)
                if not batch:
                    await deps.wait_for_mail(0.5)
                    continue
                await _deliver_batch(runtime, batch, connections)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("delivery loop failed; retrying")
                await asyncio.sleep(1)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connections.close(), 5)


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


async def _deliver_batch(runtime: Runtime[Any], batch: list[asyncpg.Record], connections: SmtpConnections) -> None:
    """Send a claimed batch side by side, then record every e-mail the server took in one
    transaction (five round trips for the batch instead of five per e-mail). Until then they are
    'sending': should the process die first they become 'uncertain' at the next start, never
    re-sent, as for a death between the server's answer and any recording."""
    taken: list[asyncpg.Record] = []
    try:
        sends = (_deliver(runtime, row, connections, taken) for row in batch)
        outcomes = await asyncio.gather(*sends, return_exceptions=True)
    except asyncio.CancelledError:
        # A graceful stop: what the server took is recorded as sent if that is quick, else it
        # stays 'sending' (uncertain at the next start).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(_record_sent(runtime, taken), 5)
        raise
    await _record_sent(runtime, taken)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome


async def _deliver(
    runtime: Runtime[Any], row: asyncpg.Record, connections: SmtpConnections, taken: list[asyncpg.Record]
) -> None:
    _trace(row)
    deps: NotificationsDeps = runtime.deps
    settings = deps.settings
    email_id: uuid.UUID = row["email_id"]
    progress = Progress()
    try:
        text, html = content_for_sending(deps, row)
        await send(build_message(row, settings, text, html), row["to_addr"], settings, progress, connections)
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
    taken.append(row)


async def _record_sent(runtime: Runtime[Any], rows: list[asyncpg.Record]) -> None:
    if not rows:
        return
    now = datetime.now(UTC)

    async def sent(conn: Connection) -> None:
        # Rows already 'sent' were recorded by an earlier attempt whose COMMIT answer was lost.
        changed = await store.mark_sent_many(conn, [row["email_id"] for row in rows], now)
        events = [(_sent_event(row, now), row["correlation_id"]) for row in rows if row["email_id"] in changed]
        await runtime.dispatcher.emit_standalone_many(conn, events, SYSTEM_ACTOR)

    await _record(runtime, sent)
    for row in rows:
        _trace(row)
        logger.info("e-mail sent: %s to customer %s", row["template"], row["customer_id"])
    logs.trace.set({})
    runtime.relay.wake()


def _trace(row: asyncpg.Record) -> None:
    """The e-mail's log lines carry the correlation id of the request that caused it, so they join
    the request's trace across services."""
    logs.trace.set({"correlation_id": str(row["correlation_id"]), "message_id": str(row["email_id"]), "type": "Email"})


def _about(row: asyncpg.Record) -> dict[str, Any]:
    """What EmailSentV1 and EmailFailedV1 both say about the e-mail."""
    return {
        "email_id": row["email_id"],
        "customer_id": row["customer_id"],
        "order_id": row["order_id"],
        "template": row["template"],
        "subject": row["subject"],
        "to": row["to_addr"],
        "regarding": row["regarding"],
    }


def _sent_event(row: asyncpg.Record, now: datetime) -> EmailSentV1:
    return EmailSentV1(**_about(row), message_id=row["message_id"], sent_at=now)


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
    event = EmailFailedV1(**_about(row), status=status, error=error[:500], attempts=row["attempts"], failed_at=now)
    await runtime.dispatcher.emit_standalone(conn, event, SYSTEM_ACTOR, row["correlation_id"])


async def _record(runtime: Runtime[Any], change: Callable[[Connection], Awaitable[None]]) -> None:
    """Record an outcome, retrying while PostgreSQL is away: the send already happened (or not)."""
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
