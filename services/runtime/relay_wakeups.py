"""The outbox relay is woken by every instance's commits, not only its own process's.

One instance relays a service's outbox at a time (its lease, services/runtime/relay.py). Its own
commits wake it in-process; the other instances' commits used to wait for its next poll
(``relay_poll_interval_s``, half a second), which, with three instances, made two commands in three
wait a quarter of a second on average before their reply and events left. A transaction that
writes outbox rows notifies ``outbox.WAKE_CHANNEL`` as it commits (outbox.add_many); every instance
listens on a connection of its own and wakes its relay. Only the leader acts on it; the others
keep trying the lease at their pace.

A notification is a hint, never the guarantee: while the listening connection is lost (PostgreSQL
restarted), the relay still polls, and the connection is opened again after a pause."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from services.runtime import db, outbox
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)

RECONNECT_S = 5.0
"""How long a lost listening connection waits before it is opened again (the relay polls meanwhile)."""


async def listen(settings: ServiceSettings, wake: Callable[[], None]) -> None:
    """Until cancelled: wake the relay on each notification of ``outbox.WAKE_CHANNEL``."""
    while True:
        try:
            await _listen_once(settings, wake)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the relay polls until the connection is back
            logger.warning("outbox wake-ups not received (%s); the relay polls meanwhile", type(exc).__name__)
        await asyncio.sleep(RECONNECT_S)


async def _listen_once(settings: ServiceSettings, wake: Callable[[], None]) -> None:
    conn = await db.connect(settings)
    lost = asyncio.Event()

    def on_notification(*_: Any) -> None:
        wake()

    conn.add_termination_listener(lambda *_: lost.set())
    try:
        await conn.add_listener(outbox.WAKE_CHANNEL, on_notification)
        await lost.wait()
    finally:
        if not conn.is_closed():
            await conn.close()
