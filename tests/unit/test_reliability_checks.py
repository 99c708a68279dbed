"""The harness's own arithmetic: a report that cannot fail proves nothing, so its checks are tested
with hand-made orders that add up and ones that do not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from reliability.checks import Findings, _count_copies, _count_uncertain, _total_problems
from reliability.cluster import Cluster
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


class _Delivery:
    """The one thing the e-mail checks ask of the cluster: its delivery rule."""

    def __init__(self, rule: str) -> None:
        self.email_delivery = rule


def _copies(rule: str, copies: int) -> Findings:
    found = Findings()
    found.zero("emails_duplicated", "emails_redelivered")
    _count_copies(cast(Cluster, _Delivery(rule)), found, "welcome", {"message_id": "<x@oms>"}, copies)
    return found


def test_copies_with_one_message_id_are_redelivered_at_least_once_and_duplicated_at_most_once() -> None:
    folded = _copies("at-least-once", 3)
    assert folded.numbers == {"emails_duplicated": 0, "emails_redelivered": 2}
    assert _copies("at-most-once", 2).numbers == {"emails_duplicated": 1, "emails_redelivered": 0}
    assert _copies("at-least-once", 1).numbers == {"emails_duplicated": 0, "emails_redelivered": 0}


def test_an_uncertain_email_not_in_the_sink_is_lost_only_at_least_once() -> None:
    row = {"last_error": "gave up"}
    for rule, lost in (("at-least-once", 1), ("at-most-once", 0)):
        found = Findings()
        found.zero("emails_lost", "emails_uncertain")
        _count_uncertain(cast(Cluster, _Delivery(rule)), found, "welcome", row, 0)
        assert found.numbers == {"emails_lost": lost, "emails_uncertain": 1}, rule
