"""Pricing (ORD-05, ORD-06), pure: line prices, discounts, coupons, CSR adjustments, shipping,
handling, tax and totals, in the order's currency, exact to its minor unit (the cent; the yen; the
fils, a thousandth of a Kuwaiti dinar: ISO 4217, ``contracts.iso.minor_units``).

The order of work, and where rounding happens (docs/orders.md says the same for people):

1. Each line: unit price (catalog price rounded half-even to the minor unit) x quantity = ``subtotal``;
   the best predefined line rule gives ``discount`` (rounded half-even); ``net`` = subtotal - discount.
2. ``subtotal`` of the order = sum of line nets.
3. Order-level discounts, each computed on that subtotal and rounded half-even: the best
   predefined order rule, then each coupon in the order applied, then the CSR's subtotal
   adjustment. Together they never exceed the subtotal (the last ones are cut down).
4. The discount total is shared among the lines in proportion to their net (whole minor units, largest
   remainder), so each line knows what it is taxed on.
5. Tax per line at the rate of where the line ships, on (net - share), rounded half-even.
6. Shipping per shipment (lines with the same address and mode): base + per item, free when the
   shipment's merchandise reaches the mode's threshold; handling per order. A CSR override
   replaces the calculated charge. Shipping and handling are not taxed.
7. ``total`` = subtotal - discount total + shipping + handling + tax: a sum of rounded parts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from contracts.common import Address
from contracts.iso import minor_units
from contracts.orders import (
    ChargeDetail,
    OrderDiscountView,
    OrderLineDetail,
    OrderView,
    PaymentView,
    ShipmentGroup,
    ShipTo,
    TotalsView,
)
from services.orders.domain.shipping import ShippingMode

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 USD, 1 JPY, 0.001 KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def money(value: Decimal, currency: str) -> Decimal:
    """Amounts are kept to the currency's minor unit with banker's rounding (half-even)."""
    return value.quantize(unit(currency), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Rule:
    """A predefined discount rule, as pricing needs it."""

    code: str
    description: str
    level: str  # line | order
    kind: str  # percent | amount
    value: Decimal
    currency: str | None = None
    sku: str | None = None
    min_quantity: int = 1
    min_subtotal: Decimal | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def valid_at(self, now: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= now) and (self.valid_to is None or now < self.valid_to)


@dataclass(frozen=True)
class CouponTerms:
    code: str
    description: str
    kind: str
    value: Decimal
    currency: str | None = None
    min_subtotal: Decimal | None = None


@dataclass(frozen=True)
class PricingPolicy:
    shipping_modes: dict[str, ShippingMode]
    default_shipping_mode: str
    tax_rates: dict[str, Decimal]
    handling_charge: Decimal = Decimal(0)


def percent_of(amount: Decimal, percent: Decimal, currency: str) -> Decimal:
    return money(amount * percent / HUNDRED, currency)


# --- lines --------------------------------------------------------------------------------------


def price_line(line: OrderLineDetail, rules: Sequence[Rule], currency: str) -> OrderLineDetail:
    subtotal = money(line.unit_price, currency) * line.quantity
    discount, code = money(ZERO, currency), None
    for rule in sorted(rules, key=lambda r: r.code):
        if not _line_rule_applies(rule, line, currency):
            continue
        amount = _rule_amount(rule.kind, rule.value, subtotal, currency, per_unit_of=line.quantity)
        if amount > discount:
            discount, code = amount, rule.code
    net = subtotal - discount
    return line.model_copy(
        update={
            "unit_price": money(line.unit_price, currency),
            "subtotal": subtotal,
            "discount": discount,
            "discount_code": code,
            "net": net,
        }
    )


def _line_rule_applies(rule: Rule, line: OrderLineDetail, currency: str) -> bool:
    return (
        rule.level == "line"
        and rule.sku in (None, line.sku)
        and line.quantity >= rule.min_quantity
        and rule.currency in (None, currency)
    )


def _rule_amount(kind: str, value: Decimal, base: Decimal, currency: str, per_unit_of: int = 1) -> Decimal:
    """A percentage of ``base``, or an amount (per unit for line rules), never more than ``base``."""
    return min(_raw_amount(kind, value, base, currency, per_unit_of), base)


def _raw_amount(kind: str, value: Decimal, base: Decimal, currency: str, per_unit_of: int = 1) -> Decimal:
    return percent_of(base, value, currency) if kind == "percent" else money(value, currency) * per_unit_of


# --- order-level discounts ----------------------------------------------------------------------


def order_discounts(
    subtotal: Decimal,
    rules: Sequence[Rule],
    coupons: Sequence[CouponTerms],
    adjustment: Decimal | None,
    currency: str,
) -> list[OrderDiscountView]:
    wanted: list[OrderDiscountView] = []
    best = _best_order_rule(subtotal, rules, currency)
    if best is not None:
        wanted.append(best)
    for coupon in coupons:
        wanted.append(_coupon_discount(coupon, subtotal, currency))
    if adjustment:
        wanted.append(
            OrderDiscountView(
                kind="adjustment", description="CSR adjustment", amount=money(adjustment, currency), code=None
            )
        )
    return _capped(wanted, subtotal)


def _best_order_rule(subtotal: Decimal, rules: Sequence[Rule], currency: str) -> OrderDiscountView | None:
    best: OrderDiscountView | None = None
    for rule in sorted(rules, key=lambda r: r.code):
        if rule.level != "order" or rule.currency not in (None, currency):
            continue
        if rule.min_subtotal is not None and subtotal < rule.min_subtotal:
            continue
        amount = _rule_amount(rule.kind, rule.value, subtotal, currency)
        if amount > 0 and (best is None or amount > best.amount):
            best = OrderDiscountView(kind="rule", code=rule.code, description=rule.description, amount=amount)
    return best


def _coupon_discount(coupon: CouponTerms, subtotal: Decimal, currency: str) -> OrderDiscountView:
    view = OrderDiscountView(
        kind="coupon", code=coupon.code, description=coupon.description, amount=money(ZERO, currency)
    )
    if coupon.currency not in (None, currency):
        return view.model_copy(update={"note": f"only for orders in {coupon.currency}"})
    if coupon.min_subtotal is not None and subtotal < coupon.min_subtotal:
        note = f"applies from a subtotal of {money(coupon.min_subtotal, currency)}"
        return view.model_copy(update={"note": note})
    return view.model_copy(update={"amount": _raw_amount(coupon.kind, coupon.value, subtotal, currency)})


def _capped(discounts: list[OrderDiscountView], subtotal: Decimal) -> list[OrderDiscountView]:
    remaining = subtotal
    capped = []
    for d in discounts:
        amount = min(d.amount, remaining)
        remaining -= amount
        note = d.note if amount == d.amount else f"cut to {amount} so the subtotal does not go below zero"
        capped.append(d.model_copy(update={"amount": amount, "note": note}))
    return capped


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Share ``total`` (whole minor units) in proportion to ``weights``: largest remainder, ties to
    the earlier line, so the shares add up to the total exactly."""
    step = unit(currency)
    weight = sum(weights, Decimal(0))
    if total == 0 or weight == 0:
        return [money(ZERO, currency) for _ in weights]
    units = int(total / step)
    raw = [Decimal(units) * w / weight for w in weights]
    shares = [int(r) for r in raw]
    rest = units - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(raw[i] - shares[i]), i))
    for i in by_remainder[:rest]:
        shares[i] += 1
    return [Decimal(s) * step for s in shares]


