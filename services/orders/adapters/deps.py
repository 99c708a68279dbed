"""What the orders handlers share: settings, the key that opens sealed card numbers, pricing policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.orders.adapters.order_store import OrderSequence
from services.orders.adapters.providers import ProviderSet
from services.orders.domain.pricing import PricingPolicy
from services.orders.settings import OrdersSettings
from services.runtime.handling import Context
from services.runtime.secrets import open_secret


@dataclass(frozen=True)
class OrdersDeps:
    settings: OrdersSettings
    sealing_key: str | None = None
    order_numbers: OrderSequence = field(default_factory=OrderSequence)
    providers: ProviderSet = field(default_factory=ProviderSet)  # who moves money (MNY-01)

    def open_secret(self, sealed: str, field_name: str) -> str:
        """The clear text of a sealed value, in memory only. Never log or keep what this returns."""
        return open_secret(self.sealing_key, sealed, field_name)

    @property
    def pricing(self) -> PricingPolicy:
        s = self.settings
        return PricingPolicy(
            shipping_modes=s.shipping_modes,
            default_shipping_mode=s.default_shipping_mode,
            tax_rates=s.tax_rates,
            handling_charge=s.handling_charge,
        )


Ctx = Context[OrdersDeps]
