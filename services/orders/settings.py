"""Settings of the orders service (``OMS_*``): shipping modes, tax rates, CSR limits.

Structured settings (shipping modes, tax rates) are JSON in their environment variable, e.g.
``OMS_TAX_RATES='{"US-CA": "7.25", "DE": "19"}'``. docs/orders.md explains each one.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from services.runtime.settings import ServiceSettings


class ModeCharge(BaseModel):
    """What a shipping mode costs per shipment (one address and mode) in one currency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: Decimal
    per_item: Decimal = Decimal(0)
    free_over: Decimal | None = None  # a shipment whose merchandise reaches this ships free


class ShippingMode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    charges: dict[str, ModeCharge]  # by currency


def _modes() -> dict[str, ShippingMode]:
    def charge(base: str, per_item: str = "0", free_over: str | None = None) -> ModeCharge:
        return ModeCharge(
            base=Decimal(base), per_item=Decimal(per_item), free_over=Decimal(free_over) if free_over else None
        )

    return {
        "standard": ShippingMode(
            name="Standard (5-7 business days)",
            charges={"USD": charge("6.95", "0.50", "150"), "EUR": charge("5.95", "0.50", "120"), "CHF": charge("9")},
        ),
        "express": ShippingMode(
            name="Express (2 business days)",
            charges={"USD": charge("14.95", "1.00"), "EUR": charge("12.95", "1.00"), "CHF": charge("19")},
        ),
        "overnight": ShippingMode(
            name="Overnight", charges={"USD": charge("29.95", "2.00"), "EUR": charge("24.95", "2.00")}
        ),
        "pickup": ShippingMode(
            name="Pick up in store", charges={"USD": charge("0"), "EUR": charge("0"), "CHF": charge("0")}
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
