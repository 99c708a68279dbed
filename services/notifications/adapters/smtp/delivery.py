"""SMTP delivery with retries, and the guarantee it gives (NTF-05).

Every e-mail carries a Message-ID made from its id when it is created (``<email id@OMS_MESSAGE_ID_DOMAIN>``),
identical on every attempt, so copies of one e-mail are recognisable as such by mail systems and by
people. While delivery fails in a way that proves the server did not take the message (connection
refused, TLS or login failure, timeouts before the message was transmitted, 4xx answers), it is
retried with exponential backoff. When an attempt may have delivered it (the process died between
handing the message over and recording it, or no answer came after the message was transmitted),
the rule ``OMS_EMAIL_DELIVERY`` decides:

- ``at-least-once`` (the default): the e-mail is sent again, same Message-ID, counted as an attempt
  and flagged ``resent_after_uncertain`` in the history. A customer never misses an e-mail for a
  crash; at worst they get a copy that mail systems fold away. Only when the attempts run out does
  it stay ``uncertain``.
- ``at-most-once``: it becomes ``uncertain``, shown in the history and announced with an
  EmailFailedV1, and is never sent again unless a CSR re-sends it (ResendEmailV1).

- A message consumed twice creates one e-mail: the inbox claims the message id in the same
  transaction that creates the e-mail row (and the row's dedupe key is unique besides).
- Before the SMTP conversation the row is committed as 'sending' (with the instance and the time);
  after the server accepts the message, as 'sent' (with the rest of its claimed batch, in one
  transaction). Rows left 'sending' by this instance are settled by the rule at its next start,
  and rows 'sending' longer than ``OMS_SENDING_LEASE_S`` (whose sender is gone) by any instance.
- A graceful shutdown in the middle of a conversation puts the e-mail back in the queue when the
  message had not been transmitted yet; when it had, the rule decides.
- Connections are kept open between e-mails (connections.py). A kept connection the server has
  closed meanwhile fails at MAIL FROM, before anything was transmitted: only then is the e-mail
  tried once more, on a new connection.
- 5xx answers to the sender, recipient or message, an address or header the message cannot carry,
  and exhausted retries mark the e-mail 'failed' (or 'uncertain' if an earlier attempt may have
  delivered it), with the error, visible in the history and announced with EmailFailedV1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parseaddr
from typing import TYPE_CHECKING, Any, Protocol

import aiosmtplib
import asyncpg
from opentelemetry.trace import SpanKind

from contracts.envelope import SYSTEM_ACTOR
from contracts.errors import Refused
from contracts.notifications import EmailFailedV1, EmailSentV1
from services.notifications.adapters import metrics
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres import emails
from services.notifications.adapters.smtp import mime
from services.notifications.adapters.smtp.connections import SmtpConnections
from services.notifications.domain import rules as domain
from services.notifications.domain.rendering import TemplateError
from services.notifications.settings import NotificationsSettings
from services.runtime import hooks, logs, telemetry
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
    """The message was transmitted but no answer came: the server may have it."""


def content_for_sending(deps: NotificationsDeps, row: Row) -> tuple[str, str | None]:
    """The text and HTML bodies to hand to the server. An e-mail carrying a secret is rendered again
    here with the secret opened, in memory only; the stored copy keeps its placeholder."""
    if not row["sealed"]:
        return row["body_text"] or "", row["body_html"]
    try:
        sealed = json.loads(row["sealed"]).items()
        secrets = {name: deps.open_secret(value, f"sealed.{name}") for name, value in sealed}
        rendered = deps.renderer.render(row["template"], row["language"], {**json.loads(row["context"]), **secrets})
    except (Refused, TemplateError) as exc:
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
    await _settle_abandoned(runtime, deps.settings.instance_id)
    next_sweep = time.monotonic() + _sweep_interval(deps.settings)
    try:
        while True:
            try:
                if time.monotonic() >= next_sweep:
                    await _settle_abandoned(runtime, None)
                    next_sweep = time.monotonic() + _sweep_interval(deps.settings)
                async with runtime.pool.acquire() as conn, conn.transaction():
                    batch = await emails.claim_due(conn, deps.settings.delivery_concurrency, deps.settings.instance_id)
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


def _sweep_interval(settings: NotificationsSettings) -> float:
    """How often rows past their lease are looked for: a quarter of the lease, at most 30 s."""
    return min(settings.sending_lease_s / 4, 30.0)


def at_least_once(settings: NotificationsSettings) -> bool:
    return settings.email_delivery == "at-least-once"


async def _settle_abandoned(runtime: Runtime[Any], instance: str | None) -> None:
    """E-mails whose sender is gone mid-conversation: this instance's at its start (``instance``),
    any instance's past the lease (None). Sent again or marked uncertain, as the rule says."""
    settings: NotificationsSettings = runtime.deps.settings
    now = datetime.now(UTC)
    found: list[asyncpg.Record] = []

    async def change(conn: Connection) -> None:
        found.clear()  # (the closure may run again after a lost connection)
        if at_least_once(settings):
            found.extend(await emails.requeue_abandoned(conn, instance, settings.sending_lease_s))
            return
        found.extend(await emails.mark_uncertain(conn, instance, settings.sending_lease_s))
        for row in found:
            await _announce_unsent(runtime, conn, row, "uncertain", row["last_error"], now)

    await _record(runtime, change)
    if not found:
        return
    metrics.count("uncertain", len(found))
    if at_least_once(settings):
        metrics.count("resent", len(found))
        runtime.deps.mail_queued.set()
        logger.warning("%d e-mails were being sent when their sender stopped; sending them again", len(found))
    else:
        logger.warning("%d e-mails were being sent when their sender stopped; marked uncertain", len(found))
    runtime.relay.wake()


