"""Rejections name the field and the rule, never the sender's value (docs/security.md, "What a
rejection may quote"): a card number sent where a number goes is refused by the decoder, and
neither the reply, the dead letter nor the log line quotes its digits, in whatever form it came
or a formatter would print it. The end-to-end counterpart is tests/e2e/test_hostile_input.py
(the same probes, :func:`tests.support.hostile_cases.pan_number_probes`, on the real topics)."""

from __future__ import annotations

import ast
import functools
import json
import logging
import re
import sys
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from contracts import errors
from contracts.envelope import Actor, Envelope, Message, Role
from contracts.errors import Refused
from contracts.orders import GetStoreCreditV1, OrderErrors
from services.customers.domain.customer import check_codes
from services.notifications.domain.rules import unsafe_html
from services.orders.domain import cart, catalog
from services.orders.domain.credit import CreditAccount, require_balance
from services.runtime import logs
from services.runtime.codec import DecodeFailure, decode, redact_text
from services.runtime.handling import Rejected
from services.runtime.replies import Letters
from tests.support.hostile import HOSTILE_PANS, KIND_OF_TOPIC, REQUEST_TOPICS, Probe, request_classes
from tests.support.hostile_cases import pan_number_forms, pan_number_probes
from tests.support.orders import NOW, line, order
from tests.support.secrets import these_card_numbers_in

REPLY_TOPIC = "replies.hostile"
CLASSES: list[type[Message]] = [c for t in REQUEST_TOPICS for c in request_classes(t)]


def _record(probe: Probe) -> ConsumerRecord[Any, Any]:
    value = probe.value or b""
    return ConsumerRecord(probe.topic, 0, 7, 0, 0, probe.key, value, None, len(value), 0, probe.headers or [])


def _written(probe: Probe) -> str:
    """Everything the runtime writes for a record its decoder refuses: the dead letter and the
    rejection reply, as the bytes that go to Kafka."""
    try:
        decode(probe.value, {KIND_OF_TOPIC[probe.topic]}, "")
    except DecodeFailure as failure:
        letters = Letters("hostile", "")
        out = [letters.dead_letter(_record(probe), failure)]
        reply = letters.failure_reply(_record(probe), failure)
        out += [reply] if reply else []
        return "\n".join(r.value.decode() + json.dumps(r.key) for r in out)
    raise AssertionError(f"{probe.name}: a numeric field took a card number")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_card_number_in_any_numeric_field_is_refused_and_quoted_nowhere(cls: type[Message]) -> None:
    probes = pan_number_probes(cls, REPLY_TOPIC, per_field=None)

    leaks = [(p.name, these_card_numbers_in(_written(p), HOSTILE_PANS)) for p in probes]

    assert [leak for leak in leaks if leak[1]] == []


def test_the_probes_reach_every_kind_of_numeric_field() -> None:
    """Not vacuous: amounts, prices, quantities, limits and versions are all probed, in every form."""
    probed = {p.name.split(": ", 1)[1].split(" holding")[0] for c in CLASSES for p in pan_number_probes(c, REPLY_TOPIC)}
    leaves = {label.rsplit(".", 1)[-1] for label in probed}

    assert {"amount", "unit_price", "quantity", "expected_version", "value", "delta"} <= leaves
    assert len(pan_number_forms(HOSTILE_PANS[0])) == 14


def test_the_scan_finds_a_number_in_every_form_it_is_sent_in() -> None:
    """The search the suites use would see each form if it were copied as sent."""
    for name, form in pan_number_forms(HOSTILE_PANS[0]):
        shown = str(form).removeprefix("zz-raw-number:")
        assert these_card_numbers_in(json.dumps(shown), HOSTILE_PANS) == [HOSTILE_PANS[0]], name


# --- the safety net: what every reply, dead letter and log line goes through ------------------------


@pytest.mark.parametrize(("name", "form"), pan_number_forms(HOSTILE_PANS[1]))
def test_a_card_number_is_masked_in_every_form_a_number_is_printed(name: str, form: Any) -> None:
    shown = str(form).removeprefix("zz-raw-number:")

    for text in (f"less than {shown} USD", json.dumps({"amount": shown})):
        assert these_card_numbers_in(redact_text(text), HOSTILE_PANS) == [], (name, redact_text(text))


@pytest.mark.parametrize("text", ["USD 1,234.56", "1.234.567,89 EUR", "[1, 2, 3, 4]", "2026-11-27", "1'000'000.00"])
def test_ordinary_amounts_are_kept(text: str) -> None:
    assert redact_text(text) == text


def test_a_handlers_rejection_quoting_a_grouped_number_is_masked() -> None:
    request = Envelope.wrap(GetStoreCreditV1(customer_id=uuid.uuid4()), actor=Actor(agent_id="csr-1", role=Role.CSR))
    said = f"{Decimal(HOSTILE_PANS[0]):,.2f}"  # 4,539,578,763,621,486.00
    rejection = Rejected.field(errors.INVALID, "payload.amount.amount", f"less than {said}")

    reply = Letters("orders", "").rejected(request, rejection)

    assert these_card_numbers_in(reply.model_dump_json(), HOSTILE_PANS) == []


def test_log_lines_and_their_exceptions_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    said = f"{Decimal(HOSTILE_PANS[2]):,}"
    try:
        raise ValueError(f"invalid input for query argument $1: {said}")
    except ValueError:
        record = logging.LogRecord("oms", logging.WARNING, __file__, 1, "ignored: %s", (said,), sys.exc_info())

    for formatter in (logs.JsonFormatter("orders"), logs.MaskingFormatter("%(message)s")):
        line = formatter.format(record)
        assert these_card_numbers_in(line, HOSTILE_PANS) == [] and "[REDACTED-PAN]" in line


