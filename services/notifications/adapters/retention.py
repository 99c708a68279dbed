"""Retention (NTF-06): bodies of settled e-mails older than OMS_BODY_RETENTION_DAYS are deleted
periodically; the metadata (created, sent, status, to, subject, flags...) stays. Supervisors can
also run it on demand with PurgeEmailBodiesV1."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contracts.envelope import Actor, Role
from contracts.notifications import EmailBodiesPurgedV1
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.postgres import emails
from services.notifications.domain import rules as domain

if TYPE_CHECKING:
    from services.runtime.service import Runtime

logger = logging.getLogger(__name__)
RETENTION_ACTOR = Actor(agent_id="retention", role=Role.SYSTEM)


async def purge_once(runtime: Runtime[Any]) -> int:
    deps: NotificationsDeps = runtime.deps
    now = datetime.now(UTC)
    cutoff = domain.retention_cutoff(now, deps.settings.body_retention_days)
    async with runtime.pool.acquire() as conn, conn.transaction():
        count = await emails.purge_bodies(conn, cutoff, now)
        if count:
            event = EmailBodiesPurgedV1(cutoff=cutoff, count=count, purged_by=RETENTION_ACTOR.agent_id, purged_at=now)
            await runtime.dispatcher.emit_standalone(conn, event, RETENTION_ACTOR, None)
    if count:
        logger.info("deleted the bodies of %d e-mails created before %s", count, cutoff.isoformat())
        runtime.relay.wake()
    return count


async def retention_worker(runtime: Runtime[Any]) -> None:
    deps: NotificationsDeps = runtime.deps
    while True:
        try:
            await purge_once(runtime)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("retention run failed; will try again")
        await asyncio.sleep(deps.settings.retention_interval_s)
