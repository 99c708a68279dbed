"""What the payment ledger means for the order it belongs to (MNY-01, MNY-02), pure.

- an instruction the provider authorized is ``authorized``; one it declined is ``declined`` and the
  order waits on the ``payment`` hold until the CSR adds another way to pay and submits again;
- while a provider could not be reached the order waits on the ``payment_pending`` hold, with a
  system alert saying so; both go when the provider answers.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from contracts.orders import AlertView, OrderView, PaymentView
from services.orders.domain.ledger import Instruction, PaymentLedger

PAYMENT_PENDING = "payment_pending"
SYSTEM = "system"


def instructions(order: OrderView) -> dict[uuid.UUID, Instruction]:
    return {
        p.payment_id: Instruction(p.payment_id, p.method, p.amount, p.token, usable=p.status != "declined")
        for p in order.payments
    }


def _status(payment: PaymentView, ledger: PaymentLedger) -> PaymentView:
    asked = [m for m in ledger.movements if m.payment_id == payment.payment_id and m.kind == "authorize"]
    decided = [m for m in asked if m.status != "pending"]
    if not decided:
        return payment
    last = decided[-1]
    if last.status == "declined":
        update = {"status": "declined", "result_reason": last.decline_reason, "result_reference": last.reference}
    else:
        update = {"status": "authorized", "result_reference": last.authorization}
    return payment.model_copy(update=update)


def _pending_alert(order: OrderView, ledger: PaymentLedger, now: datetime) -> list[AlertView]:
    key = f"{PAYMENT_PENDING}:{ledger.pending[0].movement_id}" if ledger.pending else None
    alerts = []
    for alert in order.alerts:
        if alert.rule == PAYMENT_PENDING and not alert.cleared and alert.key != key:
            alert = alert.model_copy(
                update={"cleared": True, "cleared_by": SYSTEM, "cleared_at": now, "clear_note": "the provider answered"}
            )
        alerts.append(alert)
    if key is not None and not any(a.key == key for a in alerts):
        alerts.append(
            AlertView(
                alert_id=uuid.uuid5(order.order_id, key),
                source="system",
                rule=PAYMENT_PENDING,
                key=key,
                message="the payment provider cannot be reached: the payment is asked again until it answers",
                raised_by=SYSTEM,
                raised_at=now,
            )
        )
    return alerts


def with_payment_state(order: OrderView, ledger: PaymentLedger, now: datetime) -> OrderView:
    before = {p.payment_id: p.status for p in order.payments}
    payments = [_status(p, ledger) for p in order.payments]
    newly_declined = any(p.status == "declined" and before[p.payment_id] != "declined" for p in payments)
    holds = set(order.holds) - {PAYMENT_PENDING}
    if newly_declined:
        holds.add("payment")
    if ledger.pending:
        holds.add(PAYMENT_PENDING)
    return order.model_copy(
        update={"payments": payments, "holds": sorted(holds), "alerts": _pending_alert(order, ledger, now)}
    )
