"""Cart rules (ORD-02..ORD-08), pure: each function takes the cart as it is and returns it changed,
or raises :class:`Refused` and changes nothing. Pricing happens after, in one place."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.common import Address, Money
from contracts.envelope import Actor, Role
from contracts.errors import Refused
from contracts.orders import (
    BackorderPolicy,
    ChargeDetail,
    CreateCartV1,
    OrderErrors,
    OrderLineDetail,
    OrderView,
    PaymentView,
    PlaceOrderV2,
    ShipTo,
    SubtotalAdjustment,
)
from services.orders.domain.catalog import Coupon, Product, check_quantity, coupon_problem, orderable
from services.orders.domain.policy import ShopPolicy
from services.orders.domain.pricing import ZERO, money, percent_of

MAX_COUPONS = 5
MAX_PAYMENTS = 5


@dataclass(frozen=True)
class CustomerName:
    """What orders knows of a customer from the customers service's events."""

    first_name: str | None
    last_name: str | None
    email: str | None
    language: str | None


def require_status(order: OrderView, *, payment_hold_too: bool = False) -> None:
    """Cart commands change carts only; payment instructions may also change while on payment hold."""
    if order.status == "cart":
        return
    if payment_hold_too and order.status == "submitted" and "payment" in order.holds:
        return
    what = "on payment hold" if "payment" in order.holds else order.status
    raise Refused(
        errors.INVALID_STATE,
        f"order {order.order_number or order.order_id} is {what}: cart commands cannot change it",
    )


def require_version(order: OrderView, expected: int | None) -> None:
    if expected is not None and expected != order.version:
        raise Refused.field(
            errors.STALE_VERSION,
            "payload.expected_version",
            f"the order is at version {order.version}, not the one expected: it changed meanwhile; look again",
        )


def require_offered(currency: str, offered: frozenset[str]) -> None:
    """A cart in a currency the shop cannot ship is refused when it is started, not at submit,
    after it was quoted with a price guarantee (cart, quote and submit check the same rules)."""
    if currency not in offered:
        raise Refused.field(
            OrderErrors.CURRENCY_NOT_OFFERED,
            "payload.currency",
            f"orders are not taken in {currency}; offered: {', '.join(sorted(offered))}",
        )


def new_cart(
    cmd: CreateCartV1 | PlaceOrderV2,
    customer_id: uuid.UUID,
    known: CustomerName | None,
    now: datetime,
    actor: Actor,
    offered: frozenset[str],
) -> OrderView:
    require_offered(cmd.currency, offered)
    return OrderView(
        order_id=cmd.order_id,
        status="cart",
        customer_id=customer_id,
        guest=cmd.guest or cmd.customer_id is None,
        account_id=cmd.account_id,
        first_name=cmd.first_name or (known.first_name if known else None),
        last_name=cmd.last_name or (known.last_name if known else None),
        email=str(cmd.email) if cmd.email else (known.email if known else None),
        phone=cmd.phone,
        language=cmd.language or (known.language if known else None),
        currency=cmd.currency,
        label=cmd.label if isinstance(cmd, CreateCartV1) else None,
        version=0,
        created_at=now,
        created_by=actor.agent_id,
        updated_at=now,
        updated_by=actor.agent_id,
    )


# --- lines --------------------------------------------------------------------------------------