async def _deliver_batch(runtime: Runtime[Any], batch: list[asyncpg.Record], connections: SmtpConnections) -> None:
    """Send a claimed batch side by side, then record every e-mail the server took in one
    transaction (five round trips for the batch instead of five per e-mail). Until then they are
    'sending': should the process die first they are settled by the delivery rule at the next
    start, as for a death between the server's answer and any recording."""
    taken: list[asyncpg.Record] = []
    try:
        sends = (_deliver(runtime, row, connections, taken) for row in batch)
        outcomes = await asyncio.gather(*sends, return_exceptions=True)
    except asyncio.CancelledError:
        # A graceful stop: what the server took is recorded as sent if that is quick, else it
        # stays 'sending' (settled by the delivery rule at the next start).
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
    """One attempt, in a span of the trace of the message that asked for the e-mail."""
    with telemetry.tracer().start_as_current_span(
        f"send e-mail {row['template'] or 'written'}",
        context=telemetry.context_of(row["traceparent"]),
        kind=SpanKind.CLIENT,
        attributes={"oms.email.id": str(row["email_id"]), "oms.email.attempt": int(row["attempts"])},
    ):
        await _attempt(runtime, row, connections, taken)


async def _attempt(
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
        await _after_uncertain(runtime, row, str(exc))
        return
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.info("e-mail %s not delivered (attempt %d): %s", email_id, row["attempts"], error)
        if row["attempts"] >= settings.max_send_attempts:
            # An earlier attempt that may have delivered it leaves the outcome uncertain, not failed.
            maybe = domain.RESENT_AFTER_UNCERTAIN in row["flags"]
            note = "; an earlier attempt may have delivered it" if maybe else ""
            given_up = f"gave up after {row['attempts']} attempts: {error}{note}"
            await _settle_unsent(runtime, row, "uncertain" if maybe else "failed", given_up)
        else:
            next_at = datetime.now(UTC) + backoff(row["attempts"], settings)
            await _record(runtime, lambda conn: _retry(conn, row, next_at, error))
        return
    hooks.reached("mail_accepted", str(row["template"]))
    taken.append(row)


async def _after_uncertain(runtime: Runtime[Any], row: asyncpg.Record, error: str, *, at_once: bool = False) -> None:
    """An attempt that may have delivered the e-mail. At least once: queued again (after the
    backoff, or ``at_once``) with the same Message-ID while attempts remain. At most once, or with
    no attempt left: 'uncertain'."""
    settings: NotificationsSettings = runtime.deps.settings
    if not at_least_once(settings) or row["attempts"] >= settings.max_send_attempts:
        await _settle_unsent(runtime, row, "uncertain", error)
        return
    next_at = datetime.now(UTC) + (timedelta(0) if at_once else backoff(row["attempts"], settings))
    note = f"re-sent after an uncertain outcome: {error}"
    changed = False

    async def change(conn: Connection) -> None:
        nonlocal changed
        changed = await emails.mark_resend(conn, emails.Claim.of(row), next_at, note)

    await _record(runtime, change)
    if changed:
        metrics.count("uncertain")
        metrics.count("resent")
    else:
        _not_recorded(row, "re-send after an uncertain outcome")


async def _record_sent(runtime: Runtime[Any], rows: list[asyncpg.Record]) -> None:
    if not rows:
        return
    now = datetime.now(UTC)

    recorded = 0
    changed: set[uuid.UUID] = set()

    async def sent(conn: Connection) -> None:
        nonlocal recorded, changed
        # Rows not changed were recorded by an earlier attempt whose COMMIT answer was lost, or
        # were taken over by another instance while this one was frozen (emails.py, "Claim").
        changed = await emails.mark_sent_many(conn, [emails.Claim.of(row) for row in rows], now)
        events = [(_sent_event(row, now), row["correlation_id"]) for row in rows if row["email_id"] in changed]
        await runtime.dispatcher.emit_standalone_many(conn, events, SYSTEM_ACTOR)
        recorded = len(events)

    await _record(runtime, sent)
    metrics.count("sent", recorded)
    for row in rows:
        if row["email_id"] not in changed:
            _not_recorded(row, "sent")
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
    delivered, so the e-mail goes back to the queue; after, the delivery rule decides (sent again
    at the next start, or uncertain). If this cannot be recorded within a few seconds, the row stays
    'sending' and the rule settles it at the next start."""
    if progress.transmitting:
        stopped = "the service stopped while the SMTP server had the message"
        change = _after_uncertain(runtime, row, stopped, at_once=True)
    else:
        now = datetime.now(UTC)
        change = _record(runtime, lambda conn: _retry(conn, row, now, "interrupted by a shutdown"))
    try:
        await asyncio.wait_for(change, 5)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        logger.warning("could not record the interrupted e-mail %s", row["email_id"], exc_info=True)


async def _settle_unsent(runtime: Runtime[Any], row: asyncpg.Record, status: str, error: str) -> None:
    now = datetime.now(UTC)
    changed = False

    async def change(conn: Connection) -> None:
        nonlocal changed
        changed = await emails.mark_settled_unsent(conn, emails.Claim.of(row), status, error)
        if changed:
            await _announce_unsent(runtime, conn, row, status, error, now)

    await _record(runtime, change)
    if changed:
        metrics.count(status)
    else:
        _not_recorded(row, status)
    runtime.relay.wake()


async def _announce_unsent(
    runtime: Runtime[Any], conn: Connection, row: asyncpg.Record, status: str, error: str, now: datetime
) -> None:
    event = EmailFailedV1(**_about(row), status=status, error=error[:500], attempts=row["attempts"], failed_at=now)
    await runtime.dispatcher.emit_standalone(conn, event, SYSTEM_ACTOR, row["correlation_id"])


async def _retry(conn: Connection, row: asyncpg.Record, next_at: datetime, error: str) -> None:
    if not await emails.mark_retry(conn, emails.Claim.of(row), next_at, error):
        _not_recorded(row, "retry")


def _not_recorded(row: asyncpg.Record, outcome: str) -> None:
    """Said whenever a conversation's outcome changed nothing, because the row no longer carries
    this claim: an operator who sees an instance wake from a pause (or a lost COMMIT answer) can
    tell from the log that its late word was dropped, not lost."""
    logger.warning(
        "e-mail %s: outcome '%s' of attempt %d not recorded: the row no longer carries this claim"
        " (taken over by another instance, or recorded already)",
        row["email_id"],
        outcome,
        row["attempts"],
    )


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
