"""No secret in clear text anywhere the system writes: after the whole session (this file sorts
last), every table of the three service databases, every topic of the run (events, replies, dead
letters) and every service log are scanned for

- full card numbers: runs of 13-19 digits with a card brand's prefix that pass the Luhn check;
- every password, challenge answer and card number the tests sealed (the registry in
  tests/support/secrets.py) and every secret the services sealed themselves, such as temporary
  passwords: every sealed value found on the topics is opened with the run's key and its clear
  text searched for;
- every access and refresh token the session's clients were issued (tests/support/identity.py,
  and the ``csr login`` files of tests/support/csr_cli.py), and the passwords of the Keycloak
  users the tests logged in as.

The command and query topics hold what clients wrote, not what the system wrote: some tests put a
card number or a password there in clear on purpose, to prove it goes no further. They are searched
for the secrets that clients sealed (which must never appear there in clear), not for card-shaped
numbers; their ``authorization`` header is where each token belongs, so it is left out of them. The test also runs a registration, a password reset and a card payment itself, so it proves
something when run alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.customers import ResetPasswordV1
from contracts.envelope import Role
from contracts.sealing import SealingError, open_sealed
from csr.client import OmsClient
from tests.support.customers import register
from tests.support.orders import CARDS, add_product, ready_cart
from tests.support.secrets import card_numbers_in, occurrences, recorded, recorded_tokens, scannable, token_pattern
from tests.support.system import System, eventually

REPORTS = Path(__file__).resolve().parents[2] / "build"
SEALED = re.compile(r"sealed:v[12]:[A-Za-z0-9_=-]{80,2000}")  # contracts.sealing.FIND_PATTERN
JWT = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
INPUT_TOPICS = (".commands", ".queries")


@pytest.fixture(scope="module")
async def feed(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("secrets-feed", Role.SYSTEM) as client:
        yield client


async def _topic_records(system: System) -> list[tuple[str, int, str]]:
    """(topic, offset, text) of every record on every topic of the run."""
    consumer = AIOKafkaConsumer(**system.stack.kafka_admin_options(), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        topics = sorted(t for t in await consumer.topics() if t.startswith(system.prefix))
        await consumer._client.set_topics(topics)
        partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[tuple[str, int, str]] = []
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=2000, max_records=5000)
            for tp, records in batches.items():
                for record in records:
                    headers = " ".join(
                        f"{k}={v.decode(errors='replace')}"
                        for k, v in record.headers or ()
                        if not (k == "authorization" and tp.topic.endswith(INPUT_TOPICS))  # where it belongs
                    )
                    key = (record.key or b"").decode(errors="replace")
                    text = (record.value or b"").decode(errors="replace")
                    found.append((tp.topic, record.offset, f"{key} {headers} {text}"))
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return found
    finally:
        await consumer.stop()


async def _table_rows(system: System) -> list[tuple[str, str]]:
    """(service.table, row as text) of every row of every table of the three databases."""
    rows: list[tuple[str, str]] = []
    for service in system.services:
        conn = await system.db(service)
        try:
            columns = await conn.fetch(
                "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
                " JOIN information_schema.tables t USING (table_schema, table_name)"
                " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
                " ORDER BY c.table_name, c.ordinal_position"
            )
            by_table: dict[str, list[str]] = {}
            for c in columns:
                column = '"' + c["column_name"].replace('"', '""') + '"'
                # bytea as its bytes (the outbox keeps the records it will publish), not as hex digits
                as_text = f"encode({column}, 'escape')" if c["data_type"] == "bytea" else f"{column}::text"
                by_table.setdefault(c["table_name"], []).append(as_text)
            for table, texts in by_table.items():
                quoted = '"' + table.replace('"', '""') + '"'
                sql = f"SELECT concat_ws(' ', {', '.join(texts)}) AS r FROM {quoted}"  # noqa: S608 - catalog names
                rows += [(f"{service}.{table}", row["r"]) for row in await conn.fetch(sql)]
        finally:
            await conn.close()
    return rows


def _opened(system: System, texts: list[str]) -> set[str]:
    """The clear text of every sealed value on the topics that the run's key opens."""
    secrets = set()
    for text in texts:
        for sealed in set(SEALED.findall(text)):
            try:
                secrets.add(open_sealed(sealed, system.private_key))
            except SealingError:
                continue  # sealed to another key on purpose by some test, or a golden example's filler
    return secrets


async def _own_flows(system: System, csr: OmsClient, feed: OmsClient) -> None:
    customer_id, _ = await register(csr)
    reset = await csr.send(ResetPasswordV1(customer_id=customer_id))
    assert reset.accepted, reset
    sku = await add_product(feed, on_hand=10)
    await ready_cart(csr, [(sku, 1)], number=CARDS["mastercard"])

    async def reset_published() -> bool:
        records = await _topic_records(system)
        return any("PasswordReset" in text and str(customer_id) in text for _, _, text in records)

    await eventually(reset_published, timeout=60, interval=1.0)


@pytest.mark.capability("ORD-08", "CUS-08", "PLT-05")
async def test_no_card_number_password_or_answer_in_clear_in_any_table_topic_or_log(
    system: System, csr: OmsClient, feed: OmsClient
) -> None:
    await _own_flows(system, csr, feed)
    tokens = recorded_tokens()
    records = await _topic_records(system)
    rows = await _table_rows(system)
    logs = {name: s.log_path.read_text(errors="replace") for name, s in system.services.items()}
    secrets, skipped = scannable(recorded() | _opened(system, [text for _, _, text in records]))
    assert CARDS["mastercard"] in secrets and len(secrets) >= 3, (len(secrets), skipped)
    pattern = token_pattern(secrets)

    outputs = [(f"{t}@{o}", text) for t, o, text in records if not t.endswith(INPUT_TOPICS)]
    outputs += [(where, text) for where, text in rows] + [(f"{n}.log", text) for n, text in logs.items()]
    inputs = [(f"{t}@{o}", text) for t, o, text in records if t.endswith(INPUT_TOPICS)]
    found = [f"{where}: card {n[:4]}..." for where, text in outputs for n in card_numbers_in(text)]
    found += [f"{where}: {s[:3]}..." for where, text in outputs + inputs for s in occurrences(text, pattern)]
    # Tokens are long and many: find the JWT-shaped strings, then ask whether they are ours.
    found += [f"{where}: token {t[:6]}..." for where, text in outputs + inputs for t in set(JWT.findall(text)) & tokens]

    REPORTS.mkdir(exist_ok=True)
    summary = {"secrets_found": len(found), "secrets_searched": len(secrets), "tokens_searched": len(tokens),
               "skipped": len(skipped), "found": found}  # fmt: skip
    (REPORTS / "security-secrets.json").write_text(json.dumps(summary, indent=2))
    assert found == [], f"{len(found)} secrets in clear ({len(secrets)} searched, {len(skipped)} too short)"
    assert len(rows) > 10 and len(outputs) > 10 and all(logs.values()) and tokens
