"""Cart commands (ORD-02..ORD-08, ORD-14, ORD-15): each loads the cart for the agent's edit, asks the
cart for its transition (``domain.cart.Cart``: it refuses what is not a cart any more) and commits it
the way every edit is committed (``editing.commit_change``: priced, alert rules, version, events)."""

from __future__ import annotations

import dataclasses
import uuid

from contracts.orders import (
    AddCartLineV1,
    AddOrderCommentV1,
    AddPaymentInstructionV1,
    AdjustSubtotalV1,
    ApplyCouponV1,
    ChangeCartLineV1,
    CloneOrderV1,
    CloneResult,
    CreateCartV1,
    OrderChangeResult,
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
from services.orders.application import edit_locks
from services.orders.application.editing import commit_change, ensure_new, known_customer, load, load_for_edit, result
from services.orders.application.payment_entry import payment_instruction
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import cart, cloning
from services.orders.domain import order as order_rules
from services.orders.domain.cart import Cart


async def create_cart(uow: UnitOfWork, cmd: CreateCartV1) -> OrderChangeResult:
    await ensure_new(uow, cmd.order_id)
    known = await known_customer(uow, cmd)
    customer_id = cmd.customer_id or uuid.uuid4()
    created = cart.create(cmd, customer_id, known, uow.now, uow.actor, uow.policy.offered_currencies)
    await edit_locks.claim(uow, created.order)  # the agent who starts a cart is working it (SRV-06)
    return await commit_change(uow, created, new=True)


async def add_line(uow: UnitOfWork, cmd: AddCartLineV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    product = (await uow.catalog.products([cmd.sku])).get(cmd.sku)
    return await commit_change(uow, Cart(order).add_line(cmd.sku, cmd.quantity, cmd.ship_to, product, uow.policy))


async def change_line(uow: UnitOfWork, cmd: ChangeCartLineV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    done = Cart(order).change_line(cmd.line_no, cmd.quantity, cmd.ship_to, cmd.clear_ship_to, uow.policy)
    sku = cart.find_line(done.order, cmd.line_no).sku
    product = (await uow.catalog.products([sku])).get(sku)
    warnings = cart.availability_warnings(done.order, product) if product else []
    return await commit_change(uow, dataclasses.replace(done, warnings=warnings))


async def remove_line(uow: UnitOfWork, cmd: RemoveCartLineV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).remove_line(cmd.line_no))


async def set_shipping(uow: UnitOfWork, cmd: SetShippingV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).set_shipping(cmd.ship_to, cmd.line_nos, uow.policy))


async def set_billing(uow: UnitOfWork, cmd: SetBillingAddressV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).set_billing(cmd.address, cmd.source_address_id))


async def set_backorder_policy(uow: UnitOfWork, cmd: SetBackorderPolicyV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).set_backorder_policy(cmd.policy))


async def apply_coupon(uow: UnitOfWork, cmd: ApplyCouponV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    coupon = (await uow.catalog.coupons([cmd.code])).get(cmd.code)
    used = cmd.code in await uow.orders.used_coupons([cmd.code], order.customer_id)
    return await commit_change(uow, Cart(order).apply_coupon(cmd.code, coupon, used, uow.now))


async def remove_coupon(uow: UnitOfWork, cmd: RemoveCouponV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).remove_coupon(cmd.code))


async def override_charge(uow: UnitOfWork, cmd: OverrideChargeV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    done = Cart(order).override_charge(cmd.charge, cmd.amount, cmd.reason, uow.actor, uow.now, uow.policy)
    return await commit_change(uow, done)


async def adjust_subtotal(uow: UnitOfWork, cmd: AdjustSubtotalV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).adjust_subtotal(cmd.amount, cmd.reason, uow.actor, uow.now, uow.policy))


async def set_attributes(uow: UnitOfWork, cmd: SetOrderAttributesV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).set_attributes(cmd.set, cmd.remove))


async def add_payment(uow: UnitOfWork, cmd: AddPaymentInstructionV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    payment = await payment_instruction(uow, order, cmd.payment, "payload.payment")
    return await commit_change(uow, Cart(order).add_payment(payment))


async def remove_payment(uow: UnitOfWork, cmd: RemovePaymentInstructionV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).remove_payment(cmd.payment_id))


async def save_cart(uow: UnitOfWork, cmd: SaveCartV1) -> OrderChangeResult:
    order = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    return await commit_change(uow, Cart(order).save(cmd.label, uow.now))


async def add_comment(uow: UnitOfWork, cmd: AddOrderCommentV1) -> OrderChangeResult:
    """A comment takes no edit lock and makes no version: any order, in any state (ORD-15)."""
    order = await load(uow, cmd.order_id)
    cart.require_version(order, cmd.expected_version)
    added, event = order_rules.comment(order, uuid.uuid4(), cmd.text, cmd.visibility, uow.actor.agent_id, uow.now)
    await uow.orders.add_comment(order.order_id, added)
    uow.emit(event)
    return result(order, comment_id=added.comment_id)


async def clone_order(uow: UnitOfWork, cmd: CloneOrderV1) -> CloneResult:
    source = await load(uow, cmd.source_order_id, for_update=False)
    await ensure_new(uow, cmd.order_id)
    products = await uow.catalog.products(ln.sku for ln in source.lines)
    created, changes = cloning.clone(source, cmd.order_id, products, uow.now, uow.actor.agent_id)
    await edit_locks.claim(uow, created.order)
    saved = await commit_change(uow, created, new=True)
    return CloneResult(
        order_id=saved.order_id,
        customer_id=saved.customer_id,
        version=saved.version,
        currency=saved.currency,
        total=saved.total,
        changes=changes,
    )
