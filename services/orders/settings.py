"""Settings of the orders service (``OMS_*``): shipping modes, tax rates, CSR limits.

Structured settings (shipping modes, tax rates) are JSON in their environment variable, e.g.
``OMS_TAX_RATES='{"US-CA": "7.25", "DE": "19"}'``. docs/orders.md explains each one.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, SecretStr, model_validator

from services.orders.domain.shipping import ModeCharge, ShippingMode
from services.runtime.settings import ServiceSettings


def _modes() -> dict[str, ShippingMode]:
    def charge(base: str, per_item: str = "0", free_over: str | None = None) -> ModeCharge:
        return ModeCharge(
            base=Decimal(base), per_item=Decimal(per_item), free_over=Decimal(free_over) if free_over else None
        )

    # Every currency the shop prices in (products, alert thresholds) has the default mode, so a
    # cart in it can be shipped; the validator of OrdersSettings refuses a configuration that
    # does not. Amounts are in each currency's own minor unit (yen have none, dinars three).
    return {
        "standard": ShippingMode(
            name="Standard (5-7 business days)",
            charges={
                "USD": charge("6.95", "0.50", "150"),
                "EUR": charge("5.95", "0.50", "120"),
                "CHF": charge("9"),
                "GBP": charge("4.95", "0.50", "100"),
                "CAD": charge("9.95", "0.75", "200"),
                "JPY": charge("800", "100", "15000"),
                "KWD": charge("2.250", "0.150", "45.000"),
            },
        ),
        "express": ShippingMode(
            name="Express (2 business days)",
            charges={
                "USD": charge("14.95", "1.00"),
                "EUR": charge("12.95", "1.00"),
                "CHF": charge("19"),
                "GBP": charge("11.95", "1.00"),
                "CAD": charge("19.95", "1.50"),
                "JPY": charge("1800", "150"),
                "KWD": charge("4.500", "0.300"),
            },
        ),
        "overnight": ShippingMode(
            name="Overnight", charges={"USD": charge("29.95", "2.00"), "EUR": charge("24.95", "2.00")}
        ),
        "pickup": ShippingMode(
            name="Pick up in store",
            charges={c: charge("0") for c in ("USD", "EUR", "CHF", "GBP", "CAD", "JPY", "KWD")},
        ),
    }


def _tax_rates() -> dict[str, Decimal]:
    # Percent, by country or country-region; prices are quoted without tax.
    return {
        "US": Decimal(0),
        "US-CA": Decimal("7.25"),
        "US-IL": Decimal("6.25"),
        "US-NY": Decimal("4"),
        "US-TX": Decimal("6.25"),
        "US-WA": Decimal("6.5"),
        "CA": Decimal(5),
        "DE": Decimal(19),
        "FR": Decimal(20),
        "IT": Decimal(22),
        "NL": Decimal(21),
        "AT": Decimal(20),
        "CH": Decimal("8.1"),
        "GB": Decimal(20),
    }


def _alert_thresholds() -> dict[str, Decimal]:
    # An order total above these (in its currency) raises an alert (SRV-05); no entry, no alert.
    return {
        "USD": Decimal(5000),
        "EUR": Decimal(5000),
        "CHF": Decimal(5000),
        "GBP": Decimal(4000),
        "CAD": Decimal(6500),
        "JPY": Decimal(750000),
        "KWD": Decimal(1500),
    }


def _hold_thresholds() -> dict[str, Decimal]:
    # MNY-09: an order total above these (in its currency) waits for a supervisor before it ships.
    # Every currency the shop prices in has one (the validator of OrdersSettings says so).
    return {
        "USD": Decimal(10000),
        "EUR": Decimal(10000),
        "CHF": Decimal(10000),
        "GBP": Decimal(8000),
        "CAD": Decimal(13000),
        "JPY": Decimal(1500000),
        "KWD": Decimal(3000),
    }


def _appeasement_limits() -> dict[str, Decimal]:
    return {
        "USD": Decimal(50),
        "EUR": Decimal(50),
        "CHF": Decimal(50),
        "GBP": Decimal(40),
        "CAD": Decimal(65),
        "JPY": Decimal(7500),
        "KWD": Decimal(15),
    }


def _return_reasons() -> list[str]:
    return ["damaged", "defective", "wrong_item", "not_as_described", "no_longer_needed", "other"]


class OrdersSettings(ServiceSettings):
    service_name: str = "orders"

    shipping_modes: dict[str, ShippingMode] = _modes()
    default_shipping_mode: str = "standard"
    tax_rates: dict[str, Decimal] = _tax_rates()
    handling_charge: Decimal = Decimal(0)  # per order, before any override

    max_line_quantity: int = 999  # a larger quantity is rejected (limit_exceeded)

    # ORD-06: what a CSR may take off without a supervisor; supervisors have their own limits.
    csr_max_subtotal_adjustment: Decimal = Decimal(50)
    csr_max_subtotal_adjustment_percent: Decimal = Decimal(10)
    csr_max_charge_reduction: Decimal = Decimal(25)
    supervisor_max_subtotal_adjustment: Decimal = Decimal(1000)
    supervisor_max_subtotal_adjustment_percent: Decimal = Decimal(100)
    supervisor_max_charge_reduction: Decimal = Decimal(100000)

    # SRV-01: how long a quote's prices are guaranteed when the CSR does not say, and at most.
    quote_valid_days: int = 30
    quote_max_valid_days: int = 90

    # SRV-05: the system's alert rules. An order total above the threshold of its currency (no
    # threshold: no alert); billing and shipping in different countries; more than
    # ``alert_max_orders`` orders of one customer within ``alert_orders_window_minutes``.
    alert_total_over: dict[str, Decimal] = Field(default_factory=_alert_thresholds)
    alert_address_mismatch: bool = True
    alert_max_orders: int = 5  # 0: no velocity rule
    alert_orders_window_minutes: int = 60

    # MNY-09: typed holds from rules at submit and on every change after submit (domain/risk.py).
    hold_amount_over: dict[str, Decimal] = Field(default_factory=_hold_thresholds)
    hold_country_mismatch: bool = True

    @property
    def offered_currencies(self) -> frozenset[str]:
        """The currencies a cart may be in: those the default shipping mode is offered in, so every
        cart can be shipped (a cart without a mode gets the default) and priced the same way at
        cart, quote and submit."""
        return frozenset(self.shipping_modes[self.default_shipping_mode].charges)

    @model_validator(mode="after")
    def _every_priced_currency_can_be_shipped(self) -> OrdersSettings:
        """A configuration that prices in a currency it cannot ship let a cart be quoted (and the
        quote e-mailed with a price guarantee) that submit then refused; refused at start instead."""
        if self.default_shipping_mode not in self.shipping_modes:
            raise ValueError(f"default_shipping_mode {self.default_shipping_mode!r} is not one of shipping_modes")
        unshippable = sorted(set(self.alert_total_over) - self.offered_currencies)
        if unshippable:
            raise ValueError(
                f"alert_total_over has thresholds in {', '.join(unshippable)}, in which the default shipping mode"
                f" {self.default_shipping_mode!r} is not offered: add its charges or remove the thresholds"
            )
        unlimited = sorted(self.offered_currencies - set(self.hold_amount_over))
        if unlimited:
            missing = ", ".join(unlimited)
            raise ValueError(f"hold_amount_over has no threshold for {missing}: every priced currency needs one")
        return self

    # SRV-06: an edit lock lasts this long after the agent's last edit.
    lock_timeout_s: float = 900

    # SRV-12: the reasons a customer may give for a return.
    return_reasons: list[str] = Field(default_factory=_return_reasons)

    # MNY-01: the card provider. With both set, cards are tokenized, authorized, captured, voided and
    # refunded through Stripe's API at this address (stripe-mock in the dev stack and the tests);
    # without, an outside payment system reports each card's result (RecordPaymentResultV1).
    # Invoices are always the manual method (services/orders/adapters/manual_provider.py).
    stripe_api_base: str | None = None
    stripe_api_key: SecretStr | None = None
    # A provider that cannot be reached is asked again this often within one command before the
    # order waits on the payment_pending hold (then the payment worker asks, backing off up to
    # payment_retry_max_s): services/runtime/retry.py's policy.
    payment_retry_attempts: int = 3
    payment_retry_base_s: float = 0.2
    payment_retry_max_s: float = 30.0
    payment_worker_interval_s: float = 1.0
    # MNY-02: an authorization of a provider whose authorizations expire (Stripe's card
    # authorizations after about 7 days) is replaced when it is older than this, by the
    # re-authorization worker (every reauthorize_interval_s).
    reauthorize_after_s: float = 6 * 24 * 3600
    reauthorize_interval_s: float = 60.0
    reauthorize_providers: list[str] = Field(default_factory=lambda: ["stripe"])

    # MNY-07: the most a CSR may grant as an appeasement, per currency (above it, or in a currency
    # without a limit, only a supervisor). The default covers every currency the shop prices in.
    appeasement_csr_limits: dict[str, Decimal] = Field(default_factory=_appeasement_limits)
