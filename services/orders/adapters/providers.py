"""Which provider moves whose money: cards through Stripe when it is configured (else an outside
system reports each card's result), invoices by hand (the manual method)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.orders.adapters.manual_provider import ManualProvider
from services.orders.adapters.stripe_provider import StripeProvider
from services.orders.application.payments import EXTERNAL, PaymentProvider, ProviderUnavailable
from services.orders.settings import OrdersSettings


@dataclass(frozen=True)
class ProviderSet:
    stripe: StripeProvider | None = None
    manual: ManualProvider = field(default_factory=ManualProvider)

    @classmethod
    def of(cls, settings: OrdersSettings) -> ProviderSet:
        if settings.stripe_api_base and settings.stripe_api_key is not None:
            return cls(stripe=StripeProvider(settings.stripe_api_base, settings.stripe_api_key.get_secret_value()))
        return cls()

    def for_method(self, method: str) -> PaymentProvider | None:
        if method == "card":
            return self.stripe
        return self.manual

    def named(self, name: str) -> PaymentProvider:
        if name == "stripe":
            if self.stripe is None:  # configured away while it held money: nobody can move it now
                raise ProviderUnavailable("the stripe provider is not configured")
            return self.stripe
        if name in ("manual", EXTERNAL):
            return self.manual
        raise ProviderUnavailable(f"unknown provider {name!r}")
