"""Faults under load: ``uv run python -m reliability.faults [--duration S] [--size small|full] [--report PATH]``.

Starts the three services against the local devstack named by ``OMS_STACK_DIR`` (default: the
project's ``.stack``), drives a steady mixed load, injects faults one kind at a time and then
several at once, lets the system settle and checks the invariants (reliability/checks.py). Prints
a report and writes a JSON summary; exits 1 when anything was lost or duplicated.

The harness restarts Kafka and PostgreSQL and stops the SMTP sink and stripe-mock of that stack:
point it at a stack nobody else is using. The services reach stripe-mock through a recording proxy
(reliability/stripe_log.py), so the checks can compare what the card provider was asked with the
payment ledger.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.api import ensure_local_stack
from devstack.paths import StackPaths
from reliability.checks import Findings, check_all
from reliability.cluster import Cluster
from reliability.injector import CRASH_POINTS, Injector
from reliability.instance_faults import INSTANCE_FAULTS
from reliability.ledger import Ledger
from reliability.load import Load
from reliability.payment_checks import NAMES as PAYMENT_NAMES

HOSTILE_REPORT_ENV = "OMS_HOSTILE_REPORT"  # directory of the security suite's JSON reports, if it ran
HOSTILE_FIELDS = ("hostile_inputs", "hostile_mishandled", "secrets_found", "role_violations")
MUST_BE_ZERO = ("lost", "applied_twice", "events_missing", "events_duplicated", "emails_lost", "emails_duplicated")
MONEY_MUST_BE_ZERO = PAYMENT_NAMES  # reliability/payment_checks.py


@dataclass(frozen=True)
class Size:
    duration_s: float  # how long the mixed faults go on after the single ones
    agents: int
    products: int
    pause_s: float
    outage_s: float
    gap_s: float
    heavy_mixed: bool
    crash_points: tuple[tuple[str, str], ...]


SIZES = {
    "small": Size(
        duration_s=0,  # one round of overlapping faults
        agents=4,
        products=8,
        pause_s=1,
        outage_s=5,  # the load sends e-mails all the time: a few seconds catch several mid-send
        gap_s=1,  # a fault begins once the last one's services answer again: the gap is idle time
        heavy_mixed=False,
        # a commit, an SMTP acceptance, and the card provider's answer to an authorization and a refund
        crash_points=(CRASH_POINTS[0], CRASH_POINTS[5], CRASH_POINTS[7], CRASH_POINTS[8]),
    ),
    "full": Size(
        duration_s=600,
        agents=9,
        products=30,
        pause_s=10,
        outage_s=60,
        gap_s=10,
        heavy_mixed=True,
        crash_points=tuple(CRASH_POINTS),
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reliability.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--duration", type=float, default=None, help="seconds of mixed faults after the single ones")
    parser.add_argument("--report", type=Path, default=Path("reports/faults.json"), help="where the JSON summary goes")
    parser.add_argument("--seed", type=int, default=None, help="random seed, to repeat a run's choices")
    parser.add_argument("--settle", type=float, default=300, help="seconds allowed to drain after the load stops")
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="instances of each service; with 2 or more, one instance is also frozen, killed and stopped at a time",
    )
    return parser


async def run(size: Size, duration: float, settle_s: float, workdir: Path, instances: int = 1) -> dict[str, Any]:
    paths = StackPaths.from_env()
    stack = await asyncio.to_thread(ensure_local_stack, paths)
    cluster = Cluster(paths, stack, workdir, instances=instances)
    say(f"run {cluster.run_id}: stack {paths.stack_dir}, logs in {workdir}")
    ledger = Ledger()
    load = Load(cluster, ledger, size.agents, size.products)
    try:
        # Inside the try: a service that never becomes healthy must not leave the others running.
        await asyncio.to_thread(cluster.start)
        began = time.monotonic()
        await load.seed()
        await load.start()
        say(f"load running: {size.agents} agents and a stock feed over {size.products} products")
        await asyncio.sleep(size.gap_s)
        injector = await Injector.create(cluster, size.pause_s, size.outage_s)
        try:
            await injector.run(time.monotonic() + duration, size.gap_s, size.heavy_mixed, list(size.crash_points))
        finally:
            await injector.close()
        say(f"{len(injector.faults)} faults injected; stopping the load")
        await load.stop()
        load_s = time.monotonic() - began
        settled, left = await audit_settle(cluster, settle_s)
        say("settled" if settled else f"NOT settled after {settle_s:.0f}s: {left}")
        findings = await check_all(cluster, ledger, frozenset(injector.unpublishable))
        return summary(ledger, injector, findings, load, load_s, settled, left, began)
    finally:
        await asyncio.to_thread(cluster.stop)


async def audit_settle(cluster: Cluster, timeout: float) -> tuple[bool, dict[str, Any]]:
    from reliability.audit import settle

    return await settle(cluster, timeout)


def summary(
    ledger: Ledger,
    injector: Injector,
    findings: Findings,
    load: Load,
    load_s: float,
    settled: bool,
    left: dict[str, Any],
    origin: float,
) -> dict[str, Any]:
    n = findings.numbers
    recoveries = [f.recovery_s for f in injector.faults if f.recovery_s is not None]
    result: dict[str, Any] = {
        "commands_sent": len(ledger.records),
        "commands_accepted": len(ledger.accepted()),
        "commands_rejected": sum(1 for r in ledger.records if r.outcome == "rejected"),
        "commands_resent": ledger.resends,
        "faults_injected": injector.by_kind(),
        "lost": n["lost"],
        "applied_twice": n["applied_twice"],
        "events_missing": n["events_missing"],
        "events_duplicated": n["events_duplicated"],
        "emails_expected": n["emails_expected"],
        "emails_lost": n["emails_lost"],
        "emails_duplicated": n["emails_duplicated"],
        "email_delivery": injector.cluster.email_delivery,
        **dict.fromkeys(HOSTILE_FIELDS),
        "max_recovery_s": round(max(recoveries), 1) if recoveries else None,
        # Faults of one instance among several: how long the service could not answer, from the fault.
        "max_instance_stall_s": _longest(injector, INSTANCE_FAULTS),
        # more detail
        "load_s": round(load_s, 1),
        "settled": settled,
        "left_unsettled": {} if settled else left,
        "events_published": n.get("events_published"),
        "events_redelivered": n["events_redelivered"],
        "events_unexplained": n["events_unexplained"],
        "emails_delivered": n.get("emails_delivered"),
        "emails_redelivered": n["emails_redelivered"],
        "emails_resent": n["emails_resent"],
        "emails_uncertain": n["emails_uncertain"],
        "emails_uncertain_delivered": n.get("emails_uncertain_delivered"),
        "emails_failed": n["emails_failed"],
        "orders_placed": n.get("orders_placed"),
        "order_numbers_reused": n["order_numbers_reused"],
        "stock_inconsistent": n["stock_inconsistent"],
        "totals_wrong": n["totals_wrong"],
        "commands_unanswered": n["commands_unanswered"],
        "outbox_parked": n["outbox_parked"],
        "outbox_parked_unexpected": n["outbox_parked_unexpected"],
        "outbox_injected_not_parked": n["outbox_injected_not_parked"],
        "consumer_lag": n["consumer_lag"],
        "pg_deadlocks": n.get("pg_deadlocks"),
        **{name: n[name] for name in PAYMENT_NAMES},
        "payment_movements": n.get("payment_movements"),
        "payment_pending_max": injector.payment_pending_max,
        "provider_requests": n.get("provider_requests"),
        "provider_requests_unreached": n.get("provider_requests_unreached"),
        "provider_keys_asked_again": n.get("provider_keys_asked_again"),
        "commands_by_type": {t: dict(c) for t, c in sorted(ledger.counts().items())},
        "rejection_codes": _rejection_codes(ledger),
        "agent_errors": load.errors[:20],
        "faults": [f.as_dict(origin) for f in injector.faults],
        "details": {k: v for k, v in findings.details.items() if v},
    }
    result.update(_hostile())
    return result


def _longest(injector: Injector, kinds: tuple[str, ...]) -> float | None:
    stalls = [f.recovery_s for f in injector.faults if f.kind in kinds and f.recovery_s is not None]
    return round(max(stalls), 1) if stalls else None


def _rejection_codes(ledger: Ledger) -> dict[str, int]:
    codes: dict[str, int] = {}
    for r in ledger.records:
        if r.outcome == "rejected":
            key = f"{r.type}:{r.code}"
            codes[key] = codes.get(key, 0) + 1
    return codes


def _hostile() -> dict[str, Any]:
    """The security suite (`make security`) leaves its numbers in build/; they are merged when present.

    hostile-refused.json and hostile-handled.json each count their own probes, so they add up;
    security-roles.json and security-secrets.json carry role_violations and secrets_found.
    """
    reports = Path(os.environ.get(HOSTILE_REPORT_ENV, "build"))
    totals: dict[str, Any] = {}
    for name in ("hostile-refused", "hostile-handled", "security-roles", "security-secrets"):
        try:
            data = json.loads((reports / f"{name}.json").read_text())
        except (OSError, ValueError):
            continue
        for key in HOSTILE_FIELDS:
            if key in data:
                totals[key] = totals.get(key, 0) + data[key]
    return totals


def violations(result: dict[str, Any]) -> list[str]:
    bad = [f"{k}={result[k]}" for k in MUST_BE_ZERO if result[k]]
    for k in ("order_numbers_reused", "stock_inconsistent", "totals_wrong", "events_unexplained"):
        if result[k]:
            bad.append(f"{k}={result[k]}")
    for k in (
        "outbox_parked_unexpected",
        "outbox_injected_not_parked",
        *MONEY_MUST_BE_ZERO,
    ):  # absent from older reports
        if result.get(k):
            bad.append(f"{k}={result[k]}")
    if any(v != 0 for v in result["consumer_lag"].values()):
        bad.append(f"consumer_lag={result['consumer_lag']}")
    if not result["settled"]:
        bad.append("not settled")
    return bad


def render(result: dict[str, Any]) -> str:
    f = result["faults_injected"]
    lines = [
        "== faults under load",
        f"commands   sent {result['commands_sent']}, accepted {result['commands_accepted']},"
        f" rejected {result['commands_rejected']}, re-sent after a timeout {result['commands_resent']},"
        f" never answered {result['commands_unanswered']}",
        f"faults     {sum(f.values())}: " + ", ".join(f"{k} {v}" for k, v in sorted(f.items())),
        f"recovery   max {result['max_recovery_s']} s after a fault was removed"
        + (
            f"; longest stall with one instance frozen, killed or stopped: {result['max_instance_stall_s']} s"
            if result.get("max_instance_stall_s") is not None
            else ""
        ),
        f"commands   lost {result['lost']}, applied twice {result['applied_twice']}",
        f"events     published {result['events_published']}, missing {result['events_missing']},"
        f" duplicated {result['events_duplicated']} (re-delivered copies of one event, deduplicated"
        f" by consumers: {result['events_redelivered']})",
        f"e-mails    ({result['email_delivery']}) expected {result['emails_expected']},"
        f" delivered {result['emails_delivered']}, lost {result['emails_lost']},"
        f" duplicated {result['emails_duplicated']} (copies with the same Message-ID, folded by mail"
        f" systems: {result['emails_redelivered']}; e-mails re-sent after an uncertain outcome:"
        f" {result['emails_resent']}), uncertain {result['emails_uncertain']}"
        f" ({result['emails_uncertain_delivered']} of them in the sink)",
        f"orders     placed {result['orders_placed']}, numbers reused {result['order_numbers_reused']},"
        f" totals wrong {result['totals_wrong']}, stock inconsistent {result['stock_inconsistent']}",
        f"consumers  lag {result['consumer_lag']}; PostgreSQL deadlocks broken {result.get('pg_deadlocks')}",
        f"money      movements {result.get('payment_movements')}; provider asked {result.get('provider_requests')}"
        f" times ({result.get('provider_requests_unreached')} while down; keys asked again, each with its first"
        f" request: {result.get('provider_keys_asked_again')}); most orders on payment_pending during an"
        f" outage {result.get('payment_pending_max')}",
        "money      " + ", ".join(f"{k} {result.get(k)}" for k in MONEY_MUST_BE_ZERO),
        f"outbox     parked {result['outbox_parked']} (only the injected unpublishable rows may be),"
        f" parked unexpectedly {result['outbox_parked_unexpected']},"
        f" injected but not parked {result['outbox_injected_not_parked']}",
        "hostile    "
        + ", ".join(f"{k} {result[k]}" for k in HOSTILE_FIELDS)
        + ("" if result["hostile_inputs"] is not None else " (no hostile-suite report found)"),
    ]
    for fault in result["faults"]:
        lines.append(
            f"  {fault['at_s']:>7.1f}s {fault['kind']:<18} {fault['detail']:<48}"
            f" down {fault['outage_s']:>5.1f}s  recovered in {fault['recovery_s']}s"
            + ("" if fault["triggered"] else f"  ({fault['note']})")
        )
    bad = violations(result)
    for name, items in result["details"].items():
        lines.append(f"  {name}:")
        lines += [f"    {item}" for item in items[:10]]
    lines.append("RESULT: " + ("OK, nothing lost or duplicated" if not bad else "FAILED: " + ", ".join(bad)))
    return "\n".join(lines)


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The clients' reconnect chatter during an outage is expected; the report says what matters.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    random.seed(args.seed)
    size = SIZES[args.size]
    duration = args.duration if args.duration is not None else size.duration_s
    workdir = args.report.resolve().parent / f"faults-logs-{time.strftime('%Y%m%d-%H%M%S')}"
    workdir.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(size, duration, args.settle, workdir, args.instances))
    result["size"] = args.size
    result["instances"] = args.instances
    result["logs"] = str(workdir)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(result, indent=2, default=str))
    print(render(result))
    print(f"JSON summary: {args.report}")
    return 1 if violations(result) else 0


if __name__ == "__main__":
    raise SystemExit(main())
