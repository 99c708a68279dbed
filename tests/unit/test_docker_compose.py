"""docker-compose.yml cannot run on machines without a Docker engine, so its shape is checked here:
it parses, it has every part of the system, and it configures the services with settings they know."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from services.runtime.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_has_the_whole_system() -> None:
    services = _compose()["services"]
    assert {"kafka", "postgres", "mailpit", "customers", "orders", "notifications"} <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["postgres"]["image"].startswith("postgres:")
    for name in ("customers", "orders", "notifications"):
        assert services[name]["command"] == ["python", "-m", f"services.{name}"]


def test_service_environment_uses_known_settings() -> None:
    known = {f"OMS_{name.upper()}" for name in ServiceSettings.model_fields} | {"OMS_SMTP_HOST", "OMS_SMTP_PORT"}
    for name in ("customers", "orders", "notifications"):
        env = _compose()["services"][name]["environment"]
        assert set(env) <= known, set(env) - known
        assert env["OMS_KAFKA_BOOTSTRAP"] == "kafka:9092"


def test_dockerfile_copies_what_the_services_import() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("contracts", "services", "csr"):
        assert f"COPY {package} {package}" in dockerfile
