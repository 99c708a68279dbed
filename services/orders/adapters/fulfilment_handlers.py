"""Fulfilment feedback (SRV-11) and returns (SRV-12)."""

from __future__ import annotations

from contracts import errors
from contracts.orders import (
    CreateReturnV1,
    FindReturnsV1,
    GetReturnOrderV1,
    OrderView,
    ReceiveReturnV1,
    RecordDeliveryV1,
    RecordShipmentV1,
    RefundReturnV1,
    ReturnOrderView,
    ReturnPage,
    ReturnResult,
    ShipmentResult,
)
from services.orders.adapters import servicing_store
from services.orders.adapters.deps import Ctx
from services.orders.adapters.editing import load_for_edit, save
from services.orders.domain import fulfilment, returns
from services.orders.domain import order as order_rules
from services.runtime.handling import Rejected


async def record_shipment(ctx: Ctx, cmd: RecordShipmentV1) -> ShipmentResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    shipped, shipment = fulfilment.record_shipment(order, cmd, ctx.now, ctx.actor.agent_id)
    await servicing_store.ship_stock(ctx.conn, order.order_id, [(s.line_no, s.sku, s.quantity) for s in shipment.lines])
    units = sum(s.quantity for s in shipment.lines)
    saved = await save(ctx, shipped, "shipped", f"shipment {shipment.shipment_id}: {units} unit(s) shipped")
    ctx.emit(fulfilment.shipped_event(saved, shipment))
    trackable = fulfilment.trackable_event(saved, shipment)
    if trackable is not None:
        ctx.emit(trackable)
    return _result(saved, shipment.shipment_id)


async def record_delivery(ctx: Ctx, cmd: RecordDeliveryV1) -> ShipmentResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    delivered_at = cmd.delivered_at or ctx.now
    delivered = fulfilment.record_delivery(order, cmd.shipment_id, delivered_at)
    saved = await save(ctx, delivered, "delivered", f"shipment {cmd.shipment_id} delivered")
    ctx.emit(fulfilment.delivered_event(saved, cmd.shipment_id, delivered_at))
    return _result(saved, cmd.shipment_id)


def _result(order: OrderView, shipment_id: str) -> ShipmentResult:
    assert order.order_number is not None  # only submitted orders ship
    return ShipmentResult(
        order_id=order.order_id,
        order_number=order.order_number,
        shipment_id=shipment_id,
        version=order.version,
        status=order.status,
    )


# --- returns (SRV-12) ---------------------------------------------------------------------------------


async def create_return(ctx: Ctx, cmd: CreateReturnV1) -> ReturnResult:
    order = await load_for_edit(ctx, cmd.order_id, cmd.expected_version)
    if await servicing_store.load_return(ctx.conn, cmd.return_id) is not None:
        raise Rejected.field(errors.CONFLICT, "payload.return_id", f"return {cmd.return_id} already exists")
    number = order_rules.order_number(await servicing_store.next_return_sequence(ctx.conn))
    reasons = ctx.deps.settings.return_reasons
    agent = ctx.actor.agent_id
    document, counted = returns.create(order, cmd.lines, reasons, cmd.return_id, number, cmd.note, agent, ctx.now)
    units = sum(ln.quantity for ln in document.lines)
    await save(ctx, counted, "return_created", f"return {number}: {units} unit(s) coming back")
    await servicing_store.insert_return(ctx.conn, document)
    ctx.emit(returns.created_event(document))
    return returns.result(document)


async def _advance(
    ctx: Ctx, cmd: ReceiveReturnV1 | RefundReturnV1, status: str, reference: str | None = None
) -> ReturnResult:
    document = await servicing_store.load_return(ctx.conn, cmd.return_id, for_update=True)
    if document is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.return_id", f"no return {cmd.return_id}")
    document = returns.advance(document, status, ctx.actor.agent_id, ctx.now, cmd.note, reference)
    await servicing_store.update_return(ctx.conn, document)
    ctx.emit(returns.updated_event(document))
    return returns.result(document)


async def receive_return(ctx: Ctx, cmd: ReceiveReturnV1) -> ReturnResult:
    return await _advance(ctx, cmd, "received")


async def refund_return(ctx: Ctx, cmd: RefundReturnV1) -> ReturnResult:
    return await _advance(ctx, cmd, "refunded", cmd.reference)


async def find_returns(ctx: Ctx, query: FindReturnsV1) -> ReturnPage:
    found, total = await servicing_store.find_returns(ctx.conn, query)
    return ReturnPage(
        items=[returns.summary(r) for r in found], total=total, page=query.page, page_size=query.page_size
    )


async def get_return_order(ctx: Ctx, query: GetReturnOrderV1) -> ReturnOrderView:
    found = await servicing_store.load_return(ctx.conn, query.return_id, query.return_number)
    if found is None:
        raise Rejected(errors.NOT_FOUND, f"no return {query.return_id or query.return_number}")
    return found
