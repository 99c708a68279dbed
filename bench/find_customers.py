"""``uv run python -m bench.find_customers [--customers 100000] [--probes 200] [--out build/bench]``

Customer find latency at scale, as a CSR sees it (command to reply through Kafka), one query at a
time: FindCustomersV1 by five letters of a last name; by a whole logon id and a whole e-mail given
as partial criteria (trigram indexes) and as exact ones (``exact_logon_id``, ``exact_email``: the
unique index on lower(logon_id), the b-tree on lower(email)); and ``csr``'s own resolution of a
customer named by logon id or e-mail (the exact criteria: csr/cli/commands/customer_ref.py), which
must find exactly the customer. Also PostgreSQL's own plan and execution time of each criterion
(EXPLAIN ANALYZE), to tell the database's share from the round trip's.

Only the customers service runs, against a database of its own (``customers_findbench``, kept
between runs and topped up like the main benchmark's) with the topic prefix ``findbench.``; the
customers are the main benchmark's seeded ones (bench/seed.py): logon id ``seed<i>``, e-mail
``seed<i>@bench.example.com``, seven random letters as last name."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import asyncpg

from bench import seed
from bench.stats import percentile
from contracts.customers import FindCustomersV1
from contracts.envelope import Role
from csr.cli.commands.customer_ref import exact_matches
from csr.cli.runner import Lookup, Session
from csr.client import OmsClient
from csr.client.dev_realm import login_for
from devstack import ensure_stack
from devstack.acls import grant_for_run, revoke_for_run
from devstack.endpoints import StackEndpoints
from devstack.keys import ensure_sealing_keys
from devstack.paths import StackPaths
from devstack.service_process import ServiceProcess

PREFIX = "findbench."
DATABASE = "customers_findbench"

# The SQL shape of services/customers/adapters/postgres/search.py for one criterion (the benchmark may not import the
# service): what PostgreSQL plans and runs for each find below, partial and exact.
_EXPLAIN = """EXPLAIN (ANALYZE, FORMAT JSON)
SELECT c.customer_id FROM customers c
 WHERE {condition}
 ORDER BY lower(c.last_name), lower(c.first_name), c.customer_id LIMIT 21"""
_PARTIAL = "search_key(c.{column}) LIKE search_key($1)"
_EXACT = "lower(c.{column}) = lower($1)"


def say(text: str) -> None:
    print(f"[find_customers {time.strftime('%H:%M:%S')}] {text}", flush=True)


async def _timed(samples: dict[str, list[float]], kind: str, call: Awaitable[Any]) -> Any:
    began = time.perf_counter()
    result = await call
    samples.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
    return result


async def _accepted(client: OmsClient, query: FindCustomersV1) -> dict[str, Any]:
    reply = await client.send(query)
    if not reply.accepted:
        raise RuntimeError(f"{query.TYPE} refused: {reply.code} {reply.message}")
    return reply.result or {}


async def probe(client: OmsClient, names: list[str], customers: int, count: int) -> dict[str, Any]:
    """``count`` rounds of every kind of find, one at a time; ms per kind, and the customers csr did not
    resolve to exactly the one named."""
    rng = random.Random(7)
    samples: dict[str, list[float]] = {}
    unresolved: dict[str, int] = {"csr: by logon id": 0, "csr: by e-mail": 0}
    lookup = Lookup.over(Session(), client)
    for _ in range(count):
        for kind, call in _round(client, lookup, rng.choice(names)[:5], rng.randint(1, customers)):
            try:
                await _timed(samples, kind, call)
            except NotResolved:
                unresolved[kind] += 1
    return {"ms": samples, "unresolved": unresolved}


def _round(client: OmsClient, lookup: Lookup, letters: str, i: int) -> list[tuple[str, Awaitable[Any]]]:
    """One of each find, for customer ``i`` (awaited one after the other by the caller)."""
    logon_id, email = f"seed{i}", f"seed{i}@bench.example.com"
    return [
        ("last name, 5 letters", _accepted(client, FindCustomersV1(last_name=letters))),
        ("logon id, whole, partial criterion", _accepted(client, FindCustomersV1(logon_id=logon_id))),
        ("e-mail, whole, partial criterion", _accepted(client, FindCustomersV1(email=email))),
        ("logon id, exact criterion", _accepted(client, FindCustomersV1(exact_logon_id=logon_id))),
        ("e-mail, exact criterion", _accepted(client, FindCustomersV1(exact_email=email))),
        ("csr: by logon id", _one(exact_matches(lookup, logon_id, "CUSTOMER"))),
        ("csr: by e-mail", _one(exact_matches(lookup, email, "CUSTOMER"))),
    ]


class NotResolved(Exception):
    """csr did not find exactly the one customer named."""


async def _one(matches: Awaitable[list[dict[str, Any]]]) -> dict[str, Any]:
    found = await matches
    if len(found) != 1:
        raise NotResolved(f"{len(found)} customers")
    return found[0]


async def explain(dsn: str, names: list[str], customers: int, count: int = 20) -> dict[str, Any]:
    """PostgreSQL's plan (the indexes it used) and execution times (p50, max) over ``count`` terms
    of each criterion: the database's share of a find, without Kafka and the service."""
    rng = random.Random(11)
    logon_ids = [f"seed{rng.randint(1, customers)}" for _ in range(count)]
    emails = [f"seed{rng.randint(1, customers)}@bench.example.com" for _ in range(count)]
    terms = {  # name: (condition, terms)
        "last_name": (_PARTIAL.format(column="last_name"), [f"%{rng.choice(names)[:5]}%" for _ in range(count)]),
        "logon_id": (_PARTIAL.format(column="logon_id"), [f"%{t}%" for t in logon_ids]),
        "email": (_PARTIAL.format(column="email"), [f"%{t}%" for t in emails]),
        "exact_logon_id": (_EXACT.format(column="logon_id"), logon_ids),
        "exact_email": (_EXACT.format(column="email"), emails),
    }
    conn = await asyncpg.connect(dsn)
    try:
        plans: dict[str, Any] = {}
        for name, (condition, patterns) in terms.items():
            times: list[float] = []
            indexes: set[str] = set()
            for pattern in patterns:
                plan = json.loads(await conn.fetchval(_EXPLAIN.format(condition=condition), pattern))[0]
                times.append(plan["Execution Time"])
                indexes |= _indexes(plan["Plan"])
            plans[name] = {"terms": count, "p50_ms": percentile(times, 50), "max_ms": max(times),
                           "indexes": sorted(indexes)}  # fmt: skip
        return plans
    finally:
        await conn.close()