def add_line(
    order: OrderView,
    sku: str,
    quantity: int,
    ship_to: ShipTo | None,
    product: Product | None,
    settings: ShopPolicy,
    field: str = "payload",
) -> tuple[OrderView, int, list[str]]:
    """Add ``quantity`` of ``sku``; the same product to the same place adds to its line."""
    product = orderable(product, order.currency, f"{field}.sku")
    check_quantity(quantity, settings.max_line_quantity, f"{field}.quantity")
    if ship_to is not None:
        check_mode(ship_to.shipping_mode, order.currency, settings, f"{field}.ship_to.shipping_mode")
    # A line at a quote's guaranteed price, or with units shipped, is not topped up: more of the
    # product is a new line at today's price.
    same = next(
        (
            ln
            for ln in order.lines
            if ln.sku == product.sku
            and ln.ship_to == ship_to
            and ln.guaranteed_price is None
            and not ln.shipped_quantity
        ),
        None,
    )
    if same is not None:
        check_quantity(same.quantity + quantity, settings.max_line_quantity, f"{field}.quantity")
        changed = same.model_copy(update={"quantity": same.quantity + quantity})
        order = _replace_line(order, changed)
        return order, same.line_no, availability_warnings(order, product)
    line_no = order.last_line_no + 1
    price = product.price_in(order.currency) or ZERO
    line = OrderLineDetail(
        line_no=line_no,
        sku=product.sku,
        name=product.name,
        quantity=quantity,
        unit_price=money(price, order.currency),
        subtotal=money(price, order.currency) * quantity,
        net=money(price, order.currency) * quantity,
        total=money(price, order.currency) * quantity,
        ship_to=ship_to,
        trackable=product.trackable,
        available=product.available,
    )
    order = order.model_copy(update={"lines": [*order.lines, line], "last_line_no": line_no})
    return order, line_no, availability_warnings(order, product)


def change_line(
    order: OrderView,
    line_no: int,
    quantity: int | None,
    ship_to: ShipTo | None,
    clear_ship_to: bool,
    settings: ShopPolicy,
) -> OrderView:
    line = find_line(order, line_no)
    update: dict[str, object] = {}
    if quantity is not None:
        check_quantity(quantity, settings.max_line_quantity, "payload.quantity")
        update["quantity"] = quantity
    if ship_to is not None:
        check_mode(ship_to.shipping_mode, order.currency, settings, "payload.ship_to.shipping_mode")
        update["ship_to"] = ship_to
    elif clear_ship_to:
        update["ship_to"] = None
    if not update:
        raise Refused(errors.INVALID, "nothing to change: give a quantity, a ship_to or clear_ship_to")
    return _replace_line(order, line.model_copy(update=update))


def remove_line(order: OrderView, line_no: int) -> OrderView:
    find_line(order, line_no)
    return order.model_copy(update={"lines": [ln for ln in order.lines if ln.line_no != line_no]})


def find_line(order: OrderView, line_no: int) -> OrderLineDetail:
    line = next((ln for ln in order.lines if ln.line_no == line_no), None)
    if line is None:
        raise Refused.field(errors.NOT_FOUND, "payload.line_no", "the order has no such line")
    return line


def _replace_line(order: OrderView, line: OrderLineDetail) -> OrderView:
    return order.model_copy(update={"lines": [line if ln.line_no == line.line_no else ln for ln in order.lines]})


def availability_warnings(order: OrderView, product: Product) -> list[str]:
    available = product.available
    wanted = sum(ln.quantity for ln in order.lines if ln.sku == product.sku)
    if available is None or wanted <= available:
        return []
    return [
        f"{product.sku}: {available} available of {wanted} wanted; {wanted - available} would be backordered"
        + ("" if product.backorderable else " but this product cannot be backordered")
    ]


def refresh_from_catalog(order: OrderView, products: Mapping[str, Product]) -> OrderView:
    """Current catalog prices and availability on every line of a cart. A line whose product is gone
    or unpriced keeps its last price; submit reports it. A line converted from a valid quote keeps
    the quoted price (SRV-02)."""
    lines = []
    for line in order.lines:
        product = products.get(line.sku)
        price = product.price_in(order.currency) if product else None
        update: dict[str, object] = {"available": product.available if product else None}
        if product is not None and product.active and price is not None:
            update |= {"unit_price": money(price, order.currency), "name": product.name, "trackable": product.trackable}
            if line.guaranteed_price is not None:
                update["unit_price"] = line.guaranteed_price
        lines.append(line.model_copy(update=update))
    return order.model_copy(update={"lines": lines})


# --- shipping, billing, backorders -------------------------------------------------------------


def check_mode(mode: str | None, currency: str, settings: ShopPolicy, field: str) -> None:
    if mode is None:
        return
    known = settings.shipping_modes.get(mode)
    if known is None or currency not in known.charges:
        offered = ", ".join(sorted(k for k, m in settings.shipping_modes.items() if currency in m.charges))
        raise Refused.field(
            OrderErrors.UNKNOWN_SHIPPING_MODE, field, f"no such shipping mode in {currency}; offered: {offered}"
        )


