"""What the payment ledger means for its order (MNY-01, MNY-02): statuses, holds, the pending alert."""

from __future__ import annotations

import uuid
from decimal import Decimal

from contracts.orders import OrderView, PaymentView
from services.orders.domain.ledger import Movement, MovementStatus, PaymentLedger
from services.orders.domain.payment_state import PAYMENT_PENDING, with_payment_state
from tests.support.orders import NOW, line, order


def _submitted(*payments: PaymentView) -> OrderView:
    return order([line(1, "A", 1, "10.00")], status="submitted", order_number="10000007", payments=list(payments))


def _card() -> PaymentView:
    return PaymentView(payment_id=uuid.uuid4(), method="card", amount=Decimal("10.00"), added_by="csr", added_at=NOW)


def _authorize(payment: PaymentView, status: MovementStatus, n: int = 0) -> Movement:
    return Movement(
        uuid.uuid5(payment.payment_id, str(n)), payment.payment_id, "authorize", payment.amount, "submitted",
        "submit", f"key-{n}", "stripe", status, NOW, "pi_1" if status == "succeeded" else None,
        decline_reason="do not honour" if status == "declined" else None,
    )  # fmt: skip


def test_an_authorized_instruction_is_authorized_with_the_providers_reference() -> None:
    card = _card()
    placed = _submitted(card)
    ledger = PaymentLedger(placed.order_id, "USD", (_authorize(card, "succeeded"),))
    done = with_payment_state(placed, ledger, NOW)
    assert [(p.status, p.result_reference) for p in done.payments] == [("authorized", "pi_1")]
    assert done.holds == [] and done.alerts == []


def test_a_decline_puts_the_order_on_the_payment_hold() -> None:
    card = _card()
    placed = _submitted(card)
    ledger = PaymentLedger(placed.order_id, "USD", (_authorize(card, "declined"),))
    done = with_payment_state(placed, ledger, NOW)
    assert [(p.status, p.result_reason) for p in done.payments] == [("declined", "do not honour")]
    assert done.holds == ["payment"]


def test_a_provider_out_of_reach_holds_with_an_alert_that_clears_when_it_answers() -> None:
    card = _card()
    placed = _submitted(card)
    pending = _authorize(card, "pending")
    waiting = with_payment_state(placed, PaymentLedger(placed.order_id, "USD", (pending,)), NOW)
    assert waiting.holds == [PAYMENT_PENDING] and [p.status for p in waiting.payments] == ["pending"]
    [alert] = waiting.alerts
    assert (alert.rule, alert.source, alert.cleared) == (PAYMENT_PENDING, "system", False)
    again = with_payment_state(waiting, PaymentLedger(waiting.order_id, "USD", (pending,)), NOW)
    assert again.alerts == waiting.alerts  # the same finding is raised once

    answered = PaymentLedger(waiting.order_id, "USD", (_authorize(card, "succeeded"),))
    done = with_payment_state(waiting, answered, NOW)
    assert done.holds == [] and [p.status for p in done.payments] == ["authorized"]
    assert [(a.cleared, a.cleared_by) for a in done.alerts] == [(True, "system")]
