"""The notifications service: templates, rendering, SMTP delivery, e-mail history and retention,
CSR e-mails and previews."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from services.notifications.adapters import metrics
from services.notifications.adapters.deps import NotificationsDeps
from services.notifications.adapters.messages import build_handlers
from services.notifications.adapters.retention import retention_worker
from services.notifications.adapters.smtp.delivery import delivery_worker
from services.notifications.adapters.templates import Renderer
from services.notifications.settings import NotificationsSettings
from services.runtime.service import ServiceDefinition
from services.runtime.settings import ServiceSettings


async def make_deps(settings: ServiceSettings, pool: asyncpg.Pool) -> NotificationsDeps:
    assert isinstance(settings, NotificationsSettings)
    return NotificationsDeps(
        settings=settings,
        renderer=Renderer(settings.templates_dir, settings.default_language),
        sealing_key=settings.sealing_key(),
    )


def create_service() -> ServiceDefinition[NotificationsDeps]:
    return ServiceDefinition(
        name="notifications",
        description=__doc__ or "",
        handlers=build_handlers(),
        migrations=Path(__file__).parent / "migrations",
        make_deps=make_deps,
        workers=[delivery_worker, retention_worker],
        before_scrape=metrics.refresh,
    )


def create_app() -> object:
    """The service's ASGI app, e.g. for ``faststream run services.notifications.app:create_app --factory``. Its AsyncAPI
    document is the project's own (``services.runtime.asyncapi``, at /docs/asyncapi; ``scripts/gen_docs.py``)."""
    from services.runtime.service import build_app

    return build_app(create_service(), NotificationsSettings())
