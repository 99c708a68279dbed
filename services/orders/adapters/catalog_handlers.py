"""Catalog, stock, discount rules and coupons (ORD-01, ORD-05): upstream commands and CSR queries."""

from __future__ import annotations

from contracts import errors
from contracts.orders import (
    AdjustStockV1,
    CatalogPage,
    CouponResult,
    CouponUpsertedV1,
    DiscountRuleUpsertedV1,
    GetCatalogProductV1,
    ListShippingModesV1,
    OrderErrors,
    ProductResult,
    ProductUpsertedV1,
    ProductView,
    RuleResult,
    SearchCatalogV1,
    ShippingModeCharge,
    ShippingModes,
    ShippingModeView,
    StockAdjustedV1,
    StockResult,
    UpsertCouponV1,
    UpsertDiscountRuleV1,
    UpsertProductV1,
)
from services.orders.adapters import catalog_store
from services.orders.adapters.deps import Ctx
from services.runtime.handling import Rejected


async def upsert_product(ctx: Ctx, cmd: UpsertProductV1) -> ProductResult:
    view, created = await catalog_store.upsert_product(ctx.conn, cmd, ctx.actor.agent_id, ctx.now)
    ctx.emit(
        ProductUpsertedV1(
            sku=view.sku,
            name=view.name,
            description=view.description,
            category=view.category,
            prices=view.prices,
            trackable=view.trackable,
            stocked=view.stocked,
            backorderable=view.backorderable,
            active=view.active,
            on_hand=view.on_hand,
            version=view.version,
            changed_by=ctx.actor.agent_id,
            changed_at=ctx.now,
        )
    )
    return ProductResult(sku=view.sku, version=view.version, created=created)


async def adjust_stock(ctx: Ctx, cmd: AdjustStockV1) -> StockResult:
    current = await catalog_store.products(ctx.conn, [cmd.sku], for_update=True)
    product = current.get(cmd.sku)
    if product is None:
        raise Rejected.field(OrderErrors.UNKNOWN_SKU, "payload.sku", f"no product with SKU {cmd.sku!r}")
    if product.on_hand + cmd.delta < 0:
        raise Rejected.field(
            OrderErrors.INSUFFICIENT_STOCK,
            "payload.delta",
            f"{cmd.sku} has {product.on_hand} on hand; cannot take {-cmd.delta}",
        )
    view = await catalog_store.adjust_stock(ctx.conn, cmd.sku, cmd.delta, cmd.reason, ctx.actor.agent_id, ctx.now)
    assert view is not None
    ctx.emit(
        StockAdjustedV1(
            sku=view.sku,
            delta=cmd.delta,
            on_hand=view.on_hand,
            reserved=view.reserved,
            available=view.available,
            reason=cmd.reason,
            adjusted_by=ctx.actor.agent_id,
            adjusted_at=ctx.now,
        )
    )
    return StockResult(sku=view.sku, on_hand=view.on_hand, reserved=view.reserved, available=view.available)


async def upsert_discount_rule(ctx: Ctx, cmd: UpsertDiscountRuleV1) -> RuleResult:
    version = await catalog_store.upsert_rule(ctx, cmd)
    ctx.emit(
        DiscountRuleUpsertedV1(**cmd.model_dump(), version=version, changed_by=ctx.actor.agent_id, changed_at=ctx.now)
    )
    return RuleResult(code=cmd.code, version=version)


async def upsert_coupon(ctx: Ctx, cmd: UpsertCouponV1) -> CouponResult:
    version, uses = await catalog_store.upsert_coupon(ctx.conn, cmd, ctx.actor.agent_id, ctx.now)
    ctx.emit(CouponUpsertedV1(**cmd.model_dump(), version=version, changed_by=ctx.actor.agent_id, changed_at=ctx.now))
    return CouponResult(code=cmd.code, version=version, uses=uses)


async def get_product(ctx: Ctx, query: GetCatalogProductV1) -> ProductView:
    view = await catalog_store.product_view(ctx.conn, query.sku)
    if view is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.sku", f"no product with SKU {query.sku!r}")
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
