"""The customers service: customer records, address book, accounts, lock-out, passwords, notes,
ticklers, assets, and a per-customer timeline built from the other services' events."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from services.customers.adapters.messages import CustomersDeps, build_handlers
from services.customers.settings import CustomersSettings
from services.runtime.service import ServiceDefinition
from services.runtime.settings import ServiceSettings


async def make_deps(settings: ServiceSettings, pool: asyncpg.Pool) -> CustomersDeps:
    assert isinstance(settings, CustomersSettings)
    return CustomersDeps(settings=settings, sealing_key=settings.sealing_key())


def create_service() -> ServiceDefinition[CustomersDeps]:
    return ServiceDefinition(
        name="customers",
        description=__doc__ or "",
        handlers=build_handlers(),
        migrations=Path(__file__).parent / "migrations",
        make_deps=make_deps,
    )


def create_app() -> object:
    """The service's ASGI app, e.g. for ``faststream run services.customers.app:create_app --factory``. Its AsyncAPI
    document is the project's own (``services.runtime.asyncapi``, at /docs/asyncapi; ``scripts/gen_docs.py``)."""
    from services.runtime.service import build_app

    return build_app(create_service(), CustomersSettings())
