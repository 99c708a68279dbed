"""Which handler answers which message. A use case of the application (``handler(...)``) is given the
message's unit of work; the handlers here in adapters still take the runtime's context (carts,
catalog, quotes, fulfilment, the one-command order) or answer queries straight from the tables."""

from __future__ import annotations

from contracts import customers
from contracts import orders as o
from services.orders.adapters import cart_handlers as carts
from services.orders.adapters import catalog_handlers as catalog
from services.orders.adapters import credit_messages, order_store, return_queries
from services.orders.adapters import query_handlers as queries
from services.orders.adapters import quote_handlers as quotes
from services.orders.adapters import submit_handlers as submits
from services.orders.adapters.deps import Ctx, OrdersDeps
from services.orders.adapters.use_cases import handler
from services.orders.application import (
    calls,
    cancel_order,
    change_order,
    order_controls,
    order_locks,
    return_orders,
    shipments,
    submit_order,
)
from services.orders.domain.cart import CustomerName
from services.runtime import paging
from services.runtime.handling import Handlers

__all__ = ["OrdersDeps", "build_handlers"]


def build_handlers() -> Handlers[OrdersDeps]:
    h: Handlers[OrdersDeps] = Handlers()
    h.command(o.PlaceOrderV1)(handler(submit_order.place_order))
    h.command(o.PlaceOrderV2)(submits.place_order_v2)
    h.command(o.SubmitOrderV1)(handler(submit_order.submit_order))
    h.command(o.RecordPaymentResultV1)(handler(submit_order.record_payment_result))
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
    _servicing(h)
    h.event(customers.CustomerRegisteredV1)(on_customer_registered)
    h.event(customers.CustomerUpdatedV1)(on_customer_updated)
    credit_messages.register(h)  # MNY-07, MNY-08
    return h


def _servicing(h: Handlers[OrdersDeps]) -> None:
    """Order servicing (SRV-01..SRV-12)."""
    h.command(o.SaveAsQuoteV1)(quotes.save_as_quote)
    h.command(o.EmailQuoteV1)(quotes.email_quote)
    h.command(o.ConvertQuoteToOrderV1)(quotes.convert_quote)
    h.query(o.FindQuotesV1)(quotes.find_quotes)
    h.command(o.BlockOrderV1)(handler(order_controls.block_order))
    h.command(o.UnblockOrderV1)(handler(order_controls.unblock_order))
    h.command(o.SuspendOrderV1)(handler(order_controls.suspend_order))
    h.command(o.ResumeOrderV1)(handler(order_controls.resume_order))
    h.command(o.FlagOrderV1)(handler(order_controls.flag_order))
    h.command(o.ClearAlertsV1)(handler(order_controls.clear_alerts))
    h.command(o.LockOrderV1)(handler(order_locks.lock_order))
    h.command(o.UnlockOrderV1)(handler(order_locks.unlock_order))
    h.command(o.TakeOverLockV1)(handler(order_locks.take_over_lock))
    h.command(o.ParkCallV1)(handler(calls.park_call))
    h.command(o.TransferCallV1)(handler(calls.transfer_call))
    h.command(o.VoidCallV1)(handler(calls.void_call))
    h.command(o.VoidOrderV1)(handler(calls.void_order))
    h.query(o.ListPendingOrdersV1)(queries.list_pending_orders)
    h.command(o.CancelOrderV1)(handler(cancel_order.cancel_order))
    h.command(o.ChangeOrderV1)(handler(change_order.change_order))
    h.command(o.RecordShipmentV1)(handler(shipments.record_shipment))
    h.command(o.RecordDeliveryV1)(handler(shipments.record_delivery))
    h.command(o.CreateReturnV1)(handler(return_orders.create_return))
    h.command(o.ReceiveReturnV1)(handler(return_orders.receive_return))
    h.command(o.RefundReturnV1)(handler(return_orders.refund_return))
    h.query(o.FindReturnsV1)(return_queries.find_returns)
    h.query(o.GetReturnOrderV1)(return_queries.get_return_order)
    # The common page shape (docs/contract.md): each V2 answered by its V1's handler, reshaped
    h.query(o.SearchCatalogV2)(paging.from_counted(catalog.search_catalog))
    h.query(o.FindOrdersV2)(paging.from_counted(queries.find_orders))
    h.query(o.FindQuotesV2)(paging.from_counted(quotes.find_quotes))
    h.query(o.ListPendingOrdersV2)(paging.from_counted(queries.list_pending_orders))
    h.query(o.FindReturnsV2)(paging.from_counted(return_queries.find_returns))


async def on_customer_registered(ctx: Ctx, event: customers.CustomerRegisteredV1) -> None:
    who = CustomerName(event.first_name, event.last_name, event.email, event.preferred_language)
    await order_store.remember_customer(ctx.conn, event.customer_id, who, ctx.now)


async def on_customer_updated(ctx: Ctx, event: customers.CustomerUpdatedV1) -> None:
    who = CustomerName(event.first_name, event.last_name, event.email, event.preferred_language)
    await order_store.remember_customer(ctx.conn, event.customer_id, who, ctx.now)
