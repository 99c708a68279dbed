"""The cause on money events (contracts/orders/causes.py): every value has its meaning in the
schema, and an event from before it (its golden example has no cause) still reads."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from contracts.envelope import Message
from contracts.orders import MONEY_CAUSES, MoneyCause, PaymentMovementV1, StoreCreditIssuedV1, StoreCreditRedeemedV1
from tests.contracts.test_golden import golden_path

MONEY_EVENTS = [PaymentMovementV1, StoreCreditIssuedV1, StoreCreditRedeemedV1]


def test_every_cause_has_its_meaning_and_no_other() -> None:
    assert list(MONEY_CAUSES) == list(get_args(MoneyCause))
    assert all(meaning.strip() for meaning in MONEY_CAUSES.values())


@pytest.mark.parametrize("cls", MONEY_EVENTS, ids=lambda c: c.__name__)
def test_the_schema_lists_every_cause_with_its_meaning(cls: type[Message]) -> None:
    field = cls.model_json_schema()["properties"]["cause"]
    [listed] = [option["enum"] for option in field["anyOf"] if "enum" in option]
    assert listed == list(get_args(MoneyCause))
    assert all(f"``{cause}``: {meaning}" in field["description"] for cause, meaning in MONEY_CAUSES.items())


@pytest.mark.parametrize("cls", MONEY_EVENTS, ids=lambda c: c.__name__)
def test_an_event_from_before_the_cause_still_reads_without_one(cls: type[Message]) -> None:
    older = json.loads(golden_path(cls).read_text())
    assert "cause" not in older
    assert cls.model_validate(older).cause is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", MONEY_EVENTS, ids=lambda c: c.__name__)
def test_a_cause_nobody_defined_is_refused(cls: type[Message]) -> None:
    older = json.loads(golden_path(cls).read_text())
    with pytest.raises(ValueError, match="cause"):
        cls.model_validate({**older, "cause": "refund of a return"})