def set_shipping(order: OrderView, ship_to: ShipTo, line_nos: list[int] | None, settings: ShopPolicy) -> OrderView:
    check_mode(ship_to.shipping_mode, order.currency, settings, "payload.ship_to.shipping_mode")
    if line_nos is None:
        mode = ship_to.shipping_mode or (order.ship_to.shipping_mode if order.ship_to else None)
        return order.model_copy(
            update={"ship_to": ship_to.model_copy(update={"shipping_mode": mode or settings.default_shipping_mode})}
        )
    known = {ln.line_no for ln in order.lines}
    missing = next((i for i, line_no in enumerate(line_nos) if line_no not in known), None)
    if missing is not None:  # the path says which one
        raise Refused.field(errors.NOT_FOUND, f"payload.line_nos[{missing}]", "the order has no such line")
    lines = [ln.model_copy(update={"ship_to": ship_to}) if ln.line_no in line_nos else ln for ln in order.lines]
    return order.model_copy(update={"lines": lines})


def set_billing(order: OrderView, address: Address, source_address_id: uuid.UUID | None) -> OrderView:
    return order.model_copy(update={"billing_address": address, "billing_source_address_id": source_address_id})


def set_backorder_policy(order: OrderView, policy: BackorderPolicy) -> OrderView:
    return order.model_copy(update={"backorder_policy": policy})


# --- coupons and CSR adjustments -------------------------------------------------------------------


def apply_coupon(
    order: OrderView, code: str, coupon: Coupon | None, used: bool, now: datetime, field: str = "payload.code"
) -> OrderView:
    if code in order.coupons:
        raise Refused.field(errors.CONFLICT, field, "this coupon is already applied")
    if len(order.coupons) >= MAX_COUPONS:
        raise Refused.field(errors.LIMIT_EXCEEDED, field, f"at most {MAX_COUPONS} coupons per order")
    problem = coupon_problem(coupon, order.currency, now, used)
    if problem is not None:
        raise Refused.field(problem[0], field, problem[1])
    return order.model_copy(update={"coupons": [*order.coupons, code]})


def remove_coupon(order: OrderView, code: str) -> OrderView:
    if code not in order.coupons:
        raise Refused.field(errors.NOT_FOUND, "payload.code", "this coupon is not applied to this order")
    return order.model_copy(update={"coupons": [c for c in order.coupons if c != code]})


@dataclass(frozen=True)
class Limits:
    """What one agent may take off an order (ORD-06), by role."""

    subtotal_amount: Decimal
    subtotal_percent: Decimal
    charge_reduction: Decimal

    @classmethod
    def of(cls, role: Role, settings: ShopPolicy) -> Limits:
        if role == Role.SUPERVISOR:
            return cls(
                settings.supervisor_max_subtotal_adjustment,
                settings.supervisor_max_subtotal_adjustment_percent,
                settings.supervisor_max_charge_reduction,
            )
        if role == Role.CSR:
            return cls(
                settings.csr_max_subtotal_adjustment,
                settings.csr_max_subtotal_adjustment_percent,
                settings.csr_max_charge_reduction,
            )
        return cls(Decimal(0), Decimal(0), Decimal(0))


def _in_order_currency(order: OrderView, amount: Money, field: str) -> Decimal:
    if amount.currency != order.currency:
        raise Refused.field(
            OrderErrors.CURRENCY_MISMATCH, field, f"the order is in {order.currency}, not {amount.currency}"
        )
    if amount.amount < 0:
        raise Refused.field(errors.INVALID, field, "the amount must not be negative")
    return money(amount.amount, order.currency)