# --- tax and shipping -------------------------------------------------------------------------


def tax_rate(address: Address | None, rates: dict[str, Decimal]) -> Decimal:
    """The rate of the most specific jurisdiction configured: country-region, then country."""
    if address is None:
        return Decimal(0)
    if address.region:
        regional = rates.get(f"{address.country}-{address.region.upper()}")
        if regional is not None:
            return regional
    return rates.get(address.country, Decimal(0))


def effective_ship_to(line: OrderLineDetail, order: OrderView, default_mode: str) -> ShipTo | None:
    """Where a line goes: its own address, else the order's; its mode, else the order's, else the default."""
    target = line.ship_to or order.ship_to
    if target is None:
        return None
    mode = (
        (line.ship_to.shipping_mode if line.ship_to else None)
        or (order.ship_to.shipping_mode if order.ship_to else None)
        or default_mode
    )
    return ShipTo(address=target.address, shipping_mode=mode)


def shipments(order: OrderView, lines: Sequence[OrderLineDetail], policy: PricingPolicy) -> list[ShipmentGroup]:
    groups: dict[tuple[str, str], list[OrderLineDetail]] = {}
    targets: dict[tuple[str, str], ShipTo] = {}
    for line in lines:
        target = effective_ship_to(line, order, policy.default_shipping_mode)
        if target is None:
            continue
        key = (target.address.model_dump_json(), target.shipping_mode or "")
        groups.setdefault(key, []).append(line)
        targets[key] = target
    return [
        ShipmentGroup(
            ship_to=targets[key],
            line_nos=[ln.line_no for ln in members],
            charge=shipment_charge(targets[key].shipping_mode or "", members, order.currency, policy),
        )
        for key, members in groups.items()
    ]


