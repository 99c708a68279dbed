"""What the notifications service's handlers and workers share."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from contracts.sealing import SealingError, open_sealed
from services.notifications.domain.rendering import Renderer
from services.notifications.settings import NotificationsSettings


@dataclass
class NotificationsDeps:
    settings: NotificationsSettings
    renderer: Renderer
    sealing_key: str | None = None
    mail_queued: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for_mail(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.mail_queued.wait(), timeout)
        self.mail_queued.clear()

    def open_secret(self, sealed: str) -> str:
        """A sealed secret in clear text, in memory only: never store, log or publish the result."""
        if not self.sealing_key:
            raise SealingError("no sealing key configured (OMS_SEALING_KEY_FILE)")
        return open_sealed(sealed, self.sealing_key)
