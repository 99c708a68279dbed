"""Cart commands (ORD-02..ORD-08, ORD-14, ORD-15): thin, each one rule from ``cart`` and a commit."""

from __future__ import annotations

import uuid

from contracts.orders import (
    AddCartLineV1,
    AddOrderCommentV1,
    AddPaymentInstructionV1,
    AdjustSubtotalV1,
    ApplyCouponV1,
    ChangeCartLineV1,
    CloneChange,
    CloneOrderV1,
    CloneResult,
    CommentView,
    CreateCartV1,
    OrderChangeResult,
    OrderCommentAddedV1,
    OrderLineDetail,
    OrderView,
    OverrideChargeV1,
    RemoveCartLineV1,
    RemoveCouponV1,
    RemovePaymentInstructionV1,
    SaveCartV1,
    SetBackorderPolicyV1,
    SetBillingAddressV1,
    SetOrderAttributesV1,
    SetShippingV1,
)
from services.orders.adapters import catalog_store, order_store
from services.orders.adapters.deps import Ctx
from services.orders.adapters.editing import (
    commit,
    editable,
    ensure_new,
    known_customer,
    load,
    payment_instruction,
    result,
)
from services.orders.adapters.use_cases import uow_of
from services.orders.application import edit_locks
from services.orders.domain import cart
from services.orders.domain.pricing import money


async def create_cart(ctx: Ctx, cmd: CreateCartV1) -> OrderChangeResult:
    await ensure_new(ctx, cmd.order_id)
    customer_id = cmd.customer_id or uuid.uuid4()
    known = await known_customer(ctx, cmd)
    order = cart.new_cart(cmd, customer_id, known, ctx.now, ctx.actor, ctx.deps.settings.offered_currencies)
    await edit_locks.claim(uow_of(ctx), order)  # the agent who starts a cart is working it (SRV-06)
    who = "guest" if order.guest else "customer"
    return await commit(ctx, order, "created", f"cart created for {who} {customer_id}", new=True)


