"""The demo's transcript engine, with scenes that need no system."""

from __future__ import annotations

import importlib
import json
import uuid

import pytest

from contracts.orders import AddPaymentInstructionV1, PlaceOrderV1
from csr.client.config import ClientConfig
from csr.console.render import Output
from csr.demo.call import Call, DemoFailed, answer, describe
from csr.demo.run import run_demo
from csr.demo.scenes import PRODUCTS, WELCOME10

CONFIG = ClientConfig(
    kafka_bootstrap="127.0.0.1:1",
    topic_prefix="",
    sealing_public_key=None,
    mail_dir=None,
    timeout=1,
)


async def greeting(call: Call) -> None:
    call.scene("Hello")
    call.say("caller", "Hi [there]")
    call.facts["greeted"] = True


async def broken(call: Call) -> None:
    raise DemoFailed("the system did not answer as scripted")


async def test_the_transcript_prints_each_line_with_its_speaker(capsys: pytest.CaptureFixture[str]) -> None:
    code = await run_demo(CONFIG, Output(json_mode=False), [greeting])

    assert code == 0
    out = capsys.readouterr().out
    assert "Hello" in out and "caller  Hi [there]" in out


async def test_a_failed_step_ends_the_call_and_exits_1_with_the_transcript_as_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await run_demo(CONFIG, Output(json_mode=True), [greeting, broken, greeting])

    assert code == 1
    transcript = json.loads(capsys.readouterr().out)
    assert transcript["ok"] is False and transcript["facts"] == {"greeted": True}
    assert [(line["speaker"], line["kind"]) for line in transcript["lines"]] == [
        ("", "scene"),
        ("caller", "says"),
        ("demo", "problem"),
    ]


def test_a_message_is_described_by_its_values_with_lists_counted() -> None:
    order = PlaceOrderV1(
        customer_id=uuid.UUID(int=1), currency="USD", lines=[{"sku": "A", "quantity": 1, "unit_price": "2"}]
    )
    assert describe(order) == f"PlaceOrder customer_id={uuid.UUID(int=1)} currency=USD lines=[1]"


def test_the_demo_sells_the_seed_catalogs_products_as_the_seed_defines_them() -> None:
    seed = {p.sku: p for p in importlib.import_module("scripts.seed_catalog").products()}
    for sku, (definition, needed) in PRODUCTS.items():
        assert definition.model_dump(exclude={"on_hand"}) == seed[sku].model_dump(exclude={"on_hand"}), sku
        assert needed >= 1
    assert WELCOME10 in importlib.import_module("scripts.seed_catalog").coupons()


def test_an_answer_is_a_few_words_and_a_payment_never_shows_its_card() -> None:
    order_id = uuid.UUID(int=7)
    assert answer(
        {"order_id": str(order_id), "version": 3, "total": "514.4600", "currency": "USD", "warnings": ["2 of 3"]}
    ) == ("accepted: version 3, total 514.46 USD; note: 2 of 3")
    assert answer(
        {"order_id": "x", "order_number": "1000017", "status": "submitted", "total": "10", "currency": "EUR"}
    ) == ("accepted: order number 1000017, submitted, total 10.00 EUR")
    assert answer({"customers": [{}, {}], "page": 1}) == "found 2"
    payment = AddPaymentInstructionV1(
        order_id=order_id,
        payment={"method": "card", "card_number": "sealed:v1:" + "A" * 80, "expiry_month": 1, "expiry_year": 2030,
                 "holder_name": "M R"},
    )  # fmt: skip
    assert describe(payment) == f"AddPaymentInstruction order_id={order_id} payment=card (number sealed)"
