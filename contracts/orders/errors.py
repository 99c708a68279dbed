"""Rejection codes specific to the orders service (besides ``contracts.errors``)."""

from __future__ import annotations


class OrderErrors:
    """Rejection codes specific to the orders service (besides ``contracts.errors``)."""

    UNKNOWN_SKU = "unknown_sku"  # no product with that SKU in the catalog
    PRODUCT_INACTIVE = "product_inactive"  # the product is no longer sold
    CURRENCY_MISMATCH = "currency_mismatch"  # an amount, price or coupon is not in the order's currency
    CURRENCY_NOT_OFFERED = "currency_not_offered"  # the shop does not ship (so does not sell) in that currency
    INSUFFICIENT_STOCK = "insufficient_stock"  # not enough available-to-promise and no backorder allowed
    UNKNOWN_SHIPPING_MODE = "unknown_shipping_mode"
    UNKNOWN_COUPON = "unknown_coupon"
    COUPON_EXPIRED = "coupon_expired"
    COUPON_NOT_YET_VALID = "coupon_not_yet_valid"
    COUPON_USED_UP = "coupon_used_up"  # its usage limit is reached
    COUPON_ALREADY_USED = "coupon_already_used"  # once per customer, and this customer used it
    INVALID_CARD_NUMBER = "invalid_card_number"  # wrong length, not digits, or checksum (Luhn) fails
    UNSUPPORTED_CARD_BRAND = "unsupported_card_brand"
    CARD_EXPIRED = "card_expired"
    INVOICE_REQUIRES_ACCOUNT = "invoice_requires_account"  # invoice is for account (business) customers
    INCOMPLETE_ORDER = "incomplete_order"  # submit: field_errors lists every check that failed
    QUOTE_EXPIRED = "quote_expired"  # the quote's guarantee ended; convert with accept_current_prices
    UNCLEARED_ALERTS = "uncleared_alerts"  # submit: field_errors lists the alerts to clear first
    ALREADY_SHIPPED = "already_shipped"  # cancel or change after something (of that line) shipped
    ON_HOLD = "on_hold"  # a shipment reported for an order that is not released (blocked, suspended...)
    UNKNOWN_RETURN_REASON = "unknown_return_reason"  # not one of the configured return reasons
    RETURN_EXCEEDS_SHIPPED = "return_exceeds_shipped"  # more than shipped and not yet returned
    CLAIM_EXCEEDS_SHIPPED = "claim_exceeds_shipped"  # more than shipped and not yet returned or claimed
    SUPERVISOR_REQUIRED = "supervisor_required"  # an appeasement above the CSR limit of its currency (MNY-07)
    EXCEEDS_PAID = "exceeds_paid"  # more to the card than was captured and not yet refunded (MNY-07)
    INSUFFICIENT_STORE_CREDIT = "insufficient_store_credit"  # more than the customer's balance (MNY-08)


ORDER_ERROR_DESCRIPTIONS: dict[str, str] = {
    OrderErrors.UNKNOWN_SKU: "No product with that SKU is in the catalog.",
    OrderErrors.PRODUCT_INACTIVE: "The product is no longer sold.",
    OrderErrors.CURRENCY_MISMATCH: "An amount, price or coupon is not in the order's currency.",
    OrderErrors.CURRENCY_NOT_OFFERED: "The shop does not take orders in that currency (no shipping is offered in it).",
    OrderErrors.INSUFFICIENT_STOCK: "Not enough stock is available and no backorder choice allows the rest.",
    OrderErrors.UNKNOWN_SHIPPING_MODE: "No shipping mode with that code is offered in the order's currency.",
    OrderErrors.UNKNOWN_COUPON: "No active coupon has that code.",
    OrderErrors.COUPON_EXPIRED: "The coupon's validity ended.",
    OrderErrors.COUPON_NOT_YET_VALID: "The coupon's validity has not started.",
    OrderErrors.COUPON_USED_UP: "The coupon reached its usage limit.",
    OrderErrors.COUPON_ALREADY_USED: "The coupon may be used once per customer, and this customer has used it.",
    OrderErrors.INVALID_CARD_NUMBER: "The card number is not a valid card number (length or checksum).",
    OrderErrors.UNSUPPORTED_CARD_BRAND: "Cards of that brand are not accepted.",
    OrderErrors.CARD_EXPIRED: "The card expired.",
    OrderErrors.INVOICE_REQUIRES_ACCOUNT: "Paying by invoice needs an account (business) customer.",
    OrderErrors.INCOMPLETE_ORDER: "The order cannot be submitted; field_errors lists what is missing or wrong.",
    OrderErrors.QUOTE_EXPIRED: "The quote's guaranteed prices expired; convert it accepting current prices.",
    OrderErrors.UNCLEARED_ALERTS: "The order has alerts nobody cleared; field_errors lists them.",
    OrderErrors.ALREADY_SHIPPED: "Something (of the lines concerned) shipped; the order cannot be changed that way.",
    OrderErrors.ON_HOLD: "The order is on hold (not released to fulfilment) and may not ship.",
    OrderErrors.UNKNOWN_RETURN_REASON: "The return reason is not one of the configured return reasons.",
    OrderErrors.RETURN_EXCEEDS_SHIPPED: "More would be returned than was shipped and not yet returned.",
    OrderErrors.CLAIM_EXCEEDS_SHIPPED: "More would be claimed than was shipped and not yet returned or claimed.",
    OrderErrors.SUPERVISOR_REQUIRED: "The appeasement is above the CSR limit of its currency: only a supervisor may"
    " grant it.",
    OrderErrors.EXCEEDS_PAID: "More would go back to the card than was captured on the order and not yet refunded.",
    OrderErrors.INSUFFICIENT_STORE_CREDIT: "The customer's store credit balance in that currency is smaller than"
    " the amount.",
}