# --- the rules' own words: what they quote and what they do not ----------------------------------

SENT = HOSTILE_PANS[3]  # a value a sender chose, as a card number: the most harmful thing to echo


def _refusal_text(refuse: Callable[[], object]) -> str:
    with pytest.raises(Refused) as refused:
        refuse()
    found = refused.value
    return found.message + json.dumps([e.model_dump() for e in found.field_errors])


def test_store_credit_short_names_the_balance_not_the_amount_asked() -> None:
    """The balance is the customer's own record, which the same staff may read (GetStoreCreditV1)
    and need, to ask for an amount that fits; the amount asked is the sender's."""
    account = CreditAccount(uuid.uuid4(), "USD")

    for asked in (Decimal(SENT), Decimal(SENT + ".00"), Decimal("12.34")):
        text = _refusal_text(functools.partial(require_balance, account, asked, "payload.payment.amount"))
        assert "0 USD" in text and "payload.payment.amount" in text
        assert these_card_numbers_in(text, HOSTILE_PANS) == [] and "12.34" not in text


@pytest.mark.parametrize(
    "refuse",
    [
        lambda: cart.require_version(order([line(1, "A", 1, "1.00")]), int(SENT)),
        lambda: cart.find_line(order([line(1, "A", 1, "1.00")]), int(SENT)),
        lambda: cart.set_attributes(order([line(1, "A", 1, "1.00")]), {f"k{SENT}": "v"}, [f"k{SENT}"]),
        lambda: cart.remove_coupon(order([line(1, "A", 1, "1.00")]), SENT),
        lambda: catalog.orderable(None, "USD", "payload.sku"),
        lambda: catalog.check_quantity(int(SENT), 100, "payload.quantity"),
        lambda: catalog.check_stock_adjustment(None, -int(SENT)),
        lambda: check_codes(SENT, "done", ["call"], ["done"]),
        lambda: check_codes("call", SENT, ["call"], ["done"]),
    ],
    ids=["version", "line", "attribute", "coupon", "sku", "quantity", "stock", "activity", "result"],
)
def test_a_rule_names_the_field_and_the_rule_not_the_value(refuse: Callable[[], object]) -> None:
    text = _refusal_text(refuse)

    assert these_card_numbers_in(text, HOSTILE_PANS) == [] and "payload." in text


def test_other_refusal_texts_quote_no_sent_value() -> None:
    assert catalog.coupon_problem(None, "USD", NOW, used_by_customer=False) == (
        OrderErrors.UNKNOWN_COUPON,
        "no active coupon has this code",
    )
    problem = unsafe_html(f'<p on{SENT}="x">hi</p>')
    assert problem is not None and SENT not in problem


# --- the class, kept: no rejection quotes a field of the request ---------------------------------

SERVICES = Path(__file__).resolve().parents[2] / "services"
_REQUESTS = {"cmd", "query", "draft", "req", "wanted", "item", "ask", "add", "change"}
"""The names the handlers and rules give the message (or one of its items) they were sent."""
_SENT = {"sku", "amount", "quantity", "code", "logon_id", "number", "mode", "to", "expected", "reduction", "line_no"}
"""The names the rules give a value they were handed from the request."""
_SAFE_BY_CONSTRUCTION = re.compile(r"(_id|^currency|^kind|^hold_type|^role|^payout)$")
"""Ids (UUIDs: hex digits only; one spelling a card number is masked by the reply writer) and
closed lists (an ISO currency code, a kind): what a rejection may quote of the request."""
_REFUSALS = {"Refused", "Rejected", "field", "_err", "FieldError", "UnknownTemplate", "MissingVariable"}


def _sent(node: ast.expr) -> bool:
    """Whether ``node`` reads a value of the request: ``cmd.sku``, ``item.quantity``, or a rule's
    parameter named like one (``sku``, ``amount``...)."""
    if isinstance(node, ast.Name):
        return node.id in _SENT
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in _REQUESTS
        and not _SAFE_BY_CONSTRUCTION.search(node.attr)
    )


def _quoted_request_fields(source: str, where: str) -> list[str]:
    found = []
    for call in (n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)):
        name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
        if name not in _REFUSALS:
            continue
        quoted = (n for arg in call.args for n in ast.walk(arg) if isinstance(n, ast.FormattedValue))
        found += [f"{where}:{q.lineno}: {ast.unparse(q.value)}" for q in quoted if _sent(q.value)]
    return found


def test_no_rejection_quotes_a_value_of_the_request_it_refuses() -> None:
    """A regression guard for the audit (docs/security.md, "What a rejection may quote"): a new
    message that puts ``cmd.sku``, ``item.quantity`` or a rule's ``amount`` into its words fails
    here. (A value passed on under another name is the reviewer's to see; the reply writer's mask
    is the net under both.)"""
    found = [
        q
        for path in sorted(SERVICES.rglob("*.py"))
        for q in _quoted_request_fields(path.read_text(), str(path.relative_to(SERVICES.parent)))
    ]

    assert found == []


@pytest.mark.parametrize(
    ("source", "quoted"),
    [
        ('raise Refused.field("x", "payload.sku", f"no product {cmd.sku}")', "cmd.sku"),
        ('raise Refused("x", f"less than {amount}")', "amount"),
        ('return _err("lines", "x", f"not {item.quantity!r}")', "item.quantity"),
    ],
)
def test_the_guard_sees_a_quoted_request_value(source: str, quoted: str) -> None:
    assert _quoted_request_fields(source, "sample.py") == [f"sample.py:1: {quoted}"]
    assert _quoted_request_fields('raise Refused("x", f"no order {cmd.order_id}")', "sample.py") == []
