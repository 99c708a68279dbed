"""Catalog, stock, discount rules and coupons (ORD-01, ORD-05): the upstream systems' commands. Each
keeps what it was told through the catalog repository and announces it."""

from __future__ import annotations

from contracts.orders import (
    AdjustStockV1,
    CouponResult,
    CouponUpsertedV1,
    DiscountRuleUpsertedV1,
    ProductResult,
    ProductUpsertedV1,
    RuleResult,
    StockAdjustedV1,
    StockResult,
    UpsertCouponV1,
    UpsertDiscountRuleV1,
    UpsertProductV1,
)
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain.catalog import check_stock_adjustment


async def upsert_product(uow: UnitOfWork, cmd: UpsertProductV1) -> ProductResult:
    view, created = await uow.catalog.upsert_product(cmd)
    uow.emit(
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
            changed_by=uow.actor.agent_id,
            changed_at=uow.now,
        )
    )
    return ProductResult(sku=view.sku, version=view.version, created=created)


async def adjust_stock(uow: UnitOfWork, cmd: AdjustStockV1) -> StockResult:
    current = await uow.catalog.products([cmd.sku], for_update=True)
    check_stock_adjustment(current.get(cmd.sku), cmd.delta)
    view = await uow.catalog.adjust_stock(cmd.sku, cmd.delta, cmd.reason)
    uow.emit(
        StockAdjustedV1(
            sku=view.sku,
            delta=cmd.delta,
            on_hand=view.on_hand,
            reserved=view.reserved,
            available=view.available,
            reason=cmd.reason,
            adjusted_by=uow.actor.agent_id,
            adjusted_at=uow.now,
        )
    )
    return StockResult(sku=view.sku, on_hand=view.on_hand, reserved=view.reserved, available=view.available)


async def upsert_discount_rule(uow: UnitOfWork, cmd: UpsertDiscountRuleV1) -> RuleResult:
    version = await uow.catalog.upsert_rule(cmd)
    uow.emit(
        DiscountRuleUpsertedV1(**cmd.model_dump(), version=version, changed_by=uow.actor.agent_id, changed_at=uow.now)
    )
    return RuleResult(code=cmd.code, version=version)


async def upsert_coupon(uow: UnitOfWork, cmd: UpsertCouponV1) -> CouponResult:
    version, uses = await uow.catalog.upsert_coupon(cmd)
    uow.emit(CouponUpsertedV1(**cmd.model_dump(), version=version, changed_by=uow.actor.agent_id, changed_at=uow.now))
    return CouponResult(code=cmd.code, version=version, uses=uses)
