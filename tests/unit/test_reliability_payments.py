"""The money checks of the faults harness against hand-made ledgers and provider logs: each kind
of violation (a key answered and not recorded, one key for two requests, a movement the provider
never answered, too little or too much moved) is found, and a clean run finds none."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reliability.audit import TopicEvent
from reliability.checks import _aggregate
from reliability.findings import Findings
from reliability.payment_checks import NAMES, _compare, _keys
from reliability.stripe_log import ProviderRequest, StripeLog


def row(key: str, kind: str = "authorize", status: str = "succeeded", reference: str | None = "pi_1") -> dict[str, Any]:
    return {
        "order_id": "o1",
        "kind": kind,
        "status": status,
        "provider": "stripe",
        "idempotency_key": key,
        "reference": reference,
    }


def asked(key: str, amount: str = "100", status: int = 200, reached: bool = True) -> ProviderRequest:
    return ProviderRequest("POST", "/v1/payment_intents", key, {"amount": amount}, status, reached)


def found_by(rows: list[dict[str, Any]], requests: list[ProviderRequest]) -> dict[str, int]:
    found = Findings()
    found.zero(*NAMES)
    _keys(rows, requests, found)
    return {k: found.numbers[k] for k in ("provider_unrecorded", "ledger_unasked", "provider_key_conflicts")}


def test_a_key_asked_again_after_a_crash_is_one_movement() -> None:
    requests = [asked("k1", status=502, reached=False), asked("k1"), asked("k1")]
    assert found_by([row("k1")], requests) == {
        "provider_unrecorded": 0,
        "ledger_unasked": 0,
        "provider_key_conflicts": 0,
    }


def test_an_answer_nobody_recorded_is_money_moved_unknown_to_the_ledger() -> None:
    assert found_by([row("k1")], [asked("k1"), asked("k2")])["provider_unrecorded"] == 1


def test_one_key_for_two_different_requests_is_a_conflict() -> None:
    assert found_by([row("k1")], [asked("k1", "100"), asked("k1", "200")])["provider_key_conflicts"] == 1


def test_a_succeeded_movement_the_provider_never_answered_is_found() -> None:
    found = found_by([row("k1"), row("k2")], [asked("k1"), asked("k2", status=502, reached=False)])
    assert found["ledger_unasked"] == 1
    # a partial void asks nothing by design
    partial = row("k3", "void", reference="pi_1:released-at-final-capture")
    assert found_by([partial], [])["ledger_unasked"] == 0


def test_less_is_lost_more_is_twice() -> None:
    found = Findings()
    found.zero(*NAMES)
    _compare(found, "o1", "refund", Decimal("0"), Decimal("10.00"))
    _compare(found, "o1", "capture", Decimal("20.00"), Decimal("10.00"))
    _compare(found, "o1", "authorize", Decimal("10.00"), Decimal("10.00"))
    assert (found.numbers["payments_lost"], found.numbers["charged_twice"]) == (1, 1)


def test_the_proxy_records_an_unreachable_provider_as_not_reached(tmp_path: Path) -> None:
    log = StripeLog("http://127.0.0.1:9", tmp_path / "requests.jsonl")  # port 9 (discard): nobody listens
    log.start()
    try:
        request = urllib.request.Request(
            log.url + "/v1/refunds", data=b"amount=500", method="POST", headers={"Idempotency-Key": "oms-1"}
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=10)
        assert answer.value.code == 502
    finally:
        log.stop()
    [recorded] = log.money_requests()
    assert (recorded.idempotency_key, recorded.params, recorded.reached, recorded.answered) == (
        "oms-1",
        {"amount": "500"},
        False,
        False,
    )
    assert json.loads((tmp_path / "requests.jsonl").read_text())["idempotency_key"] == "oms-1"


def test_a_payment_movement_and_a_workers_order_update_are_each_their_own_change() -> None:
    def event(cause: str | None, **payload: Any) -> TopicEvent:
        return TopicEvent("m", "X", cause, {"order_id": "o1", **payload})

    # one command moving money on two authorizations: two movements, not a duplicate
    assert _aggregate(event("c", movement_id="a")) != _aggregate(event("c", movement_id="b"))
    # the payment worker (no cause) answering the same order twice: two versions
    assert _aggregate(event(None, version=3)) != _aggregate(event(None, version=4))
    # a command's own order update is still one per cause, whatever its version
    assert _aggregate(event("c", version=3)) == _aggregate(event("c", version=4))
