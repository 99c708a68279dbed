"""The notifications service's own metrics: e-mails by outcome, and those waiting for a retry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Gauge

from services.notifications.adapters.postgres import emails

if TYPE_CHECKING:
    from services.runtime.service import Runtime

EMAILS = Counter(
    "oms_emails_total",
    "E-mail attempts by outcome: sent (the server took it), failed (refused for good or given up),"
    " uncertain (the server may have it), resent (queued again with the same Message-ID after an"
    " uncertain outcome or by a CSR)",
    ["outcome"],
)
RETRIES_WAITING = Gauge(
    "oms_email_retries_waiting",
    "E-mails queued again after an attempt that did not (or may not have) deliver them, waiting for the next",
)

OUTCOMES = ("sent", "failed", "uncertain", "resent")
for _outcome in OUTCOMES:  # every outcome shows from the start, at 0, so a rate never lacks a series
    EMAILS.labels(_outcome)


def count(outcome: str, n: int = 1) -> None:
    if n:
        EMAILS.labels(outcome).inc(n)


async def refresh(runtime: Runtime[Any]) -> None:
    """Before each scrape: the gauge is read from the table, so it is right whatever instance did what."""
    async with runtime.pool.acquire(timeout=2) as conn:
        RETRIES_WAITING.set(await emails.retries_waiting(conn))
