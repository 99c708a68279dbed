"""Re-authorization before an authorization expires (MNY-02), pure: which authorizations are due,
and what replacing one plans (a new authorization of what is held, then the old one voided)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D  # noqa: N817

from services.orders.domain.ledger import Movement, PaymentLedger
from services.orders.domain.reauthorization import due

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ORDER = uuid.uuid4()
CARD = uuid.uuid4()
WEEK = timedelta(days=6)


def moved(kind: str, amount: str, at: datetime, *, ref: str = "pi_1", provider: str = "stripe") -> Movement:
    return Movement(
        movement_id=uuid.uuid4(),
        payment_id=CARD,
        kind=kind,  # type: ignore[arg-type]
        amount=D(amount),
        reason="test",
        cause="submit",
        idempotency_key=f"oms-{uuid.uuid4()}",
        provider=provider,
        status="succeeded",
        at=at,
        authorization=ref,
    )


def ledger(*movements: Movement) -> PaymentLedger:
    return PaymentLedger(ORDER, "USD", movements)


def test_an_old_authorization_still_holding_money_is_renewed_for_what_it_holds() -> None:
    old = NOW - timedelta(days=6, minutes=1)
    book = ledger(moved("authorize", "100.00", old), moved("capture", "30.00", old))

    [renewal] = due(book, "partially_shipped", NOW, WEEK, ["stripe"], [CARD])

    assert (renewal.authorize.kind, renewal.authorize.amount, renewal.authorize.authorization) == (
        "authorize",
        D("70.00"),
        None,
    )
    assert (renewal.void.kind, renewal.void.amount, renewal.void.authorization, renewal.void.whole) == (
        "void",
        D("70.00"),
        "pi_1",
        False,
    )
    assert renewal.request_id(ORDER) == due(book, "submitted", NOW, WEEK, ["stripe"], [CARD])[0].request_id(ORDER)


def test_nothing_is_due_when_young_spent_finished_not_expiring_or_the_card_was_declined() -> None:
    old = NOW - timedelta(days=7)
    assert (
        due(ledger(moved("authorize", "10.00", NOW - timedelta(days=1))), "submitted", NOW, WEEK, ["stripe"], [CARD])
        == []
    )
    assert (
        due(
            ledger(moved("authorize", "10.00", old), moved("void", "10.00", old)),
            "submitted",
            NOW,
            WEEK,
            ["stripe"],
            [CARD],
        )
        == []
    )
    assert due(ledger(moved("authorize", "10.00", old)), "shipped", NOW, WEEK, ["stripe"], [CARD]) == []
    assert (
        due(ledger(moved("authorize", "10.00", old, provider="manual")), "submitted", NOW, WEEK, ["stripe"], [CARD])
        == []
    )
    assert due(ledger(moved("authorize", "10.00", old)), "submitted", NOW, WEEK, ["stripe"], []) == []


def test_once_renewed_the_new_authorization_is_not_due_and_the_old_one_holds_nothing() -> None:
    old = NOW - timedelta(days=7)
    book = ledger(
        moved("authorize", "10.00", old),
        moved("authorize", "10.00", NOW, ref="pi_2"),
        moved("void", "10.00", NOW),
    )
    assert due(book, "submitted", NOW, WEEK, ["stripe"], [CARD]) == []
    assert book.totals().held == D("10.00")
