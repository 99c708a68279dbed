"""What an operator reads (docs/operations.md): metrics that move with real traffic, scraped from
/metrics, and one JSON log line per handled message with its ids, outcome, code and duration."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts import errors
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.ops_files import PROMETHEUS_OWN, expressions, metric_names
from tests.support.system import System, eventually

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(system: System, service: str) -> Samples:
    url = f"http://127.0.0.1:{system.services[service].port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.capability("OPS-01")
async def test_handled_rejected_latency_and_lag_move_with_traffic(system: System, csr: OmsClient) -> None:
    before = scrape(system, "customers")
    command = register_customer(csr)
    assert (await csr.send(command)).accepted
    refused = await csr.send(register_customer(csr, logon_id=command.logon_id))
    assert refused.code == errors.CONFLICT

    after = scrape(system, "customers")

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    kind = {"service": "customers", "type": "RegisterCustomer"}
    assert moved("oms_messages_total", **kind, outcome="accepted") == 1
    assert moved("oms_messages_total", **kind, outcome="rejected") == 1
    assert moved("oms_messages_rejected_total", **kind, code=errors.CONFLICT) == 1
    assert moved("oms_handle_seconds_count", **kind, kind="command") == 2
    assert value(after, "oms_handle_seconds_sum", **kind, kind="command") > 0
    # Every partition of the commands topic the service consumes has its lag, caught up (0)
    # once the replies came: nothing is left to fetch.
    lag = {
        dict(labels)["partition"]: v
        for (name, labels), v in after.items()
        if name == "oms_consumer_lag" and dict(labels)["topic"] == "customers.commands"
    }
    assert lag and set(lag.values()) == {0.0}, lag
    assert value(after, "oms_outbox_oldest_age_seconds", service="customers") >= 0


@pytest.mark.capability("OPS-01")
async def test_the_relay_publish_latency_counts_each_reply_and_event_it_publishes(
    system: System, csr: OmsClient
) -> None:
    before = scrape(system, "customers")
    assert (await csr.send(register_customer(csr))).accepted  # a reply and CustomerRegistered leave

    def moved(samples: Samples, name: str, kind: str, **labels: str) -> float:
        wanted = {"service": "customers", "kind": kind, **labels}
        return value(samples, name, **wanted) - value(before, name, **wanted)

    async def both_counted() -> Samples | None:
        # The relay records the latency once the rows are marked published, a moment after the
        # reply reached us.
        after = scrape(system, "customers")
        counted = all(moved(after, _LATENCY + "_count", kind) >= 1 for kind in ("reply", "event"))
        return after if counted else None

    after = await eventually(both_counted)
    for kind in ("reply", "event"):
        count = moved(after, _LATENCY + "_count", kind)
        mean = moved(after, _LATENCY + "_sum", kind) / count
        # Woken by the commit, the relay publishes within milliseconds; a loaded machine may take
        # a second or two, never the 60 s after which the service is not ready.
        assert 0 < mean < 30, (kind, mean)
        assert moved(after, _LATENCY + "_bucket", kind, le="+Inf") == count
        assert moved(after, _LATENCY + "_bucket", kind, le="60.0") == count


_LATENCY = "oms_outbox_publish_latency_seconds"


@pytest.mark.capability("OPS-01")
async def test_one_json_line_per_handled_message_with_ids_outcome_code_and_no_secret(
    system: System, csr: OmsClient
) -> None:
    message_id = uuid.uuid4()
    command = register_customer(csr)
    await csr.send(command)
    refused = await csr.send(register_customer(csr, logon_id=command.logon_id), message_id=message_id)
    assert refused.code == errors.CONFLICT

    def the_line() -> dict[str, object] | None:
        for line in system.services["customers"].log_path.read_text().splitlines():
            if str(message_id) in line:
                entry: dict[str, object] = json.loads(line)
                if entry.get("logger") == "oms.handled":
                    return entry
        return None

    entry = await eventually(lambda: _now(the_line()))
    assert entry["type"] == "RegisterCustomer" and entry["kind"] == "command"
    assert entry["outcome"] == "rejected" and entry["code"] == errors.CONFLICT
    assert entry["message_id"] == str(message_id) and entry["actor"] == "csr-alice"
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert "trace_id" in entry
    text = json.dumps(entry)
    assert "Bearer" not in text and "Sunshine42" not in text and "password" not in text


async def _now(found: dict[str, object] | None) -> dict[str, object] | None:
    return found


@pytest.mark.capability("OPS-03")
async def test_the_dashboard_and_alerts_name_only_metrics_the_services_export(system: System) -> None:
    exported = set().union(*(_exported(system, service) for service in system.services))
    for expr in expressions():
        missing = metric_names(expr) - exported - PROMETHEUS_OWN
        assert not missing, (expr, missing)


def _exported(system: System, service: str) -> set[str]:
    """The metric names on the service's /metrics, of families without a sample yet too (HELP and TYPE)."""
    url = f"http://127.0.0.1:{system.services[service].port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        families = list(text_string_to_metric_families(response.read().decode()))
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    declared = {f.name + suffix for f in families for suffix in suffixes.get(f.type, ("",))}
    return declared | {s.name for f in families for s in f.samples}
