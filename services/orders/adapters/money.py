"""Money after the sale, wired into the order handlers (MNY-01..MNY-04): each hook loads the
order's payment ledger on the handler's transaction, plans the movements (services/orders/domain/ledger.py),
has them carried out (application/payments.py) and emits PaymentMovementV1 for each answer. What is
recorded commits with the order; a crash before the commit asks the provider again with the same
idempotency keys on redelivery."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from contracts.envelope import Event
from contracts.orders import MoneyCause, OrderView, PaymentLedgerTotals, PaymentMovementV1, ShipmentRecord
from services.orders.adapters.deps import Ctx
from services.orders.adapters.payment_store import PgPaymentLedger
from services.orders.adapters.store_credit_provider import with_store_credit
from services.orders.application.payments import EXTERNAL, MoneyRequest, Mover, Payments
from services.orders.domain import ledger as money
from services.orders.domain.ledger import Movement, PaymentLedger, PlannedMovement
from services.orders.domain.payment_state import instructions, with_payment_state
from services.orders.domain.pricing import money as to_money
from services.runtime.retry import RetryPolicy


def retry_policy(ctx: Ctx) -> RetryPolicy:
    s = ctx.deps.settings
    return RetryPolicy(
        base_s=s.payment_retry_base_s, max_s=s.payment_retry_max_s, max_attempts=s.payment_retry_attempts
    )


def mover(ctx: Ctx, cause: MoneyCause) -> Mover:
    """``cause``: store credit given back or redeemed says it on its own event too."""
    return Mover(PgPaymentLedger(ctx.conn), with_store_credit(ctx, cause), retry_policy(ctx))


def request(ctx: Ctx, order: OrderView, reason: str, cause: MoneyCause) -> MoneyRequest:
    number = order.order_number or str(order.order_id)
    return MoneyRequest(order.order_id, number, order.currency, ctx.envelope.message_id, reason, cause, ctx.now)


async def load(ctx: Ctx, order: OrderView) -> PaymentLedger:
    return await PgPaymentLedger(ctx.conn).load(order.order_id, order.currency)


async def _carry_out(
    ctx: Ctx,
    order: OrderView,
    ledger: PaymentLedger,
    planned: Sequence[PlannedMovement],
    reason: str,
    cause: MoneyCause,
    *,
    later: list[Event] | None = None,
) -> tuple[PaymentLedger, list[Movement]]:
    """``later``: the events are left there for the caller to emit after its own (OrderPlacedV1 first)."""
    asked = request(ctx, order, reason, cause)
    ledger, done = await mover(ctx, cause).carry_out(ledger, planned, instructions(order), asked)
    events = movement_events(order, ledger, done)
    if later is not None:
        later.extend(events)
    else:
        for event in events:
            ctx.emit(event)
    return ledger, done


carry_out = _carry_out
"""For the other money use cases of the adapters (an appeasement to the card: credit_unit_of_work.py)."""


def movement_events(order: OrderView, ledger: PaymentLedger, done: Sequence[Movement]) -> list[PaymentMovementV1]:
    """One event per answered movement, each with the ledger as it stood after it."""
    methods = {p.payment_id: p.method for p in order.payments}
    events = []
    seen = PaymentLedger(ledger.order_id, ledger.currency, tuple(m for m in ledger.movements if m not in done))
    for m in done:
        seen = seen.recorded(m)
        if m.status == "pending":
            continue
        t = seen.totals()
        events.append(
            PaymentMovementV1(
                order_id=order.order_id,
                order_number=order.order_number or str(order.order_id),
                customer_id=order.customer_id,
                movement_id=m.movement_id,
                payment_id=m.payment_id,
                kind=m.kind,
                status=m.status,
                amount=m.amount,
                currency=order.currency,
                method=methods.get(m.payment_id),
                provider=m.provider,
                provider_reference=m.reference,
                authorization_reference=m.authorization,
                idempotency_key=m.idempotency_key,
                reason=m.reason,
                cause=m.cause,
                decline_reason=m.decline_reason,
                ledger=PaymentLedgerTotals(
                    authorized=t.authorized,
                    captured=t.captured,
                    voided=t.voided,
                    refunded=t.refunded,
                    held=t.held,
                    paid=t.paid,
                ),
                occurred_at=m.at,
            )
        )
    return events


# --- the hooks ------------------------------------------------------------------------------------


async def authorize_at_submit(
    ctx: Ctx, order: OrderView, later: list[Event] | None = None, *, cause: MoneyCause
) -> OrderView:
    """MNY-02: each instruction authorized for its amount as the order is submitted (or submitted
    again, ``resubmit``); the events go to ``later`` when given (emitted after the order's own)."""
    ledger = await load(ctx, order)
    planned = money.plan_authorizations(instructions(order).values(), ledger)
    why = f"order {order.order_number} submitted"
    ledger, _ = await _carry_out(ctx, order, ledger, planned, why, cause, later=later)
    return with_payment_state(order, ledger, ctx.now)


async def capture_shipment(ctx: Ctx, order: OrderView, shipment: ShipmentRecord) -> None:
    """MNY-03: what a shipment carries is captured when it ships; the last shipment takes all that
    is still held (shipping, handling and rounding ride with it)."""
    ledger = await load(ctx, order)
    lines = {ln.line_no: ln for ln in order.lines}
    amount = sum(
        (
            to_money(lines[s.line_no].total * s.quantity / lines[s.line_no].quantity, order.currency)
            for s in shipment.lines
        ),
        money.ZERO,
    )
    everything = order.status in ("shipped", "complete")
    planned = money.plan_capture(amount, ledger, everything=everything)
    await _carry_out(ctx, order, ledger, planned, f"shipment {shipment.shipment_id}", "shipment")


async def release_all(ctx: Ctx, order: OrderView, reason: str, cause: MoneyCause) -> Decimal:
    """MNY-02, MNY-04: on cancel, what is held is voided and what was taken is refunded; the answer is what
    the customer gets back."""
    ledger = await load(ctx, order)
    _, done = await _carry_out(ctx, order, ledger, money.plan_release(None, ledger), reason, cause)
    return money.released(done)


async def secured(ctx: Ctx, order: OrderView) -> Decimal:
    """What the ledger has secured for the order (held + paid): a change's amount due is against this."""
    return (await load(ctx, order)).totals().secured


async def settle_change(ctx: Ctx, order: OrderView, amount_due: Decimal, reason: str, cause: MoneyCause) -> OrderView:
    """MNY-02, MNY-04: a change that lowers what is due gives the difference back (void, then refund); one
    that raises it asks for a further authorization of what is not yet asked for."""
    ledger = await load(ctx, order)
    if amount_due < 0:
        planned = money.plan_release(-amount_due, ledger)
    else:
        planned = money.plan_collect(amount_due - ledger.awaiting, list(instructions(order).values()))
    ledger, _ = await _carry_out(ctx, order, ledger, planned, reason, cause)
    return with_payment_state(order, ledger, ctx.now)


async def refund_return(ctx: Ctx, order: OrderView, amount: Decimal, reason: str, cause: MoneyCause) -> Decimal:
    """MNY-04, MNY-06: a received return's (or a claim's) refund goes back to what paid for it."""
    ledger = await load(ctx, order)
    _, done = await _carry_out(ctx, order, ledger, money.plan_refund(amount, ledger), reason, cause)
    return money.released(done)


async def record_outside_result(
    ctx: Ctx, order: OrderView, payment_id: uuid.UUID, outcome: str, reference: str | None
) -> None:
    """An outside system's answer (RecordPaymentResultV1) enters the ledger: an authorization it
    reports is recorded once; a decline voids whatever the instruction still holds."""
    ledger = await load(ctx, order)
    instruction = instructions(order).get(payment_id)
    if instruction is None:
        return
    if outcome == "declined":
        planned = money.plan_release_of(instruction.payment_id, ledger)
        await _carry_out(ctx, order, ledger, planned, "declined", "outside_result")
        return
    if ledger.authorizations(instruction.payment_id) or instruction.amount <= 0:
        return
    plan = PlannedMovement(instruction.payment_id, "authorize", instruction.amount)
    key = money.idempotency_key(ctx.envelope.message_id, 0, plan)
    movement = Movement(
        movement_id=money.movement_id(ctx.envelope.message_id, 0, plan),
        payment_id=instruction.payment_id,
        kind="authorize",
        amount=instruction.amount,
        reason="reported by the payment system",
        cause="outside_result",
        idempotency_key=key,
        provider=EXTERNAL,
        status="succeeded",
        at=ctx.now,
        authorization=reference or key,
        reference=reference,
    )
    await PgPaymentLedger(ctx.conn).save(order.order_id, order.currency, movement, ctx.envelope.message_id)
    ledger = ledger.recorded(movement)
    for event in movement_events(order, ledger, [movement]):
        ctx.emit(event)


class PostgresPayments:
    """The Payments port on the message's own transaction (application/payments.py)."""

    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx

    async def authorize_at_submit(
        self, order: OrderView, later: list[Event] | None = None, *, cause: MoneyCause
    ) -> OrderView:
        return await authorize_at_submit(self._ctx, order, later, cause=cause)

    async def capture_shipment(self, order: OrderView, shipment: ShipmentRecord) -> None:
        await capture_shipment(self._ctx, order, shipment)

    async def release_all(self, order: OrderView, reason: str, cause: MoneyCause) -> Decimal:
        return await release_all(self._ctx, order, reason, cause)

    async def secured(self, order: OrderView) -> Decimal:
        return await secured(self._ctx, order)

    async def settle_change(self, order: OrderView, amount_due: Decimal, reason: str, cause: MoneyCause) -> OrderView:
        return await settle_change(self._ctx, order, amount_due, reason, cause)

    async def refund_return(self, order: OrderView, amount: Decimal, reason: str, cause: MoneyCause) -> Decimal:
        return await refund_return(self._ctx, order, amount, reason, cause)

    async def record_outside_result(
        self, order: OrderView, payment_id: uuid.UUID, outcome: str, reference: str | None
    ) -> None:
        await record_outside_result(self._ctx, order, payment_id, outcome, reference)


def payments(ctx: Ctx) -> Payments:
    return PostgresPayments(ctx)
