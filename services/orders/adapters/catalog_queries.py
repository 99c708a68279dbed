"""The catalog as the CSR looks at it (ORD-01): a product, a search, the shipping modes. A query
changes nothing and reads straight from the tables (the commands are in ``application.catalog``)."""

from __future__ import annotations

from contracts import errors
from contracts.orders import (
    CatalogPage,
    GetCatalogProductV1,
    ListShippingModesV1,
    ProductView,
    SearchCatalogV1,
    ShippingModeCharge,
    ShippingModes,
    ShippingModeView,
)
from services.orders.adapters import catalog_store
from services.orders.adapters.deps import Ctx
from services.runtime.handling import Rejected


async def get_product(ctx: Ctx, query: GetCatalogProductV1) -> ProductView:
    view = await catalog_store.product_view(ctx.conn, query.sku)
    if view is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.sku", "no product with this SKU")
    return view


async def search_catalog(ctx: Ctx, query: SearchCatalogV1) -> CatalogPage:
    items, total = await catalog_store.search(ctx.conn, query)
    return CatalogPage(items=items, total=total, page=query.page, page_size=query.page_size)


async def list_shipping_modes(ctx: Ctx, query: ListShippingModesV1) -> ShippingModes:
    settings = ctx.deps.settings
    modes = []
    for code, mode in settings.shipping_modes.items():
        charges = [
            ShippingModeCharge(currency=cur, base=c.base, per_item=c.per_item, free_over=c.free_over)
            for cur, c in sorted(mode.charges.items())
            if query.currency in (None, cur)
        ]
        if charges:
            modes.append(ShippingModeView(code=code, name=mode.name, charges=charges))
    return ShippingModes(modes=modes, default_mode=settings.default_shipping_mode)