def _indexes(node: dict[str, Any]) -> set[str]:
    found = {node["Index Name"]} if "Index Name" in node else set()
    for child in node.get("Plans", []):
        found |= _indexes(child)
    return found


def _client(stack: StackEndpoints, public_key: str) -> OmsClient:
    if not stack.oidc_issuer or not stack.keycloak_url:
        raise RuntimeError("the stack runs no identity provider (OMS_OIDC_ISSUER, OMS_KEYCLOAK_URL)")
    return OmsClient(
        stack.kafka_bootstrap,
        login_for(stack.oidc_issuer, stack.keycloak_url, "bench-csr-find", Role.CSR),
        topic_prefix=PREFIX,
        reply_topic="replies.bench-csr-find",
        sealing_public_key=public_key,
        timeout=60,
        attempts=1,
        kafka_options=stack.kafka_admin_auth(),
    )


def summary(ms: dict[str, list[float]]) -> dict[str, dict[str, float | int | None]]:
    return {
        kind: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "p99": percentile(v, 99)}
        for kind, v in ms.items()
    }


async def run(customers: int, probes: int, out: Path) -> dict[str, Any]:
    stack, paths = ensure_stack(), StackPaths.from_env()
    keys = ensure_sealing_keys(paths)
    env = {**os.environ, **stack.as_env(), **keys, "OMS_TOPIC_PREFIX": PREFIX, "OMS_LOG_FORMAT": "json"}
    grant_for_run(stack, PREFIX)
    service = ServiceProcess.with_database("customers", env, DATABASE, out / "find_customers.log", health_timeout=180)
    say(f"starting the customers service (database {DATABASE}, prefix {PREFIX})")
    await asyncio.to_thread(service.start)
    try:
        await asyncio.to_thread(service.wait_healthy)
        dsn = stack.database_dsn(DATABASE)
        await seed.seed_customers(dsn, customers, say)
        names = await seed.sample_last_names(dsn, 2000)
        load_before = os.getloadavg()
        public_key = (await asyncio.to_thread(Path(keys["OMS_SEALING_PUBLIC_KEY_FILE"]).read_text)).strip()
        async with _client(stack, public_key) as client:
            await _accepted(client, FindCustomersV1(last_name="warm"))  # connections and plans warmed up
            say(f"{probes} rounds of seven finds, one at a time")
            probed = await probe(client, names, customers, probes)
        plans = await explain(dsn, names, customers)
        result = {
            "customers": customers,
            "probes": probes,
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "latency_ms": summary(probed["ms"]),
            "unresolved": probed["unresolved"],
            "postgres": plans,
        }
    finally:
        await asyncio.to_thread(service.stop)
        revoke_for_run(stack, PREFIX)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.find_customers", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000, help="customers in the database (default 100,000)")
    parser.add_argument("--probes", type=int, default=200, help="rounds of the seven finds (default 200)")
    parser.add_argument("--out", type=Path, default=Path("build/bench"), help="where find_customers.json goes")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(args.customers, args.probes, args.out))
    (args.out / "find_customers.json").write_text(json.dumps(result, indent=2))
    say(json.dumps({k: v for k, v in result.items() if k != "probes"}, indent=2))


if __name__ == "__main__":
    main()
