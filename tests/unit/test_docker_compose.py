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


SERVICES = ("customers", "orders", "notifications")


def test_one_image_built_once_for_the_three_services() -> None:
    services = _compose()["services"]
    images = {services[name]["image"] for name in SERVICES}
    assert images == {"csr-oms:${OMS_VERSION:-latest}"}
    built = [name for name in SERVICES if "build" in services[name]]
    assert built == ["customers"]  # the others use it, never pull it
    assert all(services[name]["pull_policy"] == "never" for name in SERVICES if name not in built)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG SERVICE=" in dockerfile and "services.$OMS_SERVICE" in dockerfile


def test_services_are_healthy_when_ready_and_listen_where_the_healthcheck_asks() -> None:
    for name in SERVICES:
        service = _compose()["services"][name]
        assert "http://127.0.0.1:8000/ready" in " ".join(service["healthcheck"]["test"])
        assert service["environment"]["OMS_HTTP_PORT"] == "8000"
        assert service["environment"]["OMS_HTTP_HOST"] == "0.0.0.0"  # noqa: S104 - inside its container
    assert "/ready" in (ROOT / "Dockerfile").read_text()


def test_state_lives_in_named_volumes() -> None:
    compose = _compose()
    declared = set(compose["volumes"])
    mounts = {
        "postgres": "/var/lib/postgresql/data",
        "kafka": "/var/lib/kafka/data",
        "mailpit": "/data",
        "prometheus": "/prometheus",
        "grafana": "/var/lib/grafana",
    }
    for name, path in mounts.items():
        volumes = [v.split(":") for v in compose["services"][name]["volumes"]]
        assert any(source in declared and target == path for source, target, *_ in volumes), name
    assert compose["services"]["kafka"]["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"


def test_the_observability_profile_runs_collector_jaeger_prometheus_and_grafana() -> None:
    services = _compose()["services"]
    optional = {name for name, s in services.items() if "observability" in s.get("profiles", [])}
    assert optional == {"otel-collector", "jaeger", "prometheus", "grafana"}
    assert all("profiles" not in services[name] for name in SERVICES)  # the system runs without it
    # Every file the profile mounts from the repository exists.
    for name in optional:
        for volume in services[name].get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
    collector = yaml.safe_load((ROOT / "ops/otel-collector.yaml").read_text())
    assert collector["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    assert "4318:4318" in services["otel-collector"]["ports"]
    # The services export only when told to (off by default, see docs/operations.md).
    for name in SERVICES:
        endpoint = services[name]["environment"]["OMS_OTEL_EXPORTER_OTLP_ENDPOINT"]
        assert endpoint == "${OMS_OTEL_EXPORTER_OTLP_ENDPOINT:-}"


def test_the_sealing_key_is_a_secret_the_services_can_read() -> None:
    compose = _compose()
    assert compose["secrets"]["sealing_key"]["file"] == "./.sealing.key"
    for name in SERVICES:
        service = compose["services"][name]
        assert service["secrets"] == ["sealing_key"]
        assert service["environment"]["OMS_SEALING_KEY_FILE"] == "/run/secrets/sealing_key"
        # The key file is 0600 (csr keygen --out); bind-mounted as it is, so the services run as its owner.
        assert service["user"] == "${OMS_UID:-10001}"
    assert "csr keygen --out .sealing.key" in (ROOT / "docker-compose.yml").read_text()


def test_services_can_be_scaled() -> None:
    """`docker compose up --scale orders=3`: a fixed host port could be bound by one replica only,
    and a fixed OMS_INSTANCE_ID would give the replicas one id (one relay lease holder, one owner
    of every e-mail being sent); the default, the host name, is the container's id."""
    for name in SERVICES:
        service = _compose()["services"][name]
        assert all(":" not in str(port) for port in service.get("ports", [])), (name, service["ports"])
        assert "OMS_INSTANCE_ID" not in service["environment"]
        assert "container_name" not in service and "hostname" not in service
    assert "--scale orders=3" in (ROOT / "docker-compose.yml").read_text()
