"""Running a service as a process: ``python -m services.<name>``."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from services.runtime import hooks, logs, telemetry
from services.runtime.service import ServiceDefinition, build_app
from services.runtime.settings import ServiceSettings


def run(definition: Callable[[], ServiceDefinition[Any]], settings: ServiceSettings) -> None:
    if not settings.oidc_issuer:
        # Every command and query is checked against this issuer's signing keys; without one the
        # service could trust nobody, and would answer every message `unauthenticated`.
        sys.exit(
            f"{settings.service_name}: OMS_OIDC_ISSUER is required: the URL of the OIDC issuer whose access"
            " tokens the service trusts, e.g. http://127.0.0.1:8080/realms/csr-oms (devstack writes it to .stack/env)"
        )
    logs.configure(settings.service_name, settings.log_level, settings.log_format)
    # Only the reliability harness and the tests set it (services/runtime/hooks.py).
    telemetry.configure(settings)
    hooks.install(os.environ.get(hooks.OBSERVERS_VARIABLE, ""))
    app = build_app(definition(), settings)
    level = logging.getLevelName(settings.log_level.upper())
    # uvicorn serves /health and /metrics and turns SIGTERM into a graceful lifespan shutdown:
    # stop consuming, finish the message in hand, flush the outbox, close.
    asyncio.run(
        app.run(
            level, {"host": settings.http_host, "port": settings.http_port, "access_log": "false", "log_config": None}
        )
    )