def override_charge(
    order: OrderView, kind: str, amount: Money | None, reason: str, actor: Actor, now: datetime, limits: Limits
) -> OrderView:
    current = next((c for c in order.charges if c.kind == kind), None)
    calculated = current.calculated if current else ZERO
    if amount is None:
        detail = ChargeDetail(kind=kind, calculated=calculated, amount=calculated)
    else:
        value = _in_order_currency(order, amount, "payload.amount")
        reduction = calculated - value
        if reduction > limits.charge_reduction:
            raise Refused.field(
                errors.LIMIT_EXCEEDED,
                "payload.amount",
                f"{actor.role.value} may reduce the {kind} charge by at most"
                f" {money(limits.charge_reduction, order.currency)}; a supervisor can do more",
            )
        detail = ChargeDetail(
            kind=kind,
            calculated=calculated,
            amount=value,
            overridden=True,
            reason=reason,
            overridden_by=actor.agent_id,
            overridden_at=now,
        )
    others = [c for c in order.charges if c.kind != kind]
    return order.model_copy(update={"charges": sorted([*others, detail], key=lambda c: c.kind != "shipping")})


def adjust_subtotal(
    order: OrderView, amount: Money, reason: str, actor: Actor, now: datetime, limits: Limits
) -> OrderView:
    value = _in_order_currency(order, amount, "payload.amount")
    if value == 0:
        return order.model_copy(update={"adjustment": None})
    subtotal = order.totals.subtotal
    limit = min(
        money(limits.subtotal_amount, order.currency),
        percent_of(subtotal, limits.subtotal_percent, order.currency),
        subtotal,
    )
    if value > limit:
        raise Refused.field(
            errors.LIMIT_EXCEEDED,
            "payload.amount",
            f"{actor.role.value} may subtract at most {limit} from this subtotal of {subtotal}"
            f" ({money(limits.subtotal_amount, order.currency)} or {limits.subtotal_percent}%, whichever is less)",
        )
    adjustment = SubtotalAdjustment(amount=value, reason=reason, adjusted_by=actor.agent_id, adjusted_at=now)
    return order.model_copy(update={"adjustment": adjustment})


def set_attributes(order: OrderView, values: Mapping[str, str], remove: list[str]) -> OrderView:
    both = next((i for i, name in enumerate(remove) if name in values), None)
    if both is not None:  # the path says which one
        raise Refused.field(errors.INVALID, f"payload.remove[{both}]", "this attribute is both set and removed")
    if not values and not remove:
        raise Refused(errors.INVALID, "nothing to change: give attributes to set or remove")
    attributes = {k: v for k, v in order.attributes.items() if k not in remove} | dict(values)
    return order.model_copy(update={"attributes": dict(sorted(attributes.items()))})


# --- payments ------------------------------------------------------------------------------------


def add_payment(order: OrderView, payment: PaymentView, field: str = "payload.payment") -> OrderView:
    usable = [p for p in order.payments if p.status != "declined"]
    if len(usable) >= MAX_PAYMENTS:
        raise Refused.field(errors.LIMIT_EXCEEDED, field, f"at most {MAX_PAYMENTS} payment instructions")
    if payment.method == "invoice" and not order.account_id:
        raise Refused.field(
            OrderErrors.INVOICE_REQUIRES_ACCOUNT, f"{field}.method", "only account customers may pay by invoice"
        )
    if payment.requested_amount is None and any(p.requested_amount is None for p in usable):
        raise Refused.field(
            errors.INVALID,
            f"{field}.amount",
            "another instruction already pays the rest; give this one an amount",
        )
    return order.model_copy(update={"payments": [*order.payments, payment]})


def payment_amount(order: OrderView, amount: Money | None, field: str) -> Decimal | None:
    return None if amount is None else _in_order_currency(order, amount, field)


def remove_payment(order: OrderView, payment_id: uuid.UUID) -> OrderView:
    find_payment(order, payment_id)
    return order.model_copy(update={"payments": [p for p in order.payments if p.payment_id != payment_id]})


def find_payment(order: OrderView, payment_id: uuid.UUID) -> PaymentView:
    payment = next((p for p in order.payments if p.payment_id == payment_id), None)
    if payment is None:
        raise Refused.field(errors.NOT_FOUND, "payload.payment_id", f"no payment instruction {payment_id}")
    return payment