async def add_line(ctx: Ctx, cmd: AddCartLineV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    product = (await catalog_store.products(ctx.conn, [cmd.sku])).get(cmd.sku)
    order, line_no, warnings = cart.add_line(order, cmd.sku, cmd.quantity, cmd.ship_to, product, ctx.deps.settings)
    reason = f"line {line_no}: {cmd.quantity} x {cmd.sku} added"
    return await commit(ctx, order, "line_added", reason, line_no=line_no, warnings=warnings)


async def change_line(ctx: Ctx, cmd: ChangeCartLineV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    order = cart.change_line(order, cmd.line_no, cmd.quantity, cmd.ship_to, cmd.clear_ship_to, ctx.deps.settings)
    line = cart.find_line(order, cmd.line_no)
    products = await catalog_store.products(ctx.conn, [line.sku])
    product = products.get(line.sku)
    warnings = cart.availability_warnings(order, product) if product else []
    reason = f"line {cmd.line_no} changed" + (f": quantity {cmd.quantity}" if cmd.quantity else "")
    return await commit(ctx, order, "line_changed", reason, line_no=cmd.line_no, warnings=warnings)


async def remove_line(ctx: Ctx, cmd: RemoveCartLineV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    sku = cart.find_line(order, cmd.line_no).sku
    order = cart.remove_line(order, cmd.line_no)
    return await commit(ctx, order, "line_removed", f"line {cmd.line_no} ({sku}) removed", line_no=cmd.line_no)


async def set_shipping(ctx: Ctx, cmd: SetShippingV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    order = cart.set_shipping(order, cmd.ship_to, cmd.line_nos, ctx.deps.settings)
    where = f"lines {cmd.line_nos}" if cmd.line_nos else "the order"
    reason = f"shipping of {where} set to {cmd.ship_to.address.city} ({cmd.ship_to.shipping_mode or 'same mode'})"
    return await commit(ctx, order, "shipping_set", reason)


async def set_billing(ctx: Ctx, cmd: SetBillingAddressV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    order = cart.set_billing(order, cmd.address, cmd.source_address_id)
    source = "from the address book" if cmd.source_address_id else "entered"
    return await commit(ctx, order, "billing_set", f"billing address set ({source})")


async def set_backorder_policy(ctx: Ctx, cmd: SetBackorderPolicyV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    order = cart.set_backorder_policy(order, cmd.policy)
    return await commit(ctx, order, "backorder_policy_set", f"backorders: {cmd.policy}")


async def apply_coupon(ctx: Ctx, cmd: ApplyCouponV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    coupon = (await catalog_store.coupons(ctx.conn, [cmd.code])).get(cmd.code)
    used = cmd.code in await order_store.used_coupons(ctx.conn, [cmd.code], order.customer_id)
    order = cart.apply_coupon(order, cmd.code, coupon, used, ctx.now)
    return await commit(ctx, order, "coupon_applied", f"coupon {cmd.code} applied")


async def remove_coupon(ctx: Ctx, cmd: RemoveCouponV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    order = cart.remove_coupon(order, cmd.code)
    return await commit(ctx, order, "coupon_removed", f"coupon {cmd.code} removed")


async def override_charge(ctx: Ctx, cmd: OverrideChargeV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    limits = cart.Limits.of(ctx.actor.role, ctx.deps.settings)
    order = cart.override_charge(order, cmd.charge, cmd.amount, cmd.reason, ctx.actor, ctx.now, limits)
    what = f"set to {money(cmd.amount.amount, cmd.amount.currency)}" if cmd.amount else "back to the calculated charge"
    return await commit(ctx, order, "charge_overridden", f"{cmd.charge} charge {what}: {cmd.reason}")


async def adjust_subtotal(ctx: Ctx, cmd: AdjustSubtotalV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    limits = cart.Limits.of(ctx.actor.role, ctx.deps.settings)
    order = cart.adjust_subtotal(order, cmd.amount, cmd.reason, ctx.actor, ctx.now, limits)
    reason = f"{money(cmd.amount.amount, cmd.amount.currency)} taken off the subtotal: {cmd.reason}"
    return await commit(ctx, order, "subtotal_adjusted", reason)


async def set_attributes(ctx: Ctx, cmd: SetOrderAttributesV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    order = cart.set_attributes(order, cmd.set, cmd.remove)
    names = ", ".join(sorted([*cmd.set, *cmd.remove]))
    return await commit(ctx, order, "attributes_changed", f"attributes changed: {names}")


async def add_payment(ctx: Ctx, cmd: AddPaymentInstructionV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version, payment_hold_too=True)
    payment = await payment_instruction(ctx, order, cmd.payment, "payload.payment")
    order = cart.add_payment(order, payment)
    what = payment.method.replace("_", " ")  # invoice, store credit
    what = f"{payment.brand} card ending {payment.last4}" if payment.method == "card" else what
    return await commit(ctx, order, "payment_added", f"payment by {what} added", payment_id=payment.payment_id)


async def remove_payment(ctx: Ctx, cmd: RemovePaymentInstructionV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version, payment_hold_too=True)
    order = cart.remove_payment(order, cmd.payment_id)
    reason = f"payment instruction {cmd.payment_id} removed"
    return await commit(ctx, order, "payment_removed", reason, payment_id=cmd.payment_id)


async def save_cart(ctx: Ctx, cmd: SaveCartV1) -> OrderChangeResult:
    order = await editable(ctx, cmd.order_id, cmd.expected_version)
    order = cart.save(order, cmd.label, ctx.now)
    return await commit(ctx, order, "saved", "cart saved" + (f" as {cmd.label!r}" if cmd.label else ""))


async def add_comment(ctx: Ctx, cmd: AddOrderCommentV1) -> OrderChangeResult:
    order = await load(ctx, cmd.order_id)
    cart.require_version(order, cmd.expected_version)
    comment = CommentView(
        comment_id=uuid.uuid4(), text=cmd.text, visibility=cmd.visibility, added_by=ctx.actor.agent_id, added_at=ctx.now
    )
    await order_store.insert_comment(ctx.conn, order.order_id, comment)
    ctx.emit(
        OrderCommentAddedV1(
            order_id=order.order_id,
            order_number=order.order_number,
            customer_id=order.customer_id,
            comment_id=comment.comment_id,
            text=comment.text,
            visibility=comment.visibility,
            added_by=comment.added_by,
            added_at=comment.added_at,
            email=order.email,
            language=order.language,
        )
    )
    return result(order, comment_id=comment.comment_id)


# --- clone (ORD-14) -----------------------------------------------------------------------------------


async def clone_order(ctx: Ctx, cmd: CloneOrderV1) -> CloneResult:
    source = await load(ctx, cmd.source_order_id, for_update=False)
    await ensure_new(ctx, cmd.order_id)
    products = await catalog_store.products(ctx.conn, (ln.sku for ln in source.lines))
    lines: list[OrderLineDetail] = []
    changes: list[CloneChange] = []
    for old in source.lines:
        product = products.get(old.sku)
        price = product.price_in(source.currency) if product and product.active else None
        if product is None or price is None:
            changes.append(
                CloneChange(line_no=None, sku=old.sku, kind="dropped", message=f"{old.sku} is no longer sold")
            )
            continue
        line_no = len(lines) + 1
        lines.append(
            old.model_copy(
                update={
                    "line_no": line_no,
                    "unit_price": money(price, source.currency),
                    "reserved_quantity": 0,
                    "backordered_quantity": 0,
                }
            )
        )
        changes += _line_changes(line_no, old, money(price, source.currency), product.available)
    order = _cloned(source, cmd.order_id, lines, ctx)
    await edit_locks.claim(uow_of(ctx), order)
    number = source.order_number or str(source.order_id)
    saved = await commit(ctx, order, "created", f"cloned from order {number}", new=True)
    return CloneResult(
        order_id=saved.order_id,
        customer_id=saved.customer_id,
        version=saved.version,
        currency=saved.currency,
        total=saved.total,
        changes=changes,
    )


def _line_changes(line_no: int, old: OrderLineDetail, price: object, available: int | None) -> list[CloneChange]:
    found = []
    if price != old.unit_price:
        found.append(
            CloneChange(
                line_no=line_no,
                sku=old.sku,
                kind="price_changed",
                old_unit_price=old.unit_price,
                new_unit_price=price,
                message=f"{old.sku}: was {old.unit_price}, now {price}",
            )
        )
    if available is not None and available < old.quantity:
        found.append(
            CloneChange(
                line_no=line_no,
                sku=old.sku,
                kind="unavailable",
                message=f"{old.sku}: {available} of {old.quantity} available now; the rest would be backordered",
            )
        )
    return found


def _cloned(source: OrderView, order_id: uuid.UUID, lines: list[OrderLineDetail], ctx: Ctx) -> OrderView:
    agent = ctx.actor.agent_id
    return OrderView(
        order_id=order_id,
        status="cart",
        customer_id=source.customer_id,
        guest=source.guest,
        account_id=source.account_id,
        first_name=source.first_name,
        last_name=source.last_name,
        email=source.email,
        phone=source.phone,
        language=source.language,
        currency=source.currency,
        lines=lines,
        ship_to=source.ship_to,
        billing_address=source.billing_address,
        billing_source_address_id=source.billing_source_address_id,
        backorder_policy=source.backorder_policy,
        attributes=source.attributes,
        cloned_from=source.order_id,
        last_line_no=len(lines),
        version=0,
        created_at=ctx.now,
        created_by=agent,
        updated_at=ctx.now,
        updated_by=agent,
    )
