"""Thin handlers: ask the domain, save with the store, emit events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from contracts.orders import OrderPlacedResult, PlaceOrderV1
from services.orders import domain, store
from services.orders.settings import OrdersSettings
from services.runtime.handling import Context, Handlers


@dataclass(frozen=True)
class OrdersDeps:
    settings: OrdersSettings


Ctx = Context[OrdersDeps]


def build_handlers() -> Handlers[OrdersDeps]:
    handlers: Handlers[OrdersDeps] = Handlers()
    handlers.command(PlaceOrderV1)(place_order)
    return handlers


async def place_order(ctx: Ctx, cmd: PlaceOrderV1) -> OrderPlacedResult:
    number = domain.order_number(await store.next_order_sequence(ctx.conn))
    order = domain.place(cmd, uuid.uuid4(), number, ctx.now)
    await store.insert_placed_order(ctx.conn, order, ctx.actor.agent_id, "placed")
    ctx.emit(order.placed_event())
    return OrderPlacedResult(order_id=order.order_id, order_number=order.order_number, version=order.version)
