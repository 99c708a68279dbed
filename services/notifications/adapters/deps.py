"""What the notifications service's handlers and workers share for the service's whole life."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from contracts.errors import Refused
from services.notifications.adapters.templates import Renderer
from services.notifications.domain.requests import EmailPolicy
from services.notifications.settings import NotificationsSettings
from services.runtime.secrets import open_secret


@dataclass
class NotificationsDeps:
    """Also what deciding an e-mail needs (domain.requests.Deciding): the policy, the templates,
    and whether a sealed secret can be opened."""

    settings: NotificationsSettings
    renderer: Renderer
    sealing_key: str | None = None
    mail_queued: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for_mail(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.mail_queued.wait(), timeout)
        self.mail_queued.clear()

    def open_secret(self, sealed: str, field_name: str) -> str:
        """A sealed secret in clear text, in memory only: never store, log or publish the result.
        Refused when it cannot be opened with this service's key."""
        return open_secret(self.sealing_key, sealed, field_name)

    def can_open(self, sealed: str) -> bool:
        try:
            self.open_secret(sealed, "sealed")
        except Refused:
            return False
        return True

    @property
    def templates(self) -> Renderer:
        return self.renderer

    @property
    def policy(self) -> EmailPolicy:
        s = self.settings
        return EmailPolicy(
            default_language=s.default_language,
            default_email_format=s.default_email_format,
            max_body_chars=s.max_body_chars,
        )
