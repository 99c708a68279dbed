"""Which handler answers which message. A use case of the application (``u(...)``) is given a
unit of work on the message's transaction; the queries answer straight from the tables."""

from __future__ import annotations

from contracts import customers
from contracts import orders as o
from services.orders.adapters import catalog_queries, claims_messages, credit_messages, quote_queries, return_queries
from services.orders.adapters import order_queries as queries
from services.orders.adapters.deps import OrdersDeps
from services.orders.adapters.use_cases import handler as u
from services.orders.application import (
    calls,
    cancel_order,
    carts,
    catalog,
    change_order,
    customer_names,
    order_controls,
    order_locks,
    place_order,
    quotes,
    return_orders,
    shipments,
    submit_order,
)
from services.runtime import paging
from services.runtime.handling import Handlers

__all__ = ["OrdersDeps", "build_handlers"]


def build_handlers() -> Handlers[OrdersDeps]:
    h: Handlers[OrdersDeps] = Handlers()
    h.command(o.PlaceOrderV1)(u(submit_order.place_order))
    h.command(o.PlaceOrderV2)(u(place_order.place_order_v2))
    h.command(o.SubmitOrderV1)(u(submit_order.submit_order))
    h.command(o.RecordPaymentResultV1)(u(submit_order.record_payment_result))
    h.command(o.UpsertProductV1)(u(catalog.upsert_product))
    h.command(o.AdjustStockV1)(u(catalog.adjust_stock))
    h.command(o.UpsertDiscountRuleV1)(u(catalog.upsert_discount_rule))
    h.command(o.UpsertCouponV1)(u(catalog.upsert_coupon))
    h.command(o.CreateCartV1)(u(carts.create_cart))
    h.command(o.AddCartLineV1)(u(carts.add_line))
    h.command(o.ChangeCartLineV1)(u(carts.change_line))
    h.command(o.RemoveCartLineV1)(u(carts.remove_line))
    h.command(o.SetShippingV1)(u(carts.set_shipping))
    h.command(o.SetBillingAddressV1)(u(carts.set_billing))
    h.command(o.SetBackorderPolicyV1)(u(carts.set_backorder_policy))
    h.command(o.ApplyCouponV1)(u(carts.apply_coupon))
    h.command(o.RemoveCouponV1)(u(carts.remove_coupon))
    h.command(o.OverrideChargeV1)(u(carts.override_charge))
    h.command(o.AdjustSubtotalV1)(u(carts.adjust_subtotal))
    h.command(o.SetOrderAttributesV1)(u(carts.set_attributes))
    h.command(o.AddPaymentInstructionV1)(u(carts.add_payment))
    h.command(o.RemovePaymentInstructionV1)(u(carts.remove_payment))
    h.command(o.SaveCartV1)(u(carts.save_cart))
    h.command(o.AddOrderCommentV1)(u(carts.add_comment))
    h.command(o.CloneOrderV1)(u(carts.clone_order))
    h.query(o.GetCatalogProductV1)(catalog_queries.get_product)
    h.query(o.SearchCatalogV1)(catalog_queries.search_catalog)
    h.query(o.ListShippingModesV1)(catalog_queries.list_shipping_modes)
    h.query(o.GetOrderV1)(queries.get_order)
    h.query(o.GetOrderVersionV1)(queries.get_order_version)
    h.query(o.DiffOrderVersionsV1)(queries.diff_order_versions)
    h.query(o.FindOrdersV1)(queries.find_orders)
    _servicing(h)
    claims_messages.register(h)  # MNY-05, MNY-06, MNY-09
    credit_messages.register(h)  # MNY-07, MNY-08
    h.event(customers.CustomerRegisteredV1)(u(customer_names.on_customer_registered))
    h.event(customers.CustomerUpdatedV1)(u(customer_names.on_customer_updated))
    return h


def _servicing(h: Handlers[OrdersDeps]) -> None:
    """Order servicing (SRV-01..SRV-12)."""
    h.command(o.SaveAsQuoteV1)(u(quotes.save_as_quote))
    h.command(o.EmailQuoteV1)(u(quotes.email_quote))
    h.command(o.ConvertQuoteToOrderV1)(u(quotes.convert_quote))
    h.query(o.FindQuotesV1)(quote_queries.find_quotes)
    h.command(o.BlockOrderV1)(u(order_controls.block_order))
    h.command(o.UnblockOrderV1)(u(order_controls.unblock_order))
    h.command(o.SuspendOrderV1)(u(order_controls.suspend_order))
    h.command(o.ResumeOrderV1)(u(order_controls.resume_order))
    h.command(o.FlagOrderV1)(u(order_controls.flag_order))
    h.command(o.ClearAlertsV1)(u(order_controls.clear_alerts))
    h.command(o.LockOrderV1)(u(order_locks.lock_order))
    h.command(o.UnlockOrderV1)(u(order_locks.unlock_order))
    h.command(o.TakeOverLockV1)(u(order_locks.take_over_lock))
    h.command(o.ParkCallV1)(u(calls.park_call))
    h.command(o.TransferCallV1)(u(calls.transfer_call))
    h.command(o.VoidCallV1)(u(calls.void_call))
    h.command(o.VoidOrderV1)(u(calls.void_order))
    h.query(o.ListPendingOrdersV1)(queries.list_pending_orders)
    h.command(o.CancelOrderV1)(u(cancel_order.cancel_order))
    h.command(o.ChangeOrderV1)(u(change_order.change_order))
    h.command(o.RecordShipmentV1)(u(shipments.record_shipment))
    h.command(o.RecordDeliveryV1)(u(shipments.record_delivery))
    h.command(o.CreateReturnV1)(u(return_orders.create_return))
    h.command(o.ReceiveReturnV1)(u(return_orders.receive_return))
    h.command(o.RefundReturnV1)(u(return_orders.refund_return))
    h.query(o.FindReturnsV1)(return_queries.find_returns)
    h.query(o.GetReturnOrderV1)(return_queries.get_return_order)
    # The common page shape (docs/contract.md): each V2 answered by its V1's handler, reshaped
    h.query(o.SearchCatalogV2)(paging.from_counted(catalog_queries.search_catalog))
    h.query(o.FindOrdersV2)(paging.from_counted(queries.find_orders))
    h.query(o.FindQuotesV2)(paging.from_counted(quote_queries.find_quotes))
    h.query(o.ListPendingOrdersV2)(paging.from_counted(queries.list_pending_orders))
    h.query(o.FindReturnsV2)(paging.from_counted(return_queries.find_returns))
