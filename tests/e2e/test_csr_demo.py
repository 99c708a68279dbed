"""``csr demo``, the end of the README's first command, run as CI runs it: ``uv run csr demo``
against the running system, its transcript read like a person would read it."""

from __future__ import annotations

import asyncio
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.csr_cli import csr_env, run_csr
from tests.support.system import ROOT, System, first_event


@pytest.mark.capability(
    "CUS-01",
    "CUS-14",
    "ORD-09",
    "NTF-01",
    "NTF-03",
    "SRV-01",
    "SRV-02",
    "SRV-03",
    "SRV-10",
    "SRV-11",
    "SRV-12",
    "MNY-02",
    "MNY-03",
    "MNY-04",
    "MNY-07",
)
async def test_the_demo_call_reads_out_the_order_number_and_shows_where_each_email_landed(system: System) -> None:
    uv = shutil.which("uv")
    assert uv, "the demo runs as `uv run csr demo`"

    done = await run_csr(
        "demo", env=csr_env(system), timeout=480, program=[uv, "run", "--project", str(ROOT), "--frozen", "csr"]
    )

    assert done.code == 0, done
    assert "Traceback" not in done.stderr
    said = re.search(r"Your order number is (\S+)\.", done.stdout)
    assert said, done
    order_number = said.group(1)
    placed = await first_event(
        system, "orders.events", lambda e: e.type == "OrderPlaced" and e.payload.get("order_number") == order_number
    )
    email = placed.payload["email"]
    assert email.startswith("maria.rossi.")
    text = " ".join(done.stdout.split())
    assert re.search(r"PAD-AIR went up to 159\.00 USD since yesterday, but your quote keeps it at 149\.00 USD", text)
    assert "rejected, forbidden" in text, "the CSR's unblock is refused: only a supervisor lifts a fraud block"
    assert re.search(r"Your tent is registered to you now, serial number \S+", text)
    rows = await system.fetch("orders", "SELECT status FROM orders WHERE order_number = $1", order_number)
    assert [r[0] for r in rows] == ["shipped"]

    quote_number = re.search(r"Done: quote (\S+),", done.stdout)
    return_number = re.search(r"Return (\S+) is open", done.stdout)
    assert quote_number and return_number, done
    landed = re.findall(r"✉ '([^']*)' to (\S+) -> (\S+\.eml)", done.stdout)
    assert [subject for subject, _, _ in landed] == [
        "Welcome, Maria!",
        f"Your quote {quote_number.group(1)}",
        f"Your order {order_number} is confirmed",
        f"Your order {order_number} was changed",
        f"Your order {order_number} has shipped",
        f"Your return {return_number.group(1)}",
        f"A gesture of goodwill for your order {order_number}",
    ]
    for _, to, file in landed:
        assert to == email
        assert email in await asyncio.to_thread(Path(file).read_text)
    money_said(text, return_number.group(1))


LEDGER = re.compile(
    r"ledger\s+(\w+) ([\d.]+) USD \(stripe\): authorized ([\d.]+), captured ([\d.]+), voided ([\d.]+),"
    r" refunded ([\d.]+), held ([\d.]+), paid ([\d.]+)"
)


APPEASED = "goodwill for a late parcel"  # the appeasement scene's title


def money_said(text: str, return_number: str) -> None:
    """The card authorized at submit and for the change, captured shipment by shipment (a part
    while something is still held, then the rest), the return refunded, then goodwill for the late
    parcel (an appeasement, MNY-07) refunded to the card: each ledger line adds up."""
    before, scene, after = text.partition(APPEASED)
    assert scene, "the demo call shows an appeasement (MNY-07)"
    moves = [(m[0], *(Decimal(x) for x in m[1:])) for m in LEDGER.findall(before)]
    goodwill = [(m[0], *(Decimal(x) for x in m[1:])) for m in LEDGER.findall(after)]
    kinds = [kind for kind, *_ in moves]
    # at submit, then for the pad the change added; a capture per shipment (one per authorization
    # it takes from); the refund (one per capture it gives back from)
    captured_then_refunded = kinds[2:]
    assert kinds[:2] == ["authorize", "authorize"] and captured_then_refunded[-1] == "refund", kinds
    assert captured_then_refunded == sorted(captured_then_refunded), kinds  # captures, then refunds
    for _, _, authorized, captured, voided, refunded, held, paid in moves + goodwill:
        assert held == authorized - captured - voided and paid == captured - refunded, moves + goodwill
    captures = [m for m in moves if m[0] == "capture"]
    assert len(captures) >= 2 and captures[0][6] > 0 and captures[-1][6] == 0, captures  # partial, then final
    assert captures[-1][3] == captures[-1][2]  # everything authorized was taken once it all shipped
    refund = sum(m[1] for m in moves if m[0] == "refund")
    promised = re.search(rf"Return {return_number} is open: you'll get ([\d.]+) USD back", text)
    assert promised and Decimal(promised.group(1)) == refund, promised
    assert f"Return {return_number} is in: {refund} USD went back to Maria's card" in text
    # the appeasement: the last ledger lines, refunds of what was offered, on top of the return's
    offered = re.search(r"For the late delivery I can give you ([\d.]+) USD back on your card", after)
    assert offered, after
    amount = Decimal(offered.group(1))
    assert goodwill and [m[0] for m in goodwill] == ["refund"] * len(goodwill), goodwill
    assert sum(m[1] for m in goodwill) == amount, goodwill
    assert goodwill[-1][5] == moves[-1][5] + amount, (moves[-1], goodwill)  # refunded grew by it, no more
    assert f"Appeasement for the late delivery: {amount} USD went back to Maria's card" in after
