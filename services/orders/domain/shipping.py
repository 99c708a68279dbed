"""Shipping modes and what each costs per shipment, as the shop configures them (docs/orders.md)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


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
