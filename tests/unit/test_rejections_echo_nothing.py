"""Rejections name the field and the rule, never the sender's value (docs/security.md, "What a
rejection may quote"): a card number sent where a number goes is refused by the decoder, and
neither the reply, the dead letter nor the log line quotes its digits, in whatever form it came
or a formatter would print it. The end-to-end counterpart is tests/e2e/test_hostile_input.py
(the same probes, :func:`tests.support.hostile_cases.pan_number_probes`, on the real topics)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from contracts.envelope import Message
from services.runtime.codec import DecodeFailure, decode
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
