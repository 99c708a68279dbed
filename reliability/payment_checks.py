"""The money invariants (MNY-01..MNY-04), from two sides: the orders service's payment ledger
(``payment_movements``) and what the card provider was actually asked (reliability/stripe_log.py).

- one idempotency key, one movement: every key the provider answered is one ledger row, and was
  never sent for a different request (the provider would have answered the first request again);
- every card movement the ledger says succeeded was answered by the provider under its key;
- nothing waits for the provider once the run settled (no movement ``pending``, no order on the
  ``payment_pending`` hold);
- per order, what the sender expects: authorized = the order's total, captured = the total once it
  shipped whole, refunded = the received returns' refund amounts. Less is money lost (a refund the
  customer never got), more is money moved twice (a double charge).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from reliability import audit
from reliability.cluster import Cluster
from reliability.findings import Findings
from reliability.ledger import Ledger
from reliability.stripe_log import ProviderRequest

NAMES = (
    "payments_pending",
    "payments_lost",
    "charged_twice",
    "provider_unrecorded",
    "ledger_unasked",
    "provider_key_conflicts",
)
# A void of part of an authorization asks the provider nothing (the final capture releases it).
NOT_ASKED = ":released-at-final-capture"


async def check_payments(cluster: Cluster, ledger: Ledger, found: Findings) -> None:
    found.zero(*NAMES)
    sql = (
        "SELECT order_id::text AS order_id, kind, amount, status, provider, idempotency_key, reference"
        " FROM payment_movements"
    )
    rows = await audit.fetch(cluster, "orders", sql)
    found.numbers["payment_movements"] = dict(Counter(f"{r['kind']}:{r['status']}" for r in rows))
    for row in rows:
        if row["status"] == "pending":
            found.add("payments_pending", f"{row['kind']} of order {row['order_id']} ({row['idempotency_key']})")
    waiting = await audit.fetch(
        cluster, "orders", "SELECT order_id::text AS id FROM orders WHERE 'payment_pending' = ANY(holds)"
    )
    for order in waiting:
        found.add("payments_pending", f"order {order['id']} still on the payment_pending hold")
    if cluster.stripe_log is not None:
        _keys(rows, cluster.stripe_log.money_requests(), found)
    await _amounts(cluster, ledger, rows, found)


def _keys(rows: list[Any], asked: list[ProviderRequest], found: Findings) -> None:
    """The ledger's keys against the provider's requests."""
    recorded = {r["idempotency_key"]: r for r in rows}
    by_key: dict[str, list[ProviderRequest]] = defaultdict(list)
    for request in asked:
        if request.reached:
            by_key[request.idempotency_key or "(no key)"].append(request)
    found.numbers["provider_requests"] = len(asked)
    found.numbers["provider_requests_unreached"] = sum(1 for r in asked if not r.reached)
    found.numbers["provider_keys_asked_again"] = sum(1 for requests in by_key.values() if len(requests) > 1)
    for key, requests in by_key.items():
        bodies = {(r.path, tuple(sorted(r.params.items()))) for r in requests}
        if len(bodies) > 1:
            found.add("provider_key_conflicts", f"{key}: {len(bodies)} different requests under one key")
        if any(r.answered for r in requests) and key not in recorded:
            first = requests[0]
            found.add("provider_unrecorded", f"{key}: {first.method} {first.path} answered, in no ledger row")
    for key, row in recorded.items():
        asked_for = row["provider"] == "stripe" and row["status"] == "succeeded"
        asked_for = asked_for and not (row["reference"] or "").endswith(NOT_ASKED)
        if asked_for and not any(r.answered for r in by_key.get(key, [])):
            found.add(
                "ledger_unasked", f"{row['kind']} {key} of order {row['order_id']}: the provider never answered it"
            )


async def _amounts(cluster: Cluster, ledger: Ledger, rows: list[Any], found: Findings) -> None:
    """Per order: what succeeded against what the load expects of the orders it placed."""
    moved: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        if row["status"] == "succeeded":
            moved[row["order_id"]][row["kind"]] += Decimal(row["amount"])
    totals = {
        r["id"]: Decimal(r["total"])
        for r in await audit.fetch(cluster, "orders", "SELECT order_id::text AS id, total FROM orders")
    }
    shipped = {r.meta["order_id"] for r in ledger.accepted("RecordShipment")}
    refunds: dict[str, Decimal] = defaultdict(Decimal)
    for r in ledger.accepted("ReceiveReturn"):
        refunds[r.meta["order_id"]] += Decimal(str(r.meta["refund"]))
    for record in ledger.accepted():
        if not record.meta.get("placed") or record.meta["order_id"] not in totals:
            continue  # an order never placed is reported lost by the orders check
        order_id = record.meta["order_id"]
        expected = {"authorize": totals[order_id], "refund": refunds[order_id]}
        if order_id in shipped:
            expected["capture"] = totals[order_id]
        for kind, amount in expected.items():
            _compare(found, order_id, kind, moved[order_id][kind], amount)


def _compare(found: Findings, order_id: str, kind: str, moved: Decimal, expected: Decimal) -> None:
    if moved < expected:
        found.add("payments_lost", f"order {order_id}: {kind} {moved} of {expected}")
    elif moved > expected:
        found.add("charged_twice", f"order {order_id}: {kind} {moved}, {expected} expected")
