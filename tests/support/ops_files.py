"""The dashboard and alert rules under ops/, and the metric names their expressions use."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "ops/grafana/dashboards/csr-oms.json"
ALERTS = ROOT / "ops/prometheus/alerts.yml"
# Made by Prometheus itself, not by a service.
PROMETHEUS_OWN = {"up"}
_METRIC = re.compile(r"\b(oms_[a-z0-9_]+|up)\b")


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def alert_rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(ALERTS.read_text())
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def expressions() -> list[str]:
    panels = [t["expr"] for p in dashboard()["panels"] for t in p["targets"]]
    variables = [v["query"] for v in dashboard()["templating"]["list"]]
    return panels + variables + [rule["expr"] for rule in alert_rules()]


def metric_names(expr: str) -> set[str]:
    return set(_METRIC.findall(expr))
