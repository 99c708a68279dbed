"""Catalog facts as the order rules need them, and the checks on products and coupons (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.errors import Refused
from contracts.orders import OrderErrors
from services.orders.domain.pricing import CouponTerms


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    prices: dict[str, Decimal]
    trackable: bool
    stocked: bool
    backorderable: bool
    active: bool
    on_hand: int
    reserved: int

    @property
    def available(self) -> int | None:
        """Available to promise; None when stock is not counted (always available)."""
        return max(self.on_hand - self.reserved, 0) if self.stocked else None

    def price_in(self, currency: str) -> Decimal | None:
        return self.prices.get(currency)


def orderable(product: Product | None, currency: str, field: str) -> Product:
    """The product, if it can be put on an order in ``currency``; else the specific rejection.
    An unknown SKU is not quoted (a SKU is not checked for card numbers: an EAN-13 passes Luhn one
    time in ten); a known product is named by the catalog's own SKU and name."""
    if product is None:
        raise Refused.field(OrderErrors.UNKNOWN_SKU, field, "no product with this SKU in the catalog")
    if not product.active:
        raise Refused.field(OrderErrors.PRODUCT_INACTIVE, field, f"{product.sku} ({product.name}) is no longer sold")
    if product.price_in(currency) is None:
        raise Refused.field(OrderErrors.CURRENCY_MISMATCH, field, f"{product.sku} has no price in {currency}")
    return product


def check_quantity(quantity: int, limit: int, field: str) -> None:
    if quantity > limit:
        raise Refused.field(errors.LIMIT_EXCEEDED, field, f"at most {limit} of one product per line")


@dataclass(frozen=True)
class Coupon:
    terms: CouponTerms
    valid_from: datetime
    valid_to: datetime
    max_uses: int | None
    uses: int
    once_per_customer: bool
    active: bool


def coupon_problem(
    coupon: Coupon | None, currency: str, now: datetime, used_by_customer: bool
) -> tuple[str, str] | None:
    """Why ``coupon`` cannot be redeemed now on an order in ``currency`` (code, message), or None."""
    if coupon is None or not coupon.active:
        return OrderErrors.UNKNOWN_COUPON, "no active coupon has this code"
    if now < coupon.valid_from:
        return OrderErrors.COUPON_NOT_YET_VALID, f"the coupon is valid from {coupon.valid_from:%Y-%m-%d %H:%M} UTC"
    if now >= coupon.valid_to:
        return OrderErrors.COUPON_EXPIRED, f"the coupon expired on {coupon.valid_to:%Y-%m-%d %H:%M} UTC"
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        return OrderErrors.COUPON_USED_UP, f"the coupon reached its limit of {coupon.max_uses} uses"
    if coupon.once_per_customer and used_by_customer:
        return OrderErrors.COUPON_ALREADY_USED, "the coupon may be used once per customer; it was used"
    if coupon.terms.currency not in (None, currency):
        return OrderErrors.CURRENCY_MISMATCH, f"the coupon is for orders in {coupon.terms.currency}"
    return None


def check_stock_adjustment(product: Product | None, delta: int) -> Product:
    """Stock on hand moves for a known product only, and never below zero (ORD-01)."""
    if product is None:
        raise Refused.field(OrderErrors.UNKNOWN_SKU, "payload.sku", "no product with this SKU")
    if product.on_hand + delta < 0:
        raise Refused.field(
            OrderErrors.INSUFFICIENT_STOCK,
            "payload.delta",
            f"{product.sku} has {product.on_hand} on hand; the stock cannot go below zero",
        )
    return product
