"""Place a complete order in one command (PlaceOrderV2): the cart it stands for is built in memory
by the cart's rules (``domain.cart.assembled``) from the catalog and what the customers service
told us, its payment instructions added (a card through the card port), then submitted like a cart
(``submit_order.submit``)."""

from __future__ import annotations

import uuid

from contracts.orders import PlaceOrderV2, SubmitResult
from services.orders.application.editing import known_customer
from services.orders.application.payment_entry import payment_instruction
from services.orders.application.submit_order import submit
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import cart


async def place_order_v2(uow: UnitOfWork, cmd: PlaceOrderV2) -> SubmitResult:
    customer_id = cmd.customer_id or uuid.uuid4()
    known = await known_customer(uow, cmd)
    products = await uow.catalog.products((ln.sku for ln in cmd.lines), for_update=True)
    coupons = await uow.catalog.coupons(cmd.coupons) if cmd.coupons else {}
    used = await uow.orders.used_coupons(cmd.coupons, customer_id) if cmd.coupons else set()
    order = cart.assembled(cmd, customer_id, known, products, coupons, used, uow.now, uow.actor, uow.policy)
    for i, payment in enumerate(cmd.payments):
        instruction = await payment_instruction(uow, order, payment, f"payload.payments[{i}]")
        order = cart.add_payment(order, instruction, f"payload.payments[{i}]")
    return await submit(uow, order, change="placed", reason="placed", new=True, products=products)
