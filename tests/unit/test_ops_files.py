"""The Grafana dashboard and the Prometheus alert rules load, are complete, and name only metrics the
services declare (tests/e2e/test_platform_telemetry.py checks them against a live /metrics too)."""

from __future__ import annotations

import yaml
from prometheus_client import REGISTRY

import services.notifications.adapters.metrics
import services.runtime.metrics  # noqa: F401 - registers the metrics
from tests.support.ops_files import ROOT, alert_rules, dashboard, expressions, metric_names


def declared() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in ("_total", "_bucket", "_count", "_sum", "_created"))
    return names


def test_the_dashboard_has_panels_with_queries_and_unique_ids() -> None:
    panels = dashboard()["panels"]
    assert dashboard()["uid"] == "csr-oms" and len(panels) >= 8
    assert len({p["id"] for p in panels}) == len(panels)
    assert all(p["targets"] and all(t["expr"] for t in p["targets"]) for p in panels)


def test_every_alert_has_an_expression_a_severity_and_a_summary() -> None:
    rules = alert_rules()
    assert {r["alert"] for r in rules} >= {
        "OmsConsumerLagGrowing",
        "OmsOutboxNotFlowing",
        "OmsDeadLetters",
        "OmsEmailsUncertain",
    }
    for rule in rules:
        assert rule["expr"] and rule["labels"]["severity"] in {"page", "ticket"}, rule
        assert rule["annotations"]["summary"], rule


def test_every_expression_names_a_declared_metric() -> None:
    known = declared() | {"up"}
    for expr in expressions():
        names = metric_names(expr)
        assert names, expr
        assert names <= known, (expr, names - known)


def test_every_alert_is_documented_for_the_operator() -> None:
    operations = (ROOT / "docs/operations.md").read_text()
    for rule in alert_rules():
        assert rule["alert"] in operations, rule["alert"]


def test_prometheus_loads_the_rules_and_scrapes_the_three_services() -> None:
    config = yaml.safe_load((ROOT / "ops/prometheus/prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    (job,) = config["scrape_configs"]
    (discovery,) = job["dns_sd_configs"]  # every replica of a scaled service, not one of them
    assert discovery == {"names": ["customers", "orders", "notifications"], "type": "A", "port": 8000}
