"""Find quotes (SRV-01): a query changes nothing and reads straight from the tables."""

from __future__ import annotations

from contracts.orders import FindQuotesV1, QuotePage
from services.orders.adapters import servicing_store
from services.orders.adapters.deps import Ctx
from services.orders.domain import quotes


async def find_quotes(ctx: Ctx, query: FindQuotesV1) -> QuotePage:
    found, total = await servicing_store.find_quotes(ctx.conn, query, ctx.now)
    return QuotePage(
        items=[quotes.summary(q, ctx.now) for q in found], total=total, page=query.page, page_size=query.page_size
    )
