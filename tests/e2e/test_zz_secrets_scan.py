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

from contracts.customers import ResetPasswordV1
from contracts.envelope import Role
from contracts.sealing import SealingError, open_sealed
from csr.client import OmsClient
from tests.support.customers import register
from tests.support.hostile import HOSTILE_PANS
from tests.support.orders import CARDS, add_product, ready_cart
from tests.support.scan import INPUT_TOPICS, table_rows, topic_records
from tests.support.secrets import (
    card_numbers_in,
    occurrences,
    recorded,
    recorded_tokens,
    scannable,
    these_card_numbers_in,
    token_pattern,
)
from tests.support.system import System, eventually

REPORTS = Path(__file__).resolve().parents[2] / "build"
PANS = list(HOSTILE_PANS)  # the hostile suite's card numbers, in any form (it also scans its own system)
SEALED = re.compile(r"sealed:v[12]:[A-Za-z0-9_=-]{80,2000}")  # contracts.sealing.FIND_PATTERN
JWT = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")


@pytest.fixture(scope="module")
async def feed(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("secrets-feed", Role.SYSTEM) as client:
        yield client


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
        records = await topic_records(system)
        return any("PasswordReset" in text and str(customer_id) in text for _, _, text in records)

    await eventually(reset_published, timeout=60, interval=1.0)


@pytest.mark.capability("ORD-08", "CUS-08", "PLT-05")
async def test_no_card_number_password_or_answer_in_clear_in_any_table_topic_or_log(
    system: System, csr: OmsClient, feed: OmsClient
) -> None:
    await _own_flows(system, csr, feed)
    tokens = recorded_tokens()
    records = await topic_records(system)
    rows = await table_rows(system)
    logs = {name: s.log_path.read_text(errors="replace") for name, s in system.services.items()}
    secrets, skipped = scannable(recorded() | _opened(system, [text for _, _, text in records]))
    assert CARDS["mastercard"] in secrets and len(secrets) >= 3, (len(secrets), skipped)
    pattern = token_pattern(secrets)

    outputs = [(f"{t}@{o}", text) for t, o, text in records if not t.endswith(INPUT_TOPICS)]
    outputs += [(where, text) for where, text in rows] + [(f"{n}.log", text) for n, text in logs.items()]
    inputs = [(f"{t}@{o}", text) for t, o, text in records if t.endswith(INPUT_TOPICS)]
    found = [f"{where}: card {n[:4]}..." for where, text in outputs for n in card_numbers_in(text)]
    found += [f"{where}: hostile card {n[:4]}..." for where, text in outputs for n in these_card_numbers_in(text, PANS)]
    found += [f"{where}: {s[:3]}..." for where, text in outputs + inputs for s in occurrences(text, pattern)]
    # Tokens are long and many: find the JWT-shaped strings, then ask whether they are ours.
    found += [f"{where}: token {t[:6]}..." for where, text in outputs + inputs for t in set(JWT.findall(text)) & tokens]

    REPORTS.mkdir(exist_ok=True)
    summary = {"secrets_found": len(found), "secrets_searched": len(secrets), "tokens_searched": len(tokens),
               "skipped": len(skipped), "found": found}  # fmt: skip
    (REPORTS / "security-secrets.json").write_text(json.dumps(summary, indent=2))
    assert found == [], f"{len(found)} secrets in clear ({len(secrets)} searched, {len(skipped)} too short)"
    assert len(rows) > 10 and len(outputs) > 10 and all(logs.values()) and tokens
