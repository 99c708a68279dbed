"""``uv run python -m bench [--quick] [--duration 60] [--customers N] [--orders N] [--orders-instances N]
[--scaling 1,2,3] [--out DIR]``"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from bench.config import Config


def parse(argv: list[str] | None = None) -> Config:
    defaults = Config()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data (10k customers, 100k orders) and ceiling")
    parser.add_argument("--duration", type=float, help=f"seconds measured per phase (default {defaults.duration_s:g})")
    parser.add_argument("--warmup", type=float, help=f"seconds of load first (default {defaults.warmup_s:g})")
    parser.add_argument("--customers", type=int, help=f"customers in the database (default {defaults.customers:,})")
    parser.add_argument("--orders", type=int, help=f"orders in the database (default {defaults.orders:,})")
    parser.add_argument("--out", type=Path, help=f"report directory (default {defaults.out})")
    parser.add_argument("--in-flight", type=int, help=f"orders in flight, closed loop (default {defaults.in_flight})")
    parser.add_argument("--channels", type=int, help=f"channel clients (default {defaults.channels})")
    parser.add_argument("--csr-sessions", type=int, help=f"CSR sessions (default {defaults.csr_sessions})")
    parser.add_argument("--ceiling-messages", type=int, help=f"messages drained (default {defaults.ceiling_messages})")
    parser.add_argument("--no-half", action="store_true", help="skip the open-loop phase at half the maximum")
    parser.add_argument("--profile", action="store_true", help="py-spy the orders service during the max phase")
    parser.add_argument("--orders-instances", type=int, help="instances of the orders service (default 1)")
    parser.add_argument(
        "--scaling",
        type=_counts,
        help="e.g. 1,2,3: a max phase at each count of orders instances, side by side in one run",
    )
    args = parser.parse_args(argv)
    given = {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "customers": args.customers,
        "orders": args.orders,
        "out": args.out,
        "in_flight": args.in_flight,
        "channels": args.channels,
        "csr_sessions": args.csr_sessions,
        "ceiling_messages": args.ceiling_messages,
        "orders_instances": args.orders_instances,
        "scaling": args.scaling,
    }
    overrides: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    if args.no_half:
        overrides["half_load"] = False
    if args.profile:
        overrides["profile"] = True
    return Config.quick(**overrides) if args.quick else Config(**overrides)  # type: ignore[arg-type]


def _counts(text: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of instance counts, each at least 1")
    return counts


def main(argv: list[str] | None = None) -> None:
    config = parse(argv)
    from bench import report
    from bench.run import run, say

    data = asyncio.run(run(config))
    summary = report.write(data, config.out)
    headline = {k: v for k, v in summary.items() if not isinstance(v, dict) and k != "generated_at"}
    say(f"report: {config.out / 'report.md'}\n{json.dumps(headline, indent=2)}")
