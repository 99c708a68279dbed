"""Hostile input on every command and query topic of the three services, through the real system.

Thousands of records (broken bytes and envelopes, every command and query of the contracts with
fields missing, added, retyped, out of range, or holding SQL, template, CR/LF and unicode traps,
and hypothesis mutants of the golden examples) are put on the topics in bulk; then each one's
answer is checked at once:

- what the services' decoder refuses is dead-lettered with that reason and, when it names a reply
  topic in a readable envelope, rejected with that code; nothing changes in any table;
- what the decoder accepts reaches a handler and is answered (accepted or rejected), never with a
  crash (internal_error);
- the services stay healthy and go on handling good messages on every topic;
- no reply goes anywhere but a reply topic (the events topics a hostile reply_to names are watched);
- afterwards, none of the card numbers the probes carried (in text fields, numbers, the type, the
  Kafka key and headers, in every form) is in any output topic, table or log of the services.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from contracts.customers import GetCustomerV1
from contracts.envelope import Role
from contracts.notifications import ListEmailTemplatesV1, SetEmailFormatV1
from contracts.orders import ListShippingModesV1
from csr.client import OmsClient
from devstack.endpoints import StackEndpoints
from tests.support.customers import register
from tests.support.hostile import (
    HOSTILE_PANS,
    REQUEST_TOPICS,
    Outcome,
    Probe,
    Rig,
    mishandled,
    request_classes,
    settled_checksums,
)
from tests.support.hostile_cases import all_probes, pan_number_probes
from tests.support.orders import new_cart
from tests.support.scan import INPUT_TOPICS, table_rows, topic_records
from tests.support.secrets import card_numbers_in, these_card_numbers_in
from tests.support.system import System, eventually, own_system

REPORTS = Path(__file__).resolve().parents[2] / "build"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


# These probes are accepted when a message allows it (a supervisor's discount rule, a purge of
# e-mail bodies...), so they run against services and databases of their own: what they change
# must not reach the rest of the suite's shared catalog and mailboxes.
@pytest.fixture(scope="module")
def system(stack: StackEndpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    yield from own_system(stack, tmp_path_factory)


@pytest.fixture(scope="module")
async def csr(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("csr-hostile", Role.CSR) as client:
        yield client


@pytest.fixture(scope="module")
async def rig(system: System) -> AsyncIterator[Rig]:
    async with Rig(system) as rig:
        yield rig


@pytest.fixture(scope="module")
def probes(system: System, rig: Rig) -> list[Probe]:
    return all_probes(rig.reply_topic, system.prefix)


def report(probes: list[Probe], outcomes: dict[int, Outcome], name: str) -> list[str]:
    """The mishandled probes (also written, with the counts, to build/hostile-<name>.json)."""
    wrong = [(probes[i], mishandled(probes[i], o)) for i, o in outcomes.items()]
    lines = [f"{p.name[:160]!r}: {why}" for p, why in wrong if why]
    summary = {
        "hostile_inputs": len(probes),
        "hostile_mishandled": len(lines),
        "by_topic": Counter(p.topic for p in probes),
        "refused_by_code": Counter(p.refused or "reached a handler" for p in probes),
        "replies_by_code": Counter(r.code or r.status for o in outcomes.values() for r in o.replies),
        "mishandled": lines,
    }
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / f"hostile-{name}.json").write_text(json.dumps(summary, indent=2))
    return lines[:40] + ([f"... and {len(lines) - 40} more"] if len(lines) > 40 else [])


async def good_messages_still_work(system: System, csr: OmsClient) -> None:
    customer_id, _ = await register(csr)
    for message in (
        GetCustomerV1(customer_id=customer_id),
        ListShippingModesV1(currency="USD"),
        SetEmailFormatV1(customer_id=customer_id, format="text"),
        ListEmailTemplatesV1(),
    ):
        reply = await csr.send(message, timeout=60)
        assert reply.accepted, (message.TYPE, reply)
    await new_cart(csr)
    assert all(s.proc is not None and s.proc.poll() is None for s in system.services.values())  # never died

    async def healthy() -> bool:  # /health answers within 2 s; a loaded machine may miss one
        return all(s.healthy() for s in system.services.values())

    await eventually(healthy, timeout=60, interval=1.0)


@pytest.mark.capability("PLT-02", "PLT-05")
async def test_what_the_decoder_refuses_is_dead_lettered_with_its_reason_and_changes_nothing(
    system: System, csr: OmsClient, rig: Rig, probes: list[Probe]
) -> None:
    refused = [p for p in probes if p.refused is not None]
    assert len(refused) > 5000 and {p.topic for p in refused} == {p.topic for p in probes}
    before = await settled_checksums(system)

    outcomes = await rig.run(refused)

    assert report(refused, outcomes, "refused") == []
    assert Counter(p.refused for p in refused).keys() == {"undecodable", "unknown_message_type", "invalid"}
    assert await settled_checksums(system) == before
    await good_messages_still_work(system, csr)


@pytest.mark.capability("PLT-02", "PLT-05")
async def test_what_reaches_a_handler_is_answered_without_a_crash(
    system: System, csr: OmsClient, rig: Rig, probes: list[Probe]
) -> None:
    handled = [p for p in probes if p.refused is None]
    assert len(handled) > 500

    outcomes = await rig.run(handled)

    assert report(handled, outcomes, "handled") == []
    statuses = Counter(r.code or r.status for o in outcomes.values() for r in o.replies)
    assert statuses["invalid"] + statuses["not_found"] > 0, statuses  # the handlers' own checks did run
    await good_messages_still_work(system, csr)


@pytest.mark.capability("PLT-05")
async def test_no_card_number_a_probe_carried_is_in_any_output_table_or_log(
    system: System, probes: list[Probe]
) -> None:
    """Runs after the two runs above (pytest keeps the file's order); alone, it sends the probes
    that carry card numbers itself."""
    carded = [p for p in probes if p.card_number]
    assert len(carded) > 200 and all(p.refused for p in carded)
    if not await _sent_already(system):
        async with Rig(system) as rig:
            await rig.run(carded)

    records = await topic_records(system)
    outputs = [(f"{t}@{o}", text) for t, o, text in records if not t.endswith(INPUT_TOPICS)]
    outputs += await table_rows(system)
    outputs += [(f"{n}.log", s.log_path.read_text(errors="replace")) for n, s in system.services.items()]
    found = [f"{where}: {n[:4]}..." for where, text in outputs for n in these_card_numbers_in(text, HOSTILE_PANS)]
    found += [f"{where}: card {n[:4]}..." for where, text in outputs for n in card_numbers_in(text)]

    assert found == [], f"{len(found)} card numbers in clear: {found[:20]}"
    assert any(t.endswith(".dlq") for t, _, _ in records)  # the dead letters were read


async def _sent_already(system: System) -> bool:
    return any(t.endswith(".dlq") for t, _, _ in await topic_records(system))


@pytest.mark.capability("PLT-05")
def test_a_card_number_in_any_numeric_field_is_refused_not_left_out(probes: list[Probe]) -> None:
    """all_probes leaves out a card-number probe the decoder would accept (a text field that may
    hold one); a numeric field taking one would be left out silently, so they are counted here.
    Their replies, dead letters and logs are searched by the test above."""
    numeric = [p for p in probes if " holding a card number as " in p.name]
    made = [p for topic in REQUEST_TOPICS for cls in request_classes(topic) for p in pan_number_probes(cls, "x")]

    assert len(numeric) == len(made) > 500
    assert all(p.card_number and p.refused == "invalid" for p in numeric)


def test_every_topic_and_every_message_of_the_contracts_is_probed(probes: list[Probe]) -> None:

    names = {p.name.split(":")[0] for p in probes}
    for topic in REQUEST_TOPICS:
        assert topic in names
        for cls in request_classes(topic):
            assert cls.__name__ in names
    assert len(probes) >= 5000
    assert len({p.message_id for p in probes}) == len(probes)