def record_payment_result(
    order: OrderView, payment_id: uuid.UUID, outcome: str, reason: str | None, reference: str | None
) -> OrderView:
    if order.status != "submitted":
        raise Refused(errors.INVALID_STATE, f"order {order.order_id} is a {order.status}, not a submitted order")
    payment = find_payment(order, payment_id)
    changed = payment.model_copy(update={"status": outcome, "result_reason": reason, "result_reference": reference})
    payments = [changed if p.payment_id == payment_id else p for p in order.payments]
    holds = set(order.holds) | {"payment"} if outcome == "declined" else set(order.holds)
    return order.model_copy(update={"payments": payments, "holds": sorted(holds)})


def save(order: OrderView, label: str | None, now: datetime) -> OrderView:
    return order.model_copy(update={"label": label or order.label, "saved_at": now})


# --- the cart as an aggregate: its guarded transitions ----------------------------------------------


@dataclass(frozen=True)
class CartChange:
    """One transition of a cart: the cart as changed (not priced or versioned yet: the application
    does that for every edit alike), the version's change and reason, and what the reply names."""

    order: OrderView
    change: str
    reason: str
    line_no: int | None = None
    payment_id: uuid.UUID | None = None
    warnings: list[str] = field(default_factory=list)


def create(
    cmd: CreateCartV1,
    customer_id: uuid.UUID,
    known: CustomerName | None,
    now: datetime,
    actor: Actor,
    offered: frozenset[str],
) -> CartChange:
    """A new cart (ORD-02), for a guest or a known customer, in a currency the shop offers."""
    order = new_cart(cmd, customer_id, known, now, actor, offered)
    who = "guest" if order.guest else "customer"
    return CartChange(order, "created", f"cart created for {who} {customer_id}")


