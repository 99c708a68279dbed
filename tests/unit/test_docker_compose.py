"""docker-compose.yml cannot run on machines without a Docker engine, so its shape is checked here:
it parses, it has every part of the system, and it configures the services with settings they know."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from devstack.keycloak import KEYCLOAK_VERSION
from services.orders.settings import OrdersSettings
from services.runtime.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_has_the_whole_system() -> None:
    services = _compose()["services"]
    assert {"keycloak", "kafka", "postgres", "mailpit", "stripe-mock", "customers", "orders", "notifications"} <= set(
        services
    )
    assert services["stripe-mock"]["image"].startswith("stripe/stripe-mock:")
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["postgres"]["image"].startswith("postgres:")
    for name in ("customers", "orders", "notifications"):
        assert services[name]["command"] == ["python", "-m", f"services.{name}"]


def test_keycloak_is_the_version_devstack_runs_with_the_realm_imported() -> None:
    keycloak = _compose()["services"]["keycloak"]
    assert keycloak["image"] == f"quay.io/keycloak/keycloak:{KEYCLOAK_VERSION}"
    assert keycloak["command"] == ["start-dev", "--import-realm"]
    assert "./stack/keycloak/csr-oms-realm.json:/opt/keycloak/data/import/csr-oms-realm.json:ro" in keycloak["volumes"]
    assert "csr-oms/.well-known/openid-configuration" in keycloak["healthcheck"]["test"][1]
    for name in ("customers", "orders", "notifications"):
        service = _compose()["services"][name]
        assert service["environment"]["OMS_OIDC_ISSUER"] == "http://keycloak:8080/realms/csr-oms"
        assert service["depends_on"]["keycloak"] == {"condition": "service_healthy"}


# The token settings (OMS_OIDC_*), known here until the runtime's settings read them.
OIDC_SETTINGS = {"OMS_OIDC_ISSUER", "OMS_OIDC_AUDIENCE"}


def test_service_environment_uses_known_settings() -> None:
    known = (
        {f"OMS_{name.upper()}" for name in ServiceSettings.model_fields}
        | {"OMS_SMTP_HOST", "OMS_SMTP_PORT"}
        | OIDC_SETTINGS
    )
    orders_only = {f"OMS_{name.upper()}" for name in OrdersSettings.model_fields}
    for name in ("customers", "orders", "notifications"):
        env = _compose()["services"][name]["environment"]
        assert set(env) <= known | (orders_only if name == "orders" else set()), set(env) - known
        assert env["OMS_KAFKA_BOOTSTRAP"] == "kafka:9092"


def test_dockerfile_copies_what_the_services_import() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("contracts", "services", "csr"):
        assert f"COPY {package} {package}" in dockerfile
