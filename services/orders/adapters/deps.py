"""What the orders handlers share: settings, the key that opens sealed card numbers, pricing policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts import errors
from contracts.envelope import FieldError
from contracts.sealing import SealingError, open_sealed
from services.orders.adapters.order_store import OrderSequence
from services.orders.domain.pricing import PricingPolicy
from services.orders.settings import OrdersSettings
from services.runtime.handling import Context, Rejected


@dataclass(frozen=True)
class OrdersDeps:
    settings: OrdersSettings
    sealing_key: str | None = None
    order_numbers: OrderSequence = field(default_factory=OrderSequence)

    def open_secret(self, sealed: str, field_name: str) -> str:
        """The clear text of a sealed value, in memory only. Never log or keep what this returns."""
        if self.sealing_key is None:
            raise Rejected.field(errors.INVALID, field_name, "this service has no sealing key configured")
        try:
            return open_sealed(sealed, self.sealing_key)
        except SealingError as exc:
            # the reply's code stays "invalid"; the field error's code says what is wrong (sealed_*)
            raise Rejected(
                errors.INVALID, str(exc), [FieldError(field=field_name, code=exc.code, message=str(exc))]
            ) from None

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
