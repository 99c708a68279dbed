"""Submit (ORD-09) and available-to-promise (ORD-04), pure: every check on a priced cart, the
stock each line gets, and the order (or the two orders) that come out of it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.envelope import FieldError
from contracts.errors import Refused
from contracts.orders import OrderDiscountView, OrderErrors, OrderLineDetail, OrderView, PaymentView, TotalsView
from services.orders.domain.cards import expired
from services.orders.domain.catalog import Coupon, Product, coupon_problem
from services.orders.domain.pricing import ZERO, PricingPolicy, money, payment_shortfall, shipments


@dataclass(frozen=True)
class Allocation:
    """Per line number: the quantity reserved now and the quantity backordered."""

    reserve: dict[int, int] = field(default_factory=dict)
    backorder: dict[int, int] = field(default_factory=dict)


def _err(path: str, code: str, message: str) -> FieldError:
    return FieldError(field=path, code=code, message=message)


def allocate_stock(order: OrderView, products: Mapping[str, Product]) -> tuple[Allocation, list[FieldError]]:
    """Reserve what is available, line by line; what is missing is backordered if the order's
    backorder choice and the product allow it, else reported."""
    left = {sku: p.available for sku, p in products.items() if p.available is not None}
    allocation = Allocation()
    problems = []
    for line in sorted(order.lines, key=lambda ln: ln.line_no):
        product = products.get(line.sku)
        if product is None or product.available is None:
            continue
        take = min(line.quantity, left[line.sku])
        left[line.sku] -= take
        short = line.quantity - take
        allocation.reserve[line.line_no] = take
        if short == 0:
            continue
        allocation.backorder[line.line_no] = short
        path = f"lines[{line.line_no}].quantity"
        if not product.backorderable:
            problems.append(
                _err(
                    path,
                    OrderErrors.INSUFFICIENT_STOCK,
                    f"{line.sku}: {take} of {line.quantity} available and it cannot be backordered",
                )
            )
        elif order.backorder_policy is None:
            problems.append(
                _err(
                    path,
                    OrderErrors.INSUFFICIENT_STOCK,
                    f"{line.sku}: {take} of {line.quantity} available; choose ship_complete, ship_available or"
                    " separate_order for the rest",
                )
            )
    return allocation, problems


def problems(
    order: OrderView,
    products: Mapping[str, Product],
    coupons: Mapping[str, Coupon],
    used_coupons: set[str],
    now: datetime,
    policy: PricingPolicy,
) -> list[FieldError]:
    """Everything that keeps a priced cart from being submitted (empty: it may be)."""
    found = [*line_problems(order, products), *unshipped_lines(order), *mode_problems(order, policy)]
    if order.billing_address is None:
        found.append(_err("billing_address", "missing_billing_address", "no billing address"))
    found += payment_problems(order, now)
    for applied in order.coupons:  # the order's own codes, each found in the catalog when applied
        problem = coupon_problem(coupons.get(applied), order.currency, now, applied in used_coupons)
        if problem is not None:
            found.append(_err(f"coupons[{applied}]", *problem))
    return found


def line_problems(order: OrderView, products: Mapping[str, Product]) -> list[FieldError]:
    """Lines that cannot be sold as they are (also checked when a cart is saved as a quote)."""
    if not order.lines:
        return [_err("lines", "no_lines", "the cart has no lines")]
    found = []
    for line in order.lines:
        product = products.get(line.sku)
        path = f"lines[{line.line_no}].sku"
        if product is None:
            found.append(_err(path, OrderErrors.UNKNOWN_SKU, f"{line.sku} is no longer in the catalog"))
        elif not product.active:
            found.append(_err(path, OrderErrors.PRODUCT_INACTIVE, f"{line.sku} is no longer sold"))
        elif product.price_in(order.currency) is None:
            found.append(_err(path, OrderErrors.CURRENCY_MISMATCH, f"{line.sku} has no price in {order.currency}"))
    return found


def unshipped_lines(order: OrderView) -> list[FieldError]:
    unshipped = [ln.line_no for ln in order.lines if ln.ship_to is None and order.ship_to is None]
    return [_err("ship_to", "missing_ship_to", f"no shipping address for line(s) {unshipped}")] if unshipped else []


def mode_problems(order: OrderView, policy: PricingPolicy) -> list[FieldError]:
    """Shipments in a mode not offered in the order's currency (also checked when a cart is saved
    as a quote: a shipment priced 0.00 because its mode has no charge in the currency is a total
    submit would refuse)."""
    found = []
    for group in shipments(order, order.lines, policy):
        mode = policy.shipping_modes.get(group.ship_to.shipping_mode or "")
        if mode is None or order.currency not in mode.charges:
            found.append(
                _err(
                    "ship_to.shipping_mode",
                    OrderErrors.UNKNOWN_SHIPPING_MODE,
                    f"shipping mode {group.ship_to.shipping_mode!r} is not offered in {order.currency}",
                )
            )
    return found


def payment_problems(order: OrderView, now: datetime) -> list[FieldError]:
    usable = [p for p in order.payments if p.status != "declined"]
    found = [
        _err(
            f"payments[{p.payment_id}]",
            "payment_declined",
            f"payment {p.payment_id} was declined: remove it and add another way to pay",
        )
        for p in order.payments
        if p.status == "declined"
    ]
    found += [
        _err(f"payments[{p.payment_id}]", OrderErrors.CARD_EXPIRED, f"the {p.brand} card ending {p.last4} expired")
        for p in usable
        if p.method == "card" and p.expiry_month and p.expiry_year and expired(p.expiry_month, p.expiry_year, now)
    ]
    if not usable:
        if not found:  # a declined instruction already says what to do
            found.append(_err("payments", "missing_payment", "no payment instruction"))
        return found
    short = payment_shortfall(order)
    if short > 0:
        found.append(_err("payments", "payment_not_covered", f"payments leave {short} of {order.totals.total} unpaid"))
    elif short < 0:
        found.append(_err("payments", "payment_exceeds_total", f"payments exceed the total by {-short}"))
    return found


def require_no_alerts(order: OrderView) -> None:
    """A cart with alerts nobody cleared is not submitted (SRV-05); the rejection lists them."""
    open_alerts = [a for a in order.alerts if not a.cleared]
    if not open_alerts:
        return
    listed = "; ".join(a.message for a in open_alerts)
    raise Refused(
        OrderErrors.UNCLEARED_ALERTS,
        f"clear the alerts on the order before submitting it: {listed}",
        [_err(f"alerts[{a.alert_id}]", a.rule, a.message) for a in open_alerts],
    )


def rejection(found: list[FieldError], what: str = "submitted") -> Refused:
    """One specific code when every problem shares it (e.g. insufficient_stock), else incomplete_order."""
    codes = {p.code for p in found}
    code = codes.pop() if len(codes) == 1 else OrderErrors.INCOMPLETE_ORDER
    summary = "; ".join(p.message for p in found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
    return Refused(code, f"the order cannot be {what}: {summary}", found)


def submitted(order: OrderView, allocation: Allocation, number: str, now: datetime, agent: str) -> OrderView:
    lines = [
        ln.model_copy(
            update={
                "reserved_quantity": allocation.reserve.get(ln.line_no, 0),
                "backordered_quantity": allocation.backorder.get(ln.line_no, 0),
            }
        )
        for ln in order.lines
    ]
    return order.model_copy(
        update={
            "status": "submitted",
            "holds": [],
            "order_number": number,
            "lines": lines,
            "submitted_at": now,
            "submitted_by": agent,
            "assigned_to": None,
            "pending_since": None,
        }
    )


def resubmitted(order: OrderView, now: datetime) -> OrderView:
    if order.status != "submitted" or "payment" not in order.holds:
        raise Refused(errors.INVALID_STATE, f"order {order.order_number} is already submitted and not on payment hold")
    found = payment_problems(order, now)
    if found:
        raise rejection(found)
    return order.model_copy(update={"holds": [h for h in order.holds if h != "payment"]})


# --- moving backorders to a separate order (ORD-04) -----------------------------------------------


def _part(line: OrderLineDetail, quantity: int, currency: str) -> OrderLineDetail:
    """``quantity`` of ``line`` with its share of every amount; totals stay sums of their parts."""
    if quantity == line.quantity:
        return line
    share = Decimal(quantity) / Decimal(line.quantity)
    subtotal = money(line.unit_price, currency) * quantity
    discount = money(line.discount * share, currency)
    order_discount = money(line.order_discount * share, currency)
    tax = money(line.tax * share, currency)
    net = subtotal - discount
    return line.model_copy(
        update={
            "quantity": quantity,
            "subtotal": subtotal,
            "discount": discount,
            "net": net,
            "order_discount": order_discount,
            "tax": tax,
            "total": net - order_discount + tax,
        }
    )


def _rest(line: OrderLineDetail, moved: OrderLineDetail) -> OrderLineDetail:
    return line.model_copy(
        update={
            "quantity": line.quantity - moved.quantity,
            "subtotal": line.subtotal - moved.subtotal,
            "discount": line.discount - moved.discount,
            "net": line.net - moved.net,
            "order_discount": line.order_discount - moved.order_discount,
            "tax": line.tax - moved.tax,
            "total": line.total - moved.total,
            "backordered_quantity": 0,
        }
    )


def _totals(lines: list[OrderLineDetail], shipping: Decimal, handling: Decimal) -> TotalsView:
    subtotal = sum((ln.net for ln in lines), ZERO)
    discount_total = sum((ln.order_discount for ln in lines), ZERO)
    tax = sum((ln.tax for ln in lines), ZERO)
    return TotalsView(
        merchandise=sum((ln.subtotal for ln in lines), ZERO),
        line_discounts=sum((ln.discount for ln in lines), ZERO),
        subtotal=subtotal,
        discount_total=discount_total,
        shipping=shipping,
        handling=handling,
        tax=tax,
        total=subtotal - discount_total + shipping + handling + tax,
    )


def _share_payments(
    payments: list[PaymentView], first_total: Decimal, second_id: uuid.UUID
) -> tuple[list[PaymentView], list[PaymentView]]:
    """The first order's total is paid first, in the order of the instructions; the rest of each
    instruction pays the backorder order (as a copy with its own id and a fixed amount)."""
    first, second = [], []
    due = first_total
    for p in (p for p in payments if p.status != "declined"):
        here = min(p.amount, due)
        due -= here
        if here > 0:
            first.append(p.model_copy(update={"amount": here, "requested_amount": here}))
        if p.amount - here > 0:
            rest = p.amount - here
            second.append(
                p.model_copy(
                    update={
                        "payment_id": uuid.uuid5(second_id, str(p.payment_id)),
                        "amount": rest,
                        "requested_amount": rest,
                    }
                )
            )
    return first, second


def split_backorders(
    order: OrderView, allocation: Allocation, backorder_id: uuid.UUID, backorder_number: str
) -> tuple[OrderView, OrderView]:
    """The submitted ``order`` keeps what is available now; a second order, submitted with it, gets
    the backordered quantities. The customer pays exactly what was quoted: the second order takes
    its lines' share of discounts and tax; shipping and handling stay on the first."""
    kept, moved = [], []
    for line in order.lines:
        short = allocation.backorder.get(line.line_no, 0)
        if short == 0:
            kept.append(line)
            continue
        part = _part(line, short, order.currency).model_copy(
            update={"reserved_quantity": 0, "backordered_quantity": short}
        )
        moved.append(part)
        if short < line.quantity:
            kept.append(_rest(line, part))
    first_totals = _totals(kept, order.totals.shipping, order.totals.handling)
    second_totals = _totals(moved, ZERO, ZERO)
    first_pay, second_pay = _share_payments(order.payments, first_totals.total, backorder_id)
    share = second_totals.discount_total
    first = order.model_copy(
        update={
            "lines": kept,
            "totals": first_totals,
            "payments": first_pay,
            "backorder_order_id": backorder_id,
            "shipments": [g for g in order.shipments if any(ln.line_no in g.line_nos for ln in kept)],
        }
    )
    second = order.model_copy(
        update={
            "order_id": backorder_id,
            "order_number": backorder_number,
            "lines": moved,
            "totals": second_totals,
            "payments": second_pay,
            "backorder_of": order.order_id,
            "backorder_order_id": None,
            "coupons": [],
            "adjustment": None,
            "charges": [],
            "shipments": [],
            "version": 1,
            "discounts": [
                OrderDiscountView(
                    kind="rule", description=f"Share of the discounts of order {order.order_number}", amount=share
                )
            ]
            if share
            else [],
        }
    )
    return first, second
