"""Deciding money e-mails on the cause (services/notifications/domain/money_emails.py), and reading
the cause of an older event from its words (domain/legacy_causes.py)."""

from __future__ import annotations

from typing import get_args

import pytest

from contracts.orders import MoneyCause
from services.notifications.domain import legacy_causes, money_emails


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
