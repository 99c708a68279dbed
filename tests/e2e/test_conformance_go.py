"""A client nobody wrote in Python drives a whole call (PLT-11, docs/conformance.md).

`conformance/go/` is a Go program written from the published docs alone: topics from the AsyncAPI
documents, every message checked against docs/schemas, sealing from docs/sealing.md, tokens from
the identity provider's standard endpoints, SASL OAUTHBEARER to the broker as its own principals
(the `web-shop` channel and the CSR `alice` on `csr-cli`; the run's ACLs grant both). This test
only seeds the catalog, as the upstream feed would, and runs it against this run's services."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from csr.client import OmsClient
from tests.support.builders import unique
from tests.support.orders import add_product
from tests.support.system import ROOT, System

MODULE = ROOT / "conformance" / "go"
BINARY = ROOT / "build" / "bin" / "oms-conformance"

# Every step the call must play, in order (conformance/go/scenario/scenario.go).
STEPS = [
    "register a customer with a sealed password",
    "refused: a password in clear text",
    "find her by logon id",
    "search the catalog",
    "create a cart",
    "retry it from another process",
    "add a line from the catalog",
    "refused: a quantity of zero",
    "set the shipping address",
    "set the billing address",
    "pay by sealed card",
    "submit the order",
    "see OrderPlaced on orders.events",
    "change the order after submit",
    "cancel the order",
    "see OrderCancelled on orders.events",
    "read the order back",
]


@pytest.fixture(scope="session")
def conformance_binary() -> Path:
    """The binary scripts/bootstrap.sh builds, built again here (a no-op when nothing changed) so a
    stale one is never what runs."""
    go = shutil.which("go") or shutil.which("go", path="/usr/local/go/bin")  # the official install's place
    assert go, "Go is needed for the conformance client (scripts/bootstrap.sh says how to install it)"
    subprocess.run([go, "build", "-o", str(BINARY), "./cmd/oms-conformance"], cwd=MODULE, check=True)
    return BINARY


def _environment(system: System, key_file: Path) -> dict[str, str]:
    """Only what any client of the system is given: where Kafka and the issuer are, the topic
    prefix, the public sealing key, and (dev realm) its two logins' defaults."""
    stack = system.stack.as_env()
    passed = ("OMS_KAFKA_BOOTSTRAP", "OMS_KAFKA_SECURITY_PROTOCOL", "OMS_OIDC_ISSUER")
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        **{name: stack[name] for name in passed if name in stack},
        "OMS_TOPIC_PREFIX": system.prefix,
        "OMS_SEALING_PUBLIC_KEY_FILE": str(key_file),
    }


@pytest.mark.capability("PLT-11", "PLT-02", "PLT-03", "PLT-09", "PLT-10", "CUS-01", "CUS-03", "ORD-02", "ORD-09")
async def test_a_go_client_drives_a_whole_call_from_the_published_docs(
    system: System, feed: OmsClient, conformance_binary: Path, tmp_path: Path
) -> None:
    product = unique("Conformance lamp ")
    await add_product(feed, usd="25.00", on_hand=10, name=product)
    key_file = tmp_path / "sealing.pub"
    key_file.write_text(system.public_key + "\n")  # as a key file is handed out: with its newline
    report = tmp_path / "steps.json"

    process = await asyncio.create_subprocess_exec(
        str(conformance_binary),
        *("-docs", str(ROOT / "docs"), "-product", product, "-report", str(report)),
        env=_environment(system, key_file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=240)

    transcript = output.decode(errors="replace")
    print(transcript)  # the steps, for `pytest -s` and the CI log of a failure
    assert process.returncode == 0, transcript
    steps = json.loads(report.read_text())["steps"]
    assert [step["name"] for step in steps] == STEPS, transcript
    assert all(step["ok"] for step in steps), transcript
