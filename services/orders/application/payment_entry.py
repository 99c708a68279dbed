"""A payment instruction as it may be kept (MNY-01): a card is reduced to a token, brand, last four
and expiry by the card port (the number never reaches the use case); an invoice names its purchase
order; store credit is checked against the customer's balance (MNY-08)."""

from __future__ import annotations

import uuid

from contracts.orders import CardPaymentInput, InvoicePaymentInput, OrderView, PaymentView, StoreCreditPaymentInput
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain.cart import Cart


async def payment_instruction(
    uow: UnitOfWork,
    order: OrderView,
    payment: CardPaymentInput | InvoicePaymentInput | StoreCreditPaymentInput,
    field: str,
) -> PaymentView:
    amount = Cart(order).payment_amount(payment.amount, f"{field}.amount")  # refused before a card is opened
    # Derived from the message, like every idempotency key: a redelivered PlaceOrderV2 (its
    # transaction lost to a crash after the provider answered) authorizes the same instruction
    # under the same key, instead of a second authorization nobody records.
    payment_id = uuid.uuid5(uow.message_id, f"payment:{field}")
    common = {"payment_id": payment_id, "requested_amount": amount, "added_by": uow.actor.agent_id}
    if isinstance(payment, InvoicePaymentInput):
        return PaymentView(method="invoice", purchase_order=payment.purchase_order, added_at=uow.now, **common)
    if isinstance(payment, StoreCreditPaymentInput):  # MNY-08: checked against the balance now, taken at submit
        await uow.store_credit_cover.covers(order, amount, f"{field}.amount")
        return PaymentView(method="store_credit", added_at=uow.now, **common)
    facts = await uow.cards.enter(payment, payment_id, field)
    return PaymentView(
        method="card",
        brand=facts.brand,
        last4=facts.last4,
        expiry_month=facts.expiry_month,
        expiry_year=facts.expiry_year,
        holder_name=payment.holder_name,
        token=facts.token,
        added_at=uow.now,
        **common,
    )
