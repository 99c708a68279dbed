"""The invariants, checked after the load stopped and the system settled.

Every number is a count of violations, zero when all is well, except where said. Each finding is
also listed with its ids in ``details`` so a violation can be traced in the logs and tables.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from reliability import audit
from reliability.cluster import SERVICES, Cluster
from reliability.findings import Findings
from reliability.ledger import Ledger
from reliability.load import INITIAL_STOCK
from reliability.payment_checks import check_payments

__all__ = ["Findings", "check_all"]

CENT = Decimal("0.01")
# A placed order's statuses as the load drives it: submitted, then shipped by the warehouse agent.
PLACED = ("submitted", "partially_shipped", "shipped", "complete")


async def check_all(cluster: Cluster, ledger: Ledger, unpublishable: frozenset[str] = frozenset()) -> Findings:
    """``unpublishable``: message ids of the outbox rows the injector put there to be parked."""
    found = Findings()
    found.zero(
        "lost",
        "applied_twice",
        "events_missing",
        "events_duplicated",
        "events_redelivered",
        "events_unexplained",
        "emails_lost",
        "emails_duplicated",
        "emails_redelivered",
        "emails_resent",
        "emails_uncertain",
        "emails_failed",
        "order_numbers_reused",
        "stock_inconsistent",
        "totals_wrong",
        "commands_unanswered",
        "outbox_parked",
        "outbox_parked_unexpected",
        "outbox_injected_not_parked",
    )
    inbox = await _commands(cluster, ledger, found)
    events = await _events(cluster, found)
    await _orders(cluster, ledger, events, found)
    await _stock(cluster, ledger, found)
    await _customers(cluster, ledger, found)
    await _emails(cluster, ledger, found)
    await _parked(cluster, unpublishable, found)
    await check_payments(cluster, ledger, found)
    lags = await audit.consumer_lag(cluster)
    found.numbers["consumer_lag"] = lags
    found.numbers["inbox_rows"] = inbox
    found.numbers["pg_deadlocks"] = await _deadlocks(cluster)
    return found


async def _deadlocks(cluster: Cluster) -> dict[str, int]:
    """PostgreSQL's count of deadlocks it broke, per service database. Reported, not a violation
    (the pipeline retries a broken deadlock), and since the last statistics reset: a PostgreSQL
    crash restart among the faults zeroes it."""
    counts = {}
    for service in SERVICES:
        sql = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        counts[service] = int((await audit.fetch(cluster, service, sql))[0]["deadlocks"])
    return counts


# --- commands: accepted means applied, once -------------------------------------------------------


async def _commands(cluster: Cluster, ledger: Ledger, found: Findings) -> int:
    outcomes: dict[uuid.UUID, str | None] = {}
    for service in SERVICES:
        for row in await audit.fetch(cluster, service, "SELECT message_id, outcome FROM inbox WHERE kind = 'command'"):
            outcomes[row["message_id"]] = row["outcome"]
    for record in ledger.records:
        stored = outcomes.get(record.message_id)
        if record.outcome == "accepted" and stored != "accepted":
            found.add("lost", f"{record.type} {record.message_id} accepted but inbox says {stored!r}")
        elif record.outcome == "rejected" and stored not in ("rejected", None):
            # a forbidden role is answered without an inbox outcome of its own; anything else differs
            found.add("lost", f"{record.type} {record.message_id} rejected ({record.code}) but inbox says {stored!r}")
        elif record.outcome == "unknown":
            # the sender gave up waiting: what counts is whether it was applied (then it is accepted)
            found.add("commands_unanswered", f"{record.type} {record.message_id}: inbox says {stored!r}")
            if stored is not None:
                record.outcome = stored
    return len(outcomes)


# --- parked outbox rows: exactly the unpublishable ones injected --------------------------------


async def _parked(cluster: Cluster, unpublishable: frozenset[str], found: Findings) -> None:
    """A parked row is a message that never left: only the rows injected to be unpublishable may
    be parked (a reply or event parked during a broker restart would be lost to its reader)."""
    parked: set[str] = set()
    for service in SERVICES:
        sql = "SELECT message_id::text AS id, topic, park_reason FROM outbox WHERE parked_at IS NOT NULL"
        for row in await audit.fetch(cluster, service, sql):
            parked.add(row["id"])
            found.numbers["outbox_parked"] += 1
            if row["id"] not in unpublishable:
                found.add("outbox_parked_unexpected", f"{service} {row['id']} to {row['topic']}: {row['park_reason']}")
    for message_id in unpublishable - parked:
        found.add("outbox_injected_not_parked", f"{message_id} still waiting or published")


# --- events: every outbox event on its topic, each state change once -----------------------------


async def _events(cluster: Cluster, found: Findings) -> list[audit.TopicEvent]:
    outbox: dict[str, str] = {}
    for service in SERVICES:
        rows = await audit.fetch(
            cluster, service, "SELECT message_id::text AS id, topic FROM outbox WHERE topic LIKE '%.events'"
        )
        outbox.update({r["id"]: r["topic"] for r in rows})
    on_topics: list[audit.TopicEvent] = []
    for topic in audit.EVENT_TOPICS:
        on_topics += await audit.read_topic(cluster, topic)
    copies = Counter(e.message_id for e in on_topics)
    for message_id in outbox.keys() - copies.keys():
        found.add("events_missing", f"{outbox[message_id]} {message_id} committed in the outbox, not on the topic")
    for message_id, n in copies.items():
        if n > 1:  # at-least-once relay: consumers deduplicate by message id (inbox), harmless
            found.numbers["events_redelivered"] += n - 1
        if message_id not in outbox:
            found.add("events_unexplained", f"{message_id} on a topic, in no outbox")
    # One state change, one event: the same cause must not have produced the same event twice.
    distinct = {e.message_id: e for e in on_topics}.values()
    groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for event in distinct:
        groups[(event.type, event.causation_id or "-", _aggregate(event))].add(event.message_id)
    for (type_, cause, aggregate), ids in groups.items():
        if len(ids) > 1:
            found.numbers["events_duplicated"] += len(ids) - 1
            found.details["events_duplicated"].append(f"{type_} of {aggregate} caused by {cause}: {sorted(ids)}")
    found.numbers["events_published"] = len(distinct)
    return list(distinct)


def _aggregate(event: audit.TopicEvent) -> str:
    """What one cause changes once. A payment movement is its own: one command may move money on
    several authorizations, and the payment worker (no cause) answers movements of one order in
    several rounds; its order update is one per version."""
    if event.payload.get("movement_id"):
        return f"movement_id={event.payload['movement_id']}"
    if event.causation_id is None and event.payload.get("order_id") and event.payload.get("version"):
        return f"order_id={event.payload['order_id']} version={event.payload['version']}"
    for key in ("email_id", "order_id", "customer_id", "sku", "code"):
        if event.payload.get(key):
            return f"{key}={event.payload[key]}"
    return json.dumps(event.payload, sort_keys=True)[:200]


# --- orders: placed once, lines as the sender expects, one number each, totals add up -----------


async def _orders(cluster: Cluster, ledger: Ledger, events: list[audit.TopicEvent], found: Findings) -> None:
    sql = "SELECT order_id::text AS id, order_number, status, total, doc FROM orders"
    rows = await audit.fetch(cluster, "orders", sql)
    orders = {r["id"]: r for r in rows}
    lines: dict[str, Counter[tuple[str, int]]] = defaultdict(Counter)
    for r in await audit.fetch(cluster, "orders", "SELECT order_id::text AS id, sku, quantity FROM order_lines"):
        lines[r["id"]][(r["sku"], r["quantity"])] += 1
    placed = [r for r in ledger.accepted() if r.meta.get("placed")]
    for record in placed:
        order = orders.get(record.meta["order_id"])
        if order is None or order["status"] not in PLACED or not order["order_number"]:
            found.add("lost", f"{record.type} {record.message_id}: order {record.meta['order_id']} not submitted")
            continue
        expected = Counter((sku, q) for sku, q in record.meta["lines"])
        actual = lines[record.meta["order_id"]]
        if actual != expected:
            kind = "applied_twice" if sum(actual.values()) > sum(expected.values()) else "lost"
            found.add(kind, f"order {record.meta['order_id']}: lines {dict(actual)} != expected {dict(expected)}")
    found.numbers["orders_placed"] = len(placed)
    numbers = Counter(r["order_number"] for r in rows if r["order_number"])
    for number, n in numbers.items():
        if n > 1:
            found.add("order_numbers_reused", f"{number} on {n} orders")
    by_number: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.type == "OrderPlaced" and event.payload.get("order_number"):
            by_number[event.payload["order_number"]].add(event.payload["order_id"])
    for number, ids in by_number.items():
        if len(ids) > 1:
            found.add("order_numbers_reused", f"{number} announced for {sorted(ids)}")
    for order in rows:
        if order["doc"] is not None:
            for problem in _total_problems(json.loads(order["doc"]), order["total"]):
                found.add("totals_wrong", f"order {order['id']}: {problem}")


def d(value: Any) -> Decimal:
    return Decimal(str(value))


def _total_problems(doc: dict[str, Any], column_total: Decimal) -> list[str]:
    problems = []
    for ln in doc.get("lines", []):
        if d(ln["unit_price"]) * ln["quantity"] != d(ln["subtotal"]):
            problems.append(f"line {ln['line_no']}: {ln['unit_price']} x {ln['quantity']} != {ln['subtotal']}")
        if d(ln["subtotal"]) - d(ln.get("discount", 0)) != d(ln["net"]):
            problems.append(f"line {ln['line_no']}: net {ln['net']}")
        if d(ln["net"]) - d(ln.get("order_discount", 0)) + d(ln.get("tax", 0)) != d(ln["total"]):
            problems.append(f"line {ln['line_no']}: total {ln['total']}")
    t = {k: d(v) for k, v in doc.get("totals", {}).items()}
    if t:
        lines_ = doc.get("lines", [])
        if sum((d(ln["subtotal"]) for ln in lines_), Decimal(0)) != t["merchandise"]:
            problems.append(f"merchandise {t['merchandise']} != sum of line subtotals")
        if t["merchandise"] - t["line_discounts"] != t["subtotal"]:
            problems.append(f"subtotal {t['subtotal']}")
        if t["subtotal"] - t["discount_total"] + t["shipping"] + t["handling"] + t["tax"] != t["total"]:
            problems.append(f"total {t['total']} != its parts {t}")
        if t["total"] != column_total:
            problems.append(f"stored total {column_total} != {t['total']}")
        payments = doc.get("payments", [])
        if doc.get("status") == "submitted" and payments:
            paid = sum((d(p.get("amount", 0)) for p in payments), Decimal(0))
            if paid != t["total"]:
                problems.append(f"payments {paid} != total {t['total']}")
    return problems


# --- stock: never negative, reservations match open orders, adjustments applied once -----------


async def _stock(cluster: Cluster, ledger: Ledger, found: Findings) -> None:
    products = await audit.fetch(cluster, "orders", "SELECT sku, on_hand, reserved FROM products")
    sql = "SELECT sku, sum(quantity) AS n FROM stock_reservations GROUP BY sku"
    held = {r["sku"]: int(r["n"]) for r in await audit.fetch(cluster, "orders", sql)}
    open_lines = {
        r["sku"]: int(r["n"])
        for r in await audit.fetch(
            cluster,
            "orders",
            "SELECT l.sku, sum(l.reserved_quantity) AS n FROM order_lines l JOIN orders o USING (order_id)"
            " WHERE o.status = ANY($1::text[]) GROUP BY l.sku",
            list(PLACED),
        )
    }
    deltas: Counter[str] = Counter()
    for record in ledger.accepted("AdjustStock"):
        deltas[record.meta["sku"]] += record.meta["delta"]
    for record in ledger.accepted("RecordShipment"):  # what left the warehouse is no longer on hand
        for sku, quantity in record.meta["shipped"]:
            deltas[sku] -= quantity
    for p in products:
        sku = p["sku"]
        if p["on_hand"] < 0 or p["reserved"] < 0:
            found.add("stock_inconsistent", f"{sku}: on hand {p['on_hand']}, reserved {p['reserved']}")
        if p["reserved"] != held.get(sku, 0) or held.get(sku, 0) != open_lines.get(sku, 0):
            counts = f"reserved {p['reserved']}, reservations {held.get(sku, 0)}, open lines {open_lines.get(sku, 0)}"
            found.add("stock_inconsistent", f"{sku}: {counts}")
        expected = INITIAL_STOCK + deltas[sku]
        if p["on_hand"] != expected:
            kind = "applied_twice" if abs(p["on_hand"] - INITIAL_STOCK) > abs(deltas[sku]) else "lost"
            found.add(kind, f"{sku}: on hand {p['on_hand']} != {INITIAL_STOCK} + adjustments - shipments {deltas[sku]}")


# --- customers ------------------------------------------------------------------------------------


async def _customers(cluster: Cluster, ledger: Ledger, found: Findings) -> None:
    rows = await audit.fetch(cluster, "customers", "SELECT customer_id::text AS id FROM customers")
    known = {r["id"] for r in rows}
    for record in ledger.accepted("RegisterCustomer"):
        if record.result.get("customer_id") not in known:
            customer = record.result.get("customer_id")
            found.add("lost", f"RegisterCustomer {record.message_id}: customer {customer} missing")


# --- e-mails: each expected e-mail in the sink, once or (at least once) as copies of one ---------


async def _emails(cluster: Cluster, ledger: Ledger, found: Findings) -> None:
    rows = await audit.fetch(
        cluster,
        "notifications",
        "SELECT email_id::text AS id, customer_id::text AS customer, order_id::text AS order_id, template, status,"
        " message_id, dedupe_key, last_error, resends FROM emails",
    )
    index: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        if row["template"] == "welcome":
            index[("welcome", row["customer"])].append(row)
        elif row["template"] == "order_confirmation":
            index[("confirmation", row["order_id"])].append(row)
        index[("dedupe", row["dedupe_key"])].append(row)
    expected: list[tuple[str, tuple[str, str]]] = []  # (what, where to find it)
    for r in ledger.accepted("RegisterCustomer"):
        # A reply without its customer is reported by _customers ("lost"), not a crash of the check.
        if "customer_id" in r.result:
            expected.append((f"welcome to {r.result['customer_id']}", ("welcome", r.result["customer_id"])))
    for r in ledger.accepted():
        if r.meta.get("placed"):
            expected.append((f"confirmation of {r.meta['order_id']}", ("confirmation", r.meta["order_id"])))
    for r in ledger.accepted("SendEmail"):
        expected.append((f"CSR e-mail {r.message_id}", ("dedupe", f"{r.message_id}:csr")))
    sink = audit.sink_counts(cluster)
    found.numbers["emails_expected"] = len(expected)
    found.numbers["emails_resent"] = sum(1 for row in rows if row["resends"])
    delivered = uncertain_delivered = 0
    for what, where in expected:
        candidates = index.get(where, [])
        if len(candidates) != 1:
            # Two e-mails for one cause carry two Message-IDs: a duplicate nobody can fold, a defect.
            name = "emails_lost" if not candidates else "emails_duplicated"
            found.add(name, f"{what}: {len(candidates)} e-mail rows")
            continue
        row = candidates[0]
        copies = sink[row["message_id"].strip().strip("<>")]
        _count_copies(cluster, found, what, row, copies)
        if row["status"] == "uncertain":
            _count_uncertain(cluster, found, what, row, copies)
            uncertain_delivered += min(copies, 1)
        elif row["status"] == "failed":
            found.add("emails_failed", f"{what}: failed: {row['last_error']}")
            found.add("emails_lost", f"{what}: failed: {row['last_error']}")
        elif row["status"] == "sent" and copies == 0:
            found.add("emails_lost", f"{what}: sent but not in the sink")
        elif row["status"] != "sent":
            found.add("emails_lost", f"{what}: still {row['status']}")
        else:
            delivered += 1
    found.numbers["emails_delivered"] = delivered
    found.numbers["emails_uncertain_delivered"] = uncertain_delivered


def _count_copies(cluster: Cluster, found: Findings, what: str, row: Any, copies: int) -> None:
    """Copies of one e-mail in the sink. At least once they carry the same Message-ID, so mail
    systems fold them: counted as redelivered, not duplicated. At most once any copy is a defect."""
    if copies <= 1:
        return
    if cluster.email_delivery == "at-least-once":
        found.numbers["emails_redelivered"] += copies - 1
        if len(found.details["emails_redelivered"]) < 20:
            found.details["emails_redelivered"].append(f"{what}: {copies} copies of {row['message_id']}")
    else:
        found.add("emails_duplicated", f"{what}: {copies} copies in the sink ({row['message_id']})")


def _count_uncertain(cluster: Cluster, found: Findings, what: str, row: Any, copies: int) -> None:
    """At most once an uncertain e-mail is by design (delivery.py): the service died or lost the
    connection while the server had it, and it is never sent again. At least once it is only left
    uncertain when its attempts ran out; one that never reached the sink is then lost."""
    found.add("emails_uncertain", f"{what}: uncertain, {copies} in the sink ({row['last_error']})")
    if cluster.email_delivery == "at-least-once" and copies == 0:
        found.add("emails_lost", f"{what}: uncertain and not in the sink ({row['last_error']})")
