"""``csr demo``, the end of the README's first command, run as CI runs it: ``uv run csr demo``
against the running system, its transcript read like a person would read it."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

from tests.support.csr_cli import csr_env, run_csr
from tests.support.system import ROOT, System, first_event


@pytest.mark.capability("CUS-01", "ORD-09", "NTF-01")
async def test_the_demo_call_reads_out_the_order_number_and_shows_where_each_email_landed(system: System) -> None:
    uv = shutil.which("uv")
    assert uv, "the demo runs as `uv run csr demo`"

    done = await run_csr(
        "demo", env=csr_env(system), timeout=240, program=[uv, "run", "--project", str(ROOT), "--frozen", "csr"]
    )

    assert done.code == 0, done
    assert "Traceback" not in done.stderr
    said = re.search(r"Your order number is (\S+)\.", done.stdout)
    assert said, done
    order_number = said.group(1)
    placed = await first_event(system, "orders.events", lambda e: e.payload.get("order_number") == order_number)
    email = placed.payload["email"]
    assert email.startswith("maria.rossi.")

    landed = re.findall(r"✉ '([^']*)' to (\S+) -> (\S+\.eml)", done.stdout)
    assert [subject for subject, _, _ in landed] == ["Welcome, Maria!", f"Your order {order_number} is confirmed"]
    for _, to, file in landed:
        assert to == email
        assert email in await asyncio.to_thread(Path(file).read_text)
