from __future__ import annotations

from services.runtime.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    service_name: str = "orders"