@dataclass(frozen=True)
class Cart:
    """A cart as the CSR builds it (ORD-02..ORD-08). Every transition checks first that the order
    is still a cart (payment instructions may also change while a submitted order waits on its
    payment hold), as an order's cancel checks its own state; then the rule, then the change."""

    order: OrderView

    def _open(self, *, payment_hold_too: bool = False) -> OrderView:
        require_status(self.order, payment_hold_too=payment_hold_too)
        return self.order

    def add_line(
        self, sku: str, quantity: int, ship_to: ShipTo | None, product: Product | None, settings: ShopPolicy
    ) -> CartChange:
        order, line_no, warnings = add_line(self._open(), sku, quantity, ship_to, product, settings)
        return CartChange(order, "line_added", f"line {line_no}: {quantity} x {sku} added", line_no, None, warnings)

    def change_line(
        self, line_no: int, quantity: int | None, ship_to: ShipTo | None, clear_ship_to: bool, settings: ShopPolicy
    ) -> CartChange:
        order = change_line(self._open(), line_no, quantity, ship_to, clear_ship_to, settings)
        reason = f"line {line_no} changed" + (f": quantity {quantity}" if quantity else "")
        return CartChange(order, "line_changed", reason, line_no)

    def remove_line(self, line_no: int) -> CartChange:
        sku = find_line(self._open(), line_no).sku
        return CartChange(remove_line(self.order, line_no), "line_removed", f"line {line_no} ({sku}) removed", line_no)

    def set_shipping(self, ship_to: ShipTo, line_nos: list[int] | None, settings: ShopPolicy) -> CartChange:
        order = set_shipping(self._open(), ship_to, line_nos, settings)
        where = f"lines {line_nos}" if line_nos else "the order"
        reason = f"shipping of {where} set to {ship_to.address.city} ({ship_to.shipping_mode or 'same mode'})"
        return CartChange(order, "shipping_set", reason)

    def set_billing(self, address: Address, source_address_id: uuid.UUID | None) -> CartChange:
        order = set_billing(self._open(), address, source_address_id)
        source = "from the address book" if source_address_id else "entered"
        return CartChange(order, "billing_set", f"billing address set ({source})")

    def set_backorder_policy(self, policy: BackorderPolicy) -> CartChange:
        return CartChange(set_backorder_policy(self._open(), policy), "backorder_policy_set", f"backorders: {policy}")

    def apply_coupon(self, code: str, coupon: Coupon | None, used: bool, now: datetime) -> CartChange:
        order = apply_coupon(self._open(), code, coupon, used, now)
        return CartChange(order, "coupon_applied", f"coupon {code} applied")

    def remove_coupon(self, code: str) -> CartChange:
        return CartChange(remove_coupon(self._open(), code), "coupon_removed", f"coupon {code} removed")

    def override_charge(
        self, kind: str, amount: Money | None, reason: str, actor: Actor, now: datetime, settings: ShopPolicy
    ) -> CartChange:
        """ORD-06: what the agent may take off is the agent's role's limit."""
        order = override_charge(self._open(), kind, amount, reason, actor, now, Limits.of(actor.role, settings))
        what = f"set to {money(amount.amount, amount.currency)}" if amount else "back to the calculated charge"
        return CartChange(order, "charge_overridden", f"{kind} charge {what}: {reason}")

    def adjust_subtotal(
        self, amount: Money, reason: str, actor: Actor, now: datetime, settings: ShopPolicy
    ) -> CartChange:
        order = adjust_subtotal(self._open(), amount, reason, actor, now, Limits.of(actor.role, settings))
        said = f"{money(amount.amount, amount.currency)} taken off the subtotal: {reason}"
        return CartChange(order, "subtotal_adjusted", said)

    def set_attributes(self, values: Mapping[str, str], remove: list[str]) -> CartChange:
        order = set_attributes(self._open(), values, remove)
        names = ", ".join(sorted([*values, *remove]))
        return CartChange(order, "attributes_changed", f"attributes changed: {names}")

    def payment_amount(self, amount: Money | None, field: str) -> Decimal | None:
        """What an instruction is to pay, checked before the card is opened or sent anywhere."""
        return payment_amount(self._open(payment_hold_too=True), amount, field)

    def add_payment(self, payment: PaymentView) -> CartChange:
        order = add_payment(self._open(payment_hold_too=True), payment)
        what = payment.method.replace("_", " ")  # invoice, store credit
        what = f"{payment.brand} card ending {payment.last4}" if payment.method == "card" else what
        return CartChange(order, "payment_added", f"payment by {what} added", payment_id=payment.payment_id)

    def remove_payment(self, payment_id: uuid.UUID) -> CartChange:
        order = remove_payment(self._open(payment_hold_too=True), payment_id)
        return CartChange(order, "payment_removed", f"payment instruction {payment_id} removed", payment_id=payment_id)

    def save(self, label: str | None, now: datetime) -> CartChange:
        order = save(self._open(), label, now)
        return CartChange(order, "saved", "cart saved" + (f" as {label!r}" if label else ""))


# --- a whole order in one command (PlaceOrderV2) ----------------------------------------------------


def assembled(
    cmd: PlaceOrderV2,
    customer_id: uuid.UUID,
    known: CustomerName | None,
    products: Mapping[str, Product],
    coupons: Mapping[str, Coupon],
    used: set[str],
    now: datetime,
    actor: Actor,
    settings: ShopPolicy,
) -> OrderView:
    """The cart a one-command order stands for, built by the same rules as a CSR's cart, in the same
    order (each refusal names the command's field); its payment instructions are added after."""
    order = new_cart(cmd, customer_id, known, now, actor, settings.offered_currencies)
    for i, line in enumerate(cmd.lines):
        order, _, _ = add_line(
            order, line.sku, line.quantity, line.ship_to, products.get(line.sku), settings, f"payload.lines[{i}]"
        )
    if cmd.ship_to is not None:
        order = set_shipping(order, cmd.ship_to, None, settings)
    billing = cmd.billing_address or (cmd.ship_to.address if cmd.ship_to else None)
    if billing is not None:
        order = set_billing(order, billing, None)
    order = set_backorder_policy(order, cmd.backorder_policy)
    if cmd.attributes:
        order = set_attributes(order, cmd.attributes, [])
    for i, code in enumerate(cmd.coupons):
        order = apply_coupon(order, code, coupons.get(code), code in used, now, f"payload.coupons[{i}]")
    return order
