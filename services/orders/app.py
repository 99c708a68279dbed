"""The orders service: catalog and stock, carts, quotes, orders and their versions, pricing,
payment instructions, CSR controls, fulfilment feedback and returns."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from services.orders.adapters.messages import OrdersDeps, build_handlers
from services.orders.adapters.payment_worker import payment_worker
from services.orders.adapters.providers import ProviderSet
from services.orders.adapters.reauthorization_worker import reauthorization_worker
from services.orders.settings import OrdersSettings
from services.runtime.service import ServiceDefinition
from services.runtime.settings import ServiceSettings


async def make_deps(settings: ServiceSettings, pool: asyncpg.Pool) -> OrdersDeps:
    assert isinstance(settings, OrdersSettings)
    return OrdersDeps(settings=settings, sealing_key=settings.sealing_key(), providers=ProviderSet.of(settings))


def create_service() -> ServiceDefinition[OrdersDeps]:
    return ServiceDefinition(
        name="orders",
        description=__doc__ or "",
        handlers=build_handlers(),
        migrations=Path(__file__).parent / "migrations",
        make_deps=make_deps,
        workers=[payment_worker, reauthorization_worker],
    )


def create_app() -> object:
    """The service's ASGI app, e.g. for ``faststream run services.orders.app:create_app --factory``. Its AsyncAPI
    document is the project's own (``services.runtime.asyncapi``, at /docs/asyncapi; ``scripts/gen_docs.py``)."""
    from services.runtime.service import build_app

    return build_app(create_service(), OrdersSettings())
