"""Who talks to the dev stack's Kafka, and with which credentials.

The broker authenticates every client with SASL/OAUTHBEARER (a Keycloak access token; the principal
is the token's client id) and authorizes it with the ACLs of devstack/acls.py. Tooling, the ACL
script and the test harnesses' raw readers and writers are the super user ``oms-admin``:
:func:`admin_kafka_options` is the one place that builds their client options. Services get their
own client's credentials from :func:`service_kafka_env`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from oidc.client_credentials import client_credentials

ADMIN_CLIENT_ID = "oms-admin"
ADMIN_SECRET_ENV = "OMS_KAFKA_ADMIN_SECRET"  # noqa: S105 - the variable's name, not a secret
SECURITY_PROTOCOL = "SASL_PLAINTEXT"
MECHANISM = "OAUTHBEARER"


def dev_client_secret(client_id: str) -> str:
    """The dev realm's secret of a confidential client (stack/keycloak/csr-oms-realm.json; dev only)."""
    return f"{client_id}-dev-secret"


def service_client_id(service: str) -> str:
    """The Keycloak client (and Kafka principal) a service runs as: orders -> orders-service."""
    return f"{service}-service"


def kafka_client_env(issuer: str) -> dict[str, str]:
    """What every client of the stack's Kafka needs besides its own credentials."""
    return {
        "OMS_KAFKA_SECURITY_PROTOCOL": SECURITY_PROTOCOL,
        "OMS_KAFKA_SASL_MECHANISM": MECHANISM,
        "OMS_OIDC_ISSUER": issuer,
    }


def service_kafka_env(service: str, env: Mapping[str, str]) -> dict[str, str]:
    """The service's own client credentials, when the stack's Kafka wants OAUTHBEARER."""
    if env.get("OMS_KAFKA_SASL_MECHANISM") != MECHANISM:
        return {}
    client_id = service_client_id(service)
    return {"OMS_OIDC_CLIENT_ID": client_id, "OMS_OIDC_CLIENT_SECRET": dev_client_secret(client_id)}


def client_kafka_options(bootstrap: str, env: Mapping[str, str], client_id: str, secret: str) -> dict[str, Any]:
    """aiokafka options for one client of the stack (any of the realm's confidential clients)."""
    options: dict[str, Any] = {"bootstrap_servers": bootstrap}
    if env.get("OMS_KAFKA_SASL_MECHANISM") != MECHANISM:
        return options  # a stack without authentication (docker compose, testcontainers)
    issuer = env.get("OMS_OIDC_ISSUER")
    if not issuer:
        raise ValueError("OMS_KAFKA_SASL_MECHANISM=OAUTHBEARER needs OMS_OIDC_ISSUER")
    return {
        **options,
        "security_protocol": env.get("OMS_KAFKA_SECURITY_PROTOCOL", SECURITY_PROTOCOL),
        "sasl_mechanism": MECHANISM,
        "sasl_oauth_token_provider": client_credentials(issuer, client_id, secret),
    }


def admin_kafka_options(bootstrap: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Raw-client options for the super user ``oms-admin``: devstack, tests, bench, reliability."""
    env = os.environ if env is None else env
    secret = env.get(ADMIN_SECRET_ENV) or dev_client_secret(ADMIN_CLIENT_ID)
    return client_kafka_options(bootstrap, env, ADMIN_CLIENT_ID, secret)
