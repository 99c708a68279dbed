"""The harness's own arithmetic: a report that cannot fail proves nothing, so its checks are tested
with hand-made orders that add up and ones that do not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reliability.checks import _total_problems
from reliability.faults import MUST_BE_ZERO, violations


def order(**totals: str) -> dict[str, Any]:
    # 2 x 12.50 = 25.00, line discount 5.00 -> net 20.00, 10 % tax 2.00 -> 22.00; shipping 7.00
    line = {
        "line_no": 1,
        "quantity": 2,
        "unit_price": "12.50",
        "subtotal": "25.00",
        "discount": "5.00",
        "net": "20.00",
        "order_discount": "0",
        "tax": "2.00",
        "total": "22.00",
    }
    t = {
        "merchandise": "25.00",
        "line_discounts": "5.00",
        "subtotal": "20.00",
        "discount_total": "0",
        "shipping": "7.00",
        "handling": "0",
        "tax": "2.00",
        "total": "29.00",
    }
    t.update(totals)
    return {"status": "submitted", "lines": [line], "totals": t, "payments": [{"amount": "29.00"}]}


def test_an_order_whose_parts_add_up_has_no_problem() -> None:
    assert _total_problems(order(), Decimal("29.00")) == []


def test_a_total_that_is_not_the_sum_of_its_parts_is_found() -> None:
    problems = _total_problems(order(total="30.00"), Decimal("30.00"))
    assert any("!= its parts" in p for p in problems) and any("payments 29.00" in p for p in problems)


def test_a_stored_total_that_differs_from_the_document_is_found() -> None:
    assert any("stored total" in p for p in _total_problems(order(), Decimal("28.00")))


def test_a_line_priced_wrong_is_found() -> None:
    doc = order()
    doc["lines"][0]["subtotal"] = "24.00"
    assert any("12.50 x 2" in p for p in _total_problems(doc, Decimal("29.00")))


def clean() -> dict[str, Any]:
    return {
        **dict.fromkeys(MUST_BE_ZERO, 0),
        "order_numbers_reused": 0,
        "stock_inconsistent": 0,
        "totals_wrong": 0,
        "events_unexplained": 0,
        "consumer_lag": {"orders": 0},
        "settled": True,
    }


def test_a_clean_run_has_no_violation_and_each_kind_of_loss_is_one() -> None:
    assert violations(clean()) == []
    assert violations({**clean(), "lost": 1}) == ["lost=1"]
    assert violations({**clean(), "emails_duplicated": 2}) == ["emails_duplicated=2"]
    assert violations({**clean(), "consumer_lag": {"orders": 3}}) == ["consumer_lag={'orders': 3}"]
    assert violations({**clean(), "settled": False}) == ["not settled"]
