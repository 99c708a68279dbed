"""Return orders found and viewed (SRV-12), straight from the service's own tables."""

from __future__ import annotations

from contracts import errors
from contracts.orders import FindReturnsV1, GetReturnOrderV1, ReturnOrderView, ReturnPage
from services.orders.adapters import servicing_store
from services.orders.adapters.deps import Ctx
from services.orders.domain import returns
from services.runtime.handling import Rejected


async def find_returns(ctx: Ctx, query: FindReturnsV1) -> ReturnPage:
    found, total = await servicing_store.find_returns(ctx.conn, query)
    return ReturnPage(
        items=[returns.summary(r) for r in found], total=total, page=query.page, page_size=query.page_size
    )


async def get_return_order(ctx: Ctx, query: GetReturnOrderV1) -> ReturnOrderView:
    found = await servicing_store.load_return(ctx.conn, query.return_id, query.return_number)
    if found is None:
        field = "payload.return_id" if query.return_id is not None else "payload.return_number"
        raise Rejected.field(errors.NOT_FOUND, field, "no return has this id or number")
    return found
