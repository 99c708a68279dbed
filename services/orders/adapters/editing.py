"""The shared edit steps for the message handlers that still take the runtime's context: each one is
``application.editing``'s, on the message's unit of work; plus what needs this service's own
tables or keys (a new order's id, what the customers service told us, a sealed card number)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from contracts import errors
from contracts.orders import (
    CardPaymentInput,
    CreateCartV1,
    InvoicePaymentInput,
    OrderChangeResult,
    OrderView,
    PaymentView,
    PlaceOrderV2,
)
from services.orders.adapters import card_entry, order_store
from services.orders.adapters.deps import Ctx
from services.orders.adapters.use_cases import uow_of
from services.orders.application import editing
from services.orders.application.editing import result
from services.orders.domain import cards, cart
from services.runtime.handling import Rejected

__all__ = ["result"]


async def load(ctx: Ctx, order_id: uuid.UUID, *, for_update: bool = True) -> OrderView:
    return await editing.load(uow_of(ctx), order_id, for_update=for_update)


async def load_for_edit(ctx: Ctx, order_id: uuid.UUID, expected_version: int | None) -> OrderView:
    return await editing.load_for_edit(uow_of(ctx), order_id, expected_version)


async def editable(
    ctx: Ctx, order_id: uuid.UUID, expected_version: int | None, *, payment_hold_too: bool = False
) -> OrderView:
    return await editing.editable(uow_of(ctx), order_id, expected_version, payment_hold_too=payment_hold_too)


async def priced(ctx: Ctx, order: OrderView) -> OrderView:
    return await editing.priced(uow_of(ctx), order)


async def commit(
    ctx: Ctx,
    order: OrderView,
    change: str,
    reason: str,
    *,
    new: bool = False,
    line_no: int | None = None,
    payment_id: uuid.UUID | None = None,
    warnings: Sequence[str] = (),
    content_changed: bool = False,
) -> OrderChangeResult:
    return await editing.commit(
        uow_of(ctx),
        order,
        change,
        reason,
        new=new,
        line_no=line_no,
        payment_id=payment_id,
        warnings=warnings,
        content_changed=content_changed,
    )


async def save(
    ctx: Ctx, order: OrderView, change: str, reason: str, *, new: bool = False, content_changed: bool = False
) -> OrderView:
    return await editing.save(uow_of(ctx), order, change, reason, new=new, content_changed=content_changed)


async def ensure_new(ctx: Ctx, order_id: uuid.UUID) -> None:
    if await order_store.load_order(ctx.conn, order_id) is not None:
        raise Rejected.field(errors.CONFLICT, "payload.order_id", f"order {order_id} already exists")


async def known_customer(ctx: Ctx, cmd: CreateCartV1 | PlaceOrderV2) -> cart.CustomerName | None:
    """What the customers service told us about this customer, when the command lacks it."""
    if cmd.customer_id is None or (cmd.first_name and cmd.last_name and cmd.email):
        return None
    return await order_store.customer(ctx.conn, cmd.customer_id)


async def payment_instruction(
    ctx: Ctx, order: OrderView, payment: CardPaymentInput | InvoicePaymentInput, field: str
) -> PaymentView:
    """A payment instruction as it may be kept: a card is opened here, validated, and reduced to a
    token, brand, last four and expiry; the number goes out of scope with this function."""
    amount = cart.payment_amount(order, payment.amount, f"{field}.amount")
    # Derived from the message, like every idempotency key: a redelivered PlaceOrderV2 (its
    # transaction lost to a crash after the provider answered) authorizes the same instruction
    # under the same key, instead of a second authorization nobody records.
    payment_id = uuid.uuid5(ctx.envelope.message_id, f"payment:{field}")
    common = {"payment_id": payment_id, "requested_amount": amount, "added_by": ctx.actor.agent_id}
    if isinstance(payment, InvoicePaymentInput):
        return PaymentView(method="invoice", purchase_order=payment.purchase_order, added_at=ctx.now, **common)
    number = ctx.deps.open_secret(payment.card_number, f"{field}.card_number")
    facts = cards.inspect_card(number, payment.expiry_month, payment.expiry_year, ctx.now, f"{field}.card_number")
    facts = await card_entry.tokenized(ctx, facts, number, payment, payment_id, field)  # MNY-01
    return PaymentView(
        method="card",
        brand=facts.brand,
        last4=facts.last4,
        expiry_month=facts.expiry_month,
        expiry_year=facts.expiry_year,
        holder_name=payment.holder_name,
        token=facts.token,
        added_at=ctx.now,
        **common,
    )
