"""Which handler answers which message. The handlers themselves are thin: ask the domain, save with
the store, emit events (see cart_handlers, submit_handlers, catalog_handlers, query_handlers)."""

from __future__ import annotations

from contracts import customers
from contracts import orders as o
from services.orders import cart_handlers as carts
from services.orders import catalog_handlers as catalog
from services.orders import query_handlers as queries
from services.orders import store
from services.orders import submit_handlers as submits
from services.orders.cart import CustomerName
from services.orders.deps import Ctx, OrdersDeps
from services.runtime.handling import Handlers

__all__ = ["OrdersDeps", "build_handlers"]


def build_handlers() -> Handlers[OrdersDeps]:
    h: Handlers[OrdersDeps] = Handlers()
    h.command(o.PlaceOrderV1)(submits.place_order)
    h.command(o.PlaceOrderV2)(submits.place_order_v2)
    h.command(o.SubmitOrderV1)(submits.submit_order)
    h.command(o.RecordPaymentResultV1)(submits.record_payment_result)
    h.command(o.UpsertProductV1)(catalog.upsert_product)
    h.command(o.AdjustStockV1)(catalog.adjust_stock)
    h.command(o.UpsertDiscountRuleV1)(catalog.upsert_discount_rule)
    h.command(o.UpsertCouponV1)(catalog.upsert_coupon)
    h.command(o.CreateCartV1)(carts.create_cart)
    h.command(o.AddCartLineV1)(carts.add_line)
    h.command(o.ChangeCartLineV1)(carts.change_line)
    h.command(o.RemoveCartLineV1)(carts.remove_line)
    h.command(o.SetShippingV1)(carts.set_shipping)
    h.command(o.SetBillingAddressV1)(carts.set_billing)
    h.command(o.SetBackorderPolicyV1)(carts.set_backorder_policy)
    h.command(o.ApplyCouponV1)(carts.apply_coupon)
    h.command(o.RemoveCouponV1)(carts.remove_coupon)
    h.command(o.OverrideChargeV1)(carts.override_charge)
    h.command(o.AdjustSubtotalV1)(carts.adjust_subtotal)
    h.command(o.SetOrderAttributesV1)(carts.set_attributes)
    h.command(o.AddPaymentInstructionV1)(carts.add_payment)
    h.command(o.RemovePaymentInstructionV1)(carts.remove_payment)
    h.command(o.SaveCartV1)(carts.save_cart)
    h.command(o.AddOrderCommentV1)(carts.add_comment)
    h.command(o.CloneOrderV1)(carts.clone_order)
    h.query(o.GetCatalogProductV1)(catalog.get_product)
    h.query(o.SearchCatalogV1)(catalog.search_catalog)
    h.query(o.ListShippingModesV1)(catalog.list_shipping_modes)
    h.query(o.GetOrderV1)(queries.get_order)
    h.query(o.GetOrderVersionV1)(queries.get_order_version)
    h.query(o.DiffOrderVersionsV1)(queries.diff_order_versions)
    h.query(o.FindOrdersV1)(queries.find_orders)
    h.event(customers.CustomerRegisteredV1)(on_customer_registered)
    h.event(customers.CustomerUpdatedV1)(on_customer_updated)
    return h


async def on_customer_registered(ctx: Ctx, event: customers.CustomerRegisteredV1) -> None:
    who = CustomerName(event.first_name, event.last_name, event.email, event.preferred_language)
    await store.remember_customer(ctx.conn, event.customer_id, who, ctx.now)


async def on_customer_updated(ctx: Ctx, event: customers.CustomerUpdatedV1) -> None:
    who = CustomerName(event.first_name, event.last_name, event.email, event.preferred_language)
    await store.remember_customer(ctx.conn, event.customer_id, who, ctx.now)
