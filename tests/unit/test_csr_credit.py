"""How store credit and appeasements read in csr (MNY-07, MNY-08), and the command line's refusal of a
payout it does not know before anything is sent."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from rich.console import Console

from csr.cli.app import main
from csr.console import views  # noqa: F401  (registers the renderers)
from csr.console.render import shown


def text(renderable: Any) -> str:
    out = io.StringIO()
    Console(file=out, width=100, highlight=False, color_system=None).print(renderable)
    return out.getvalue()


def test_the_balance_per_currency_and_the_movements_read_signed() -> None:
    result = {
        "customer_id": str(uuid.uuid4()),
        "balances": [{"currency": "USD", "balance": "10.00"}],
        "movements": [
            {"kind": "redeemed", "amount": "25.00", "currency": "USD", "order_number": "1000123", "reason": "paid",
             "by": "csr-alice", "at": "2026-12-07T10:00:00+00:00", "source": "order", "movement_id": "x"},
            {"kind": "issued", "amount": "35.00", "currency": "USD", "order_number": None, "reason": "sorry",
             "by": "sup-sam", "at": "2026-12-07T09:00:00+00:00", "source": "supervisor", "movement_id": "y"},
        ],
    }  # fmt: skip
    shown_text = text(shown("GetStoreCredit", result))
    assert "Store credit" in shown_text and "10.00 USD" in shown_text
    assert "-  25.00 USD" in shown_text and "+  35.00 USD" in shown_text
    assert "1000123" in shown_text and "sup-sam" in shown_text
    assert "no store credit" in text(shown("GetStoreCredit", {"balances": [], "movements": []}))


def test_an_appeasement_says_where_the_money_went() -> None:
    card = {"order_number": "1000123", "amount": "20.00", "currency": "USD", "payout": "card", "refunded": "20.00"}
    assert "refunded to the card" in text(shown("GrantAppeasement", card))
    credit = {**card, "payout": "store_credit", "refunded": "0", "store_credit_balance": "30.00"}
    assert "store credit balance" in text(shown("GrantAppeasement", credit))


def test_an_unknown_payout_is_a_usage_error_and_nothing_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--json", "credit", "appease", "5.00", "USD", "--order", "1000123", "--reason", "late_delivery",
              "--to", "cash"])  # fmt: skip
    assert exited.value.code == 2 and "--to 'cash'" in capsys.readouterr().out
