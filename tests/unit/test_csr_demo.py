"""The demo's transcript engine, with scenes that need no system."""

from __future__ import annotations

import json
import uuid

import pytest

from contracts.envelope import Actor, Role
from contracts.orders import PlaceOrderV1
from csr.config import ClientConfig
from csr.demo import Call, DemoFailed, describe, run_demo
from csr.render import Output

CONFIG = ClientConfig(
    kafka_bootstrap="127.0.0.1:1",
    topic_prefix="",
    sealing_public_key=None,
    mail_dir=None,
    actor=Actor(agent_id="csr-unit", role=Role.CSR),
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