def shipment_charge(mode: str, lines: Iterable[OrderLineDetail], currency: str, policy: PricingPolicy) -> Decimal:
    shipping_mode = policy.shipping_modes.get(mode)
    charge = shipping_mode.charges.get(currency) if shipping_mode else None
    if charge is None:  # an unknown mode or one not offered in this currency: submit reports it
        return money(ZERO, currency)
    members = list(lines)
    merchandise = sum((ln.net for ln in members), ZERO)
    if charge.free_over is not None and merchandise >= charge.free_over:
        return money(ZERO, currency)
    units = sum(ln.quantity for ln in members)
    return money(charge.base + charge.per_item * units, currency)


def _charge(kind: str, calculated: Decimal, previous: list[ChargeDetail]) -> ChargeDetail:
    old = next((c for c in previous if c.kind == kind), None)
    if old is not None and old.overridden:
        return old.model_copy(update={"calculated": calculated})
    return ChargeDetail(kind=kind, calculated=calculated, amount=calculated)


# --- the whole order ----------------------------------------------------------------------------


def price_order(
    order: OrderView, rules: Sequence[Rule], coupons: Sequence[CouponTerms], policy: PricingPolicy
) -> OrderView:
    """Every amount of ``order`` computed again from its lines' unit prices and quantities."""
    currency = order.currency
    lines = [price_line(line, rules, currency) for line in order.lines]
    zero = money(ZERO, currency)
    subtotal = sum((ln.net for ln in lines), zero)
    by_code = {c.code: c for c in coupons}
    applied = [by_code[code] for code in order.coupons if code in by_code]
    discounts = order_discounts(
        subtotal, rules, applied, order.adjustment.amount if order.adjustment else None, currency
    )
    discount_total = sum((d.amount for d in discounts), zero)
    shares = allocate(discount_total, [ln.net for ln in lines], currency)
    lines = [_taxed(ln, share, order, policy) for ln, share in zip(lines, shares, strict=True)]
    groups = shipments(order, lines, policy)
    charges = [
        _charge("shipping", sum((g.charge for g in groups), zero), order.charges),
        _charge("handling", money(policy.handling_charge, currency) if lines else zero, order.charges),
    ]
    shipping, handling = charges[0].amount, charges[1].amount
    tax = sum((ln.tax for ln in lines), zero)
    totals = TotalsView(
        merchandise=sum((ln.subtotal for ln in lines), zero),
        line_discounts=sum((ln.discount for ln in lines), zero),
        subtotal=subtotal,
        discount_total=discount_total,
        shipping=shipping,
        handling=handling,
        tax=tax,
        total=subtotal - discount_total + shipping + handling + tax,
    )
    priced = order.model_copy(
        update={"lines": lines, "discounts": discounts, "charges": charges, "shipments": groups, "totals": totals}
    )
    return with_payment_amounts(priced)


def _taxed(line: OrderLineDetail, share: Decimal, order: OrderView, policy: PricingPolicy) -> OrderLineDetail:
    target = line.ship_to or order.ship_to
    rate = tax_rate(target.address if target else None, policy.tax_rates)
    tax = percent_of(line.net - share, rate, order.currency)
    return line.model_copy(
        update={"order_discount": share, "tax_rate": rate, "tax": tax, "total": line.net - share + tax}
    )


def with_payment_amounts(order: OrderView) -> OrderView:
    """Fixed amounts as requested; the one open instruction takes what the others leave."""
    zero = money(ZERO, order.currency)
    active = [p for p in order.payments if p.status != "declined"]
    fixed = sum((p.requested_amount or zero for p in active if p.requested_amount is not None), zero)
    rest = max(order.totals.total - fixed, zero)
    payments = [_resolved(p, rest, zero) for p in order.payments]
    return order.model_copy(update={"payments": payments})


def _resolved(payment: PaymentView, rest: Decimal, zero: Decimal) -> PaymentView:
    if payment.requested_amount is not None:
        return payment.model_copy(update={"amount": payment.requested_amount})
    return payment.model_copy(update={"amount": rest if payment.status != "declined" else zero})


def payment_shortfall(order: OrderView) -> Decimal:
    """Total minus what the usable (not declined) instructions pay: positive means not covered."""
    paid = sum((p.amount for p in order.payments if p.status != "declined"), ZERO)
    return order.totals.total - paid
