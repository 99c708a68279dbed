"""Place a complete order in one command (PlaceOrderV2): built as a cart in memory from the catalog,
the customer the customers service told us of and the sealed card numbers, then submitted like one
(``application.submit_order``)."""

from __future__ import annotations

import uuid

from contracts.orders import OrderView, PlaceOrderV2, SubmitResult
from services.orders.adapters import catalog_store, order_store
from services.orders.adapters.deps import Ctx
from services.orders.adapters.editing import known_customer, payment_instruction
from services.orders.adapters.use_cases import uow_of
from services.orders.application.submit_order import submit
from services.orders.domain import cart


async def place_order_v2(ctx: Ctx, cmd: PlaceOrderV2) -> SubmitResult:
    """A complete order in one command: built as a cart in memory, then submitted like one."""
    customer_id = cmd.customer_id or uuid.uuid4()
    known = await known_customer(ctx, cmd)
    order = cart.new_cart(cmd, customer_id, known, ctx.now, ctx.actor, ctx.deps.settings.offered_currencies)
    products = await catalog_store.products(ctx.conn, (ln.sku for ln in cmd.lines), for_update=True)
    settings = ctx.deps.settings
    for i, line in enumerate(cmd.lines):
        product = products.get(line.sku)
        order, _, _ = cart.add_line(
            order, line.sku, line.quantity, line.ship_to, product, settings, f"payload.lines[{i}]"
        )
    if cmd.ship_to is not None:
        order = cart.set_shipping(order, cmd.ship_to, None, settings)
    billing = cmd.billing_address or (cmd.ship_to.address if cmd.ship_to else None)
    if billing is not None:
        order = cart.set_billing(order, billing, None)
    order = cart.set_backorder_policy(order, cmd.backorder_policy)
    if cmd.attributes:
        order = cart.set_attributes(order, cmd.attributes, [])
    order = await _with_coupons(ctx, order, cmd.coupons)
    for i, payment in enumerate(cmd.payments):
        instruction = await payment_instruction(ctx, order, payment, f"payload.payments[{i}]")
        order = cart.add_payment(order, instruction, f"payload.payments[{i}]")
    return await submit(uow_of(ctx), order, change="placed", reason="placed", new=True, products=products)


async def _with_coupons(ctx: Ctx, order: OrderView, codes: list[str]) -> OrderView:
    if not codes:
        return order
    coupons = await catalog_store.coupons(ctx.conn, codes)
    used = await order_store.used_coupons(ctx.conn, codes, order.customer_id)
    for i, code in enumerate(codes):
        order = cart.apply_coupon(order, code, coupons.get(code), code in used, ctx.now, f"payload.coupons[{i}]")
    return order
