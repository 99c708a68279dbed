"""Deciding money e-mails on the cause (services/notifications/domain/money_emails.py), and reading
the cause of an older event from its words (domain/legacy_causes.py)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import get_args

import pytest

from contracts.orders import MoneyCause, StoreCreditIssuedV1
from services.notifications.application import money_events
from services.notifications.domain import legacy_causes, money_emails
from tests.support.orders import NOW
from tests.unit.fakes_notifications import FakeNotificationsUnitOfWork
from tests.unit.test_notifications_money_emails import _customer, _exchange, _movement, _templates

D = Decimal


def test_every_cause_says_which_e_mail_tells_it() -> None:
    assert sorted(money_emails.TOLD_BY) == sorted(get_args(MoneyCause))


# What the orders service wrote as the reason before it named the cause, and the cause it names now.
OLDER_WORDS: list[tuple[str, MoneyCause]] = [
    ("order 1000009 submitted", "submit"),
    ("shipment S-1", "shipment"),
    ("changed: one less", "change"),
    ("cancelled: changed her mind", "cancel"),
    ("authorized after the order was cancelled", "cancel"),
    ("return 1000012 received", "return"),
    ("exchange: return 1000012 and 1 new line(s): wrong size", "exchange"),
    ("claim 6f1c0c3e-0000-0000-0000-000000000000: 1 x line 1 (TENT) lost, refund", "claim"),
    ("appeasement of 5.00 USD (late_delivery)", "appeasement"),
    ("declined", "outside_result"),
    ("reported by the payment system", "outside_result"),
    ("re-authorized before authorization pi_1 expires", "reauthorization"),
]


@pytest.mark.parametrize(("reason", "cause"), OLDER_WORDS)
def test_an_older_movements_cause_is_read_from_the_words_orders_wrote(reason: str, cause: MoneyCause) -> None:
    assert legacy_causes.of_movement(reason) == cause


def test_words_nobody_wrote_name_no_cause() -> None:
    assert legacy_causes.of_movement("Rückerstattung der Rücksendung 1000012") is None


@pytest.mark.parametrize(
    ("source", "kind", "reason", "cause"),
    [
        ("appeasement", "issued", "appeasement of 5.00 USD (late_delivery)", "appeasement"),
        ("supervisor", "issued", "issued by a supervisor: sorry", "supervisor"),
        ("order", "given_back", "refunded from order 1000009", "return"),
        ("order", "given_back", "released from order 1000009", "cancel"),
        ("order", "given_back", "rendu de la commande 1000009", None),
    ],
)
def test_an_older_store_credit_events_cause(source: str, kind: str, reason: str, cause: MoneyCause | None) -> None:
    assert legacy_causes.of_store_credit(source, kind, reason) == cause


# --- one e-mail per thing (application/money_events.py) ---------------------------------------------


async def test_an_exchange_settled_in_store_credit_is_e_mailed_once() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "en")
    order_id = uuid.uuid4()
    exchange = _exchange(customer_id, "USD", order_id)
    given_back = StoreCreditIssuedV1(
        customer_id=customer_id,
        movement_id=uuid.uuid4(),
        amount=D("46.25"),
        currency="USD",
        source="order",
        reason="refunded from order 1000009",
        order_id=order_id,
        order_number="1000009",
        balance=D("46.25"),
        by="csr-1",
        occurred_at=NOW,
        kind="given_back",
        cause="exchange",
    )
    await money_events.on_exchange_created(uow, exchange)
    uow.next_message()
    await money_events.on_store_credit_issued(uow, given_back)
    assert _templates(uow) == ["exchange"]
    # The same event from before the cause: its words said "refunded", which was taken as a return's.
    uow.next_message()
    older = given_back.model_copy(update={"cause": None, "movement_id": uuid.uuid4()})
    await money_events.on_store_credit_issued(uow, older)
    assert _templates(uow) == ["exchange", "store_credit"]


# --- the table: which cause, kind and method is e-mailed (domain/money_emails.py) -------------------

CAUSES: tuple[MoneyCause, ...] = get_args(MoneyCause)
KINDS = ("authorize", "capture", "void", "refund")
METHODS = ("card", "invoice", "store_credit", None)
REFUNDED = {  # the only movements e-mailed: a succeeded refund no other e-mail tells, to what paid
    ("return", "refund", "card"),
    ("return", "refund", "invoice"),
    ("return", "refund", None),
    # do not happen: a supervisor moves no card's money (the cause decides, whatever the event)
    ("supervisor", "refund", "card"),
    ("supervisor", "refund", "invoice"),
    ("supervisor", "refund", None),
}
CREDITED = {  # the only store credit e-mailed: what no other e-mail tells (the cause decides, not the kind)
    ("supervisor", "issued"),
    ("supervisor", "given_back"),  # does not happen: a supervisor only issues
    ("return", "given_back"),
    ("return", "issued"),  # does not happen: a return only gives back
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("cause", CAUSES)
async def test_which_payment_movement_is_e_mailed(cause: MoneyCause, kind: str, method: str | None) -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "en")
    await money_events.on_refund(uow, _movement(customer_id, "return R-1 received", kind, cause, method))
    uow.next_message()
    declined = _movement(customer_id, "return R-1 received", kind, cause, method).model_copy(
        update={"status": "declined", "movement_id": uuid.uuid4()}
    )
    await money_events.on_refund(uow, declined)
    assert _templates(uow) == (["refund"] if (cause, kind, method) in REFUNDED else [])


@pytest.mark.parametrize("kind", ["issued", "given_back"])
@pytest.mark.parametrize("cause", CAUSES)
async def test_which_store_credit_is_e_mailed(cause: MoneyCause, kind: str) -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "en")
    source = cause if cause in ("appeasement", "supervisor") else "order"
    credit = StoreCreditIssuedV1(
        customer_id=customer_id,
        movement_id=uuid.uuid4(),
        amount=D("5.00"),
        currency="USD",
        source=source,
        reason="refunded from order 1000009",  # words that once meant a return's: not read when there is a cause
        balance=D("5.00"),
        by="csr-1",
        occurred_at=NOW,
        kind=kind,
        cause=cause,
    )
    await money_events.on_store_credit_issued(uow, credit)
    assert _templates(uow) == (["store_credit"] if (cause, kind) in CREDITED else [])
