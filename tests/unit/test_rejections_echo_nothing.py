"""Rejections name the field and the rule, never the sender's value (docs/security.md, "What a
rejection may quote"): a card number sent where a number goes is refused by the decoder, and
neither the reply, the dead letter nor the log line quotes its digits, in whatever form it came
or a formatter would print it. The end-to-end counterpart is tests/e2e/test_hostile_input.py
(the same probes, :func:`tests.support.hostile_cases.pan_number_probes`, on the real topics)."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from decimal import Decimal
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from contracts import errors
from contracts.envelope import Actor, Envelope, Message, Role
from contracts.orders import GetStoreCreditV1
from services.runtime import logs
from services.runtime.codec import DecodeFailure, decode, redact_text
from services.runtime.handling import Rejected
from services.runtime.replies import Letters
from tests.support.hostile import HOSTILE_PANS, KIND_OF_TOPIC, REQUEST_TOPICS, Probe, request_classes
from tests.support.hostile_cases import pan_number_forms, pan_number_probes
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
