"""Queries on carts and orders (ORD-11..ORD-13) and the pending orders grid (SRV-08), answered
straight from the service's own tables (a query changes nothing, so it needs no use case of the
application). Viewing an order also shows who works it now (SRV-06) and its returns (SRV-12)."""

from __future__ import annotations

from contracts import errors
from contracts.envelope import Role
from contracts.orders import (
    DiffOrderVersionsV1,
    FindOrdersV1,
    GetOrderV1,
    GetOrderVersionV1,
    ListPendingOrdersV1,
    OrderDetails,
    OrderPage,
    OrderVersionView,
    OrderView,
    PendingOrdersPage,
    VersionDiff,
)
from services.orders.adapters import order_store, servicing_store
from services.orders.adapters.deps import Ctx
from services.orders.domain import returns, versions
from services.runtime.handling import Rejected


async def get_order(ctx: Ctx, query: GetOrderV1) -> OrderDetails:
    if query.order_id is not None:
        order = await order_store.load_order(ctx.conn, query.order_id)
    else:
        order = await order_store.load_order_by_number(ctx.conn, query.order_number or "")
    if order is None:
        field = "payload.order_id" if query.order_id is not None else "payload.order_number"
        raise Rejected.field(errors.NOT_FOUND, field, "no cart or order has this id or number")
    return OrderDetails(
        order=order,
        versions=await order_store.versions(ctx.conn, order.order_id),
        comments=await order_store.comments(ctx.conn, order.order_id),
        lock=await servicing_store.live_lock(ctx.conn, order.order_id, ctx.now),
        returns=[returns.summary(r) for r in await servicing_store.returns_of(ctx.conn, order.order_id)],
    )


async def _version(
    ctx: Ctx, query: GetOrderVersionV1 | DiffOrderVersionsV1, number: int, field: str
) -> OrderVersionView:
    found = await order_store.version(ctx.conn, query.order_id, number)
    if found is None:
        raise Rejected.field(errors.NOT_FOUND, field, f"order {query.order_id} has no such version")
    info, snapshot = found
    return OrderVersionView(version=info, order=OrderView.model_validate(snapshot))


async def get_order_version(ctx: Ctx, query: GetOrderVersionV1) -> OrderVersionView:
    return await _version(ctx, query, query.version, "payload.version")


async def diff_order_versions(ctx: Ctx, query: DiffOrderVersionsV1) -> VersionDiff:
    before = await _version(ctx, query, query.from_version, "payload.from_version")
    after = await _version(ctx, query, query.to_version, "payload.to_version")
    return VersionDiff(
        order_id=query.order_id,
        from_version=before.version,
        to_version=after.version,
        differences=versions.diff(before.order.model_dump(mode="json"), after.order.model_dump(mode="json")),
    )


async def find_orders(ctx: Ctx, query: FindOrdersV1) -> OrderPage:
    items, total = await order_store.find_orders(ctx.conn, query)
    return OrderPage(items=items, total=total, page=query.page, page_size=query.page_size)


async def list_pending_orders(ctx: Ctx, query: ListPendingOrdersV1) -> PendingOrdersPage:
    """A CSR's own pending list; a supervisor's choice of agent, or everyone's."""
    agent = query.agent_id
    if ctx.actor.role != Role.SUPERVISOR:
        if agent not in (None, ctx.actor.agent_id):
            raise Rejected.field(errors.FORBIDDEN, "payload.agent_id", "a CSR sees only their own pending orders")
        agent = ctx.actor.agent_id
    items, total = await servicing_store.pending_orders(ctx.conn, agent, ctx.now, query.page, query.page_size)
    return PendingOrdersPage(items=items, total=total, page=query.page, page_size=query.page_size)
