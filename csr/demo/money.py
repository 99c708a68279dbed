"""The money on the demo call (MNY-01..MNY-04), read out as it moves: each PaymentMovement event of
the order (an authorization at submit, a capture per shipment, a refund when a return arrives) is
narrated with the order's payment ledger after it, so the transcript shows what was held, taken
and given back, and that it adds up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from csr.client.events import EventStream, Received
from csr.console.render import money
from csr.demo.call import Call, DemoFailed

MONEY_TIMEOUT_S = 90.0
LEDGER = ("authorized", "captured", "voided", "refunded", "held", "paid")


def ledger_line(movement: dict[str, Any]) -> str:
    """``capture 265.01 USD (stripe): authorized 612.34, captured 265.01, ... held 347.33, paid 265.01``"""
    totals = movement["ledger"]
    sums = ", ".join(f"{name} {money(totals[name])}" for name in LEDGER)
    head = f"{movement['kind']} {money(movement['amount'], movement['currency'])} ({movement['provider']})"
    return f"{head}: {sums}"


async def money_moves(
    call: Call, events: EventStream, kind: str, until: Callable[[dict[str, Any]], bool] | None = None
) -> list[dict[str, Any]]:
    """The order's movements of ``kind`` as they come, each said by the ledger, up to the one
    ``until`` accepts (by default the first). Kept in the call's facts (``--json``)."""
    order_id = call.facts["order_id"]
    seen: list[dict[str, Any]] = []

    def ours(received: Received) -> bool:
        envelope = received.envelope
        return envelope.type == "PaymentMovement" and envelope.payload.get("order_id") == order_id

    while True:
        try:
            received = await events.wait_for(ours, timeout=MONEY_TIMEOUT_S)
        except TimeoutError:
            raise DemoFailed(f"no {kind} of order {call.facts['order_number']} within {MONEY_TIMEOUT_S:g}s") from None
        movement = received.envelope.payload
        narrate(call, movement)
        if movement["kind"] == kind:
            seen.append(movement)
            if until is None or until(movement):
                return seen


def narrate(call: Call, movement: dict[str, Any]) -> None:
    """One movement in the transcript, with the ledger after it; kept in the call's facts."""
    if movement["status"] != "succeeded":
        raise DemoFailed(f"the {movement['kind']} of {movement['amount']} was {movement['status']}")
    call.say("ledger", ledger_line(movement))
    call.facts.setdefault("ledger", []).append(movement)
