"""The dev realm file says what devstack/README.md describes (tests/integration/test_devstack_keycloak.py proves
that Keycloak then issues such tokens)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.keycloak import OMS_ROLES, REALM, issuer_url, token_endpoint
from devstack.paths import StackPaths

SERVICE_CLIENTS = {
    "web-shop": "channel",
    "fulfilment": "system",
    "orders-service": "system",
    "customers-service": "system",
    "notifications-service": "system",
    "oms-admin": "system",
}


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(StackPaths.from_env().keycloak_realm_file.read_text())
    return loaded


def clients(realm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {client["clientId"]: client for client in realm["clients"]}


def users(realm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {user["username"]: user for user in realm["users"]}


def test_realm_name_roles_and_token_lifespan(realm: dict[str, Any]) -> None:
    assert realm["realm"] == REALM
    assert {role["name"] for role in realm["roles"]["realm"]} == set(OMS_ROLES)
    assert realm["accessTokenLifespan"] == 600


@pytest.mark.parametrize(
    ("username", "role", "enabled"),
    [("alice", "csr", True), ("bob", "csr", True), ("sam", "supervisor", True), ("dora", "csr", False)],
)
def test_people_with_their_role_and_dev_password(
    realm: dict[str, Any], username: str, role: str, enabled: bool
) -> None:
    user = users(realm)[username]
    assert user["enabled"] is enabled
    assert role in user["realmRoles"]
    assert user["credentials"] == [{"type": "password", "value": f"{username}-dev", "temporary": False}]
    # Keycloak's default user profile refuses logins of users without these.
    assert user["email"] and user["firstName"] and user["lastName"]


@pytest.mark.parametrize(("client_id", "role"), SERVICE_CLIENTS.items())
def test_service_clients_have_a_secret_and_a_service_account_with_their_role(
    realm: dict[str, Any], client_id: str, role: str
) -> None:
    client = clients(realm)[client_id]
    assert client["publicClient"] is False
    assert client["serviceAccountsEnabled"] is True
    assert client["secret"] == f"{client_id}-dev-secret"
    account = users(realm)[f"service-account-{client_id}"]
    assert account["serviceAccountClientId"] == client_id
    assert role in account["realmRoles"]


def test_csr_cli_is_public_with_password_and_device_grants(realm: dict[str, Any]) -> None:
    cli = clients(realm)["csr-cli"]
    assert cli["publicClient"] is True
    assert cli["directAccessGrantsEnabled"] is True
    assert cli["attributes"]["oauth2.device.authorization.grant.enabled"] == "true"


def test_the_short_client_issues_tokens_of_five_seconds(realm: dict[str, Any]) -> None:
    short = clients(realm)["csr-cli-short"]
    assert short["publicClient"] is True
    assert short["attributes"]["access.token.lifespan"] == "5"


def test_every_client_gets_the_audiences_from_a_default_scope(realm: dict[str, Any]) -> None:
    scope = next(s for s in realm["clientScopes"] if s["name"] == "csr-oms-audience")
    audiences = {m["config"]["included.custom.audience"] for m in scope["protocolMappers"]}
    assert audiences == {"csr-oms", "kafka"}
    assert all(m["config"]["access.token.claim"] == "true" for m in scope["protocolMappers"])
    assert "csr-oms-audience" in realm["defaultDefaultClientScopes"]
    for client in realm["clients"]:
        # roles: realm_access.roles; profile: preferred_username; basic: sub.
        assert {"csr-oms-audience", "roles", "profile", "basic"} <= set(client["defaultClientScopes"])


def test_urls_derive_from_the_base_url() -> None:
    issuer = issuer_url("http://127.0.0.1:8080/")
    assert issuer == "http://127.0.0.1:8080/realms/csr-oms"
    assert token_endpoint(issuer) == "http://127.0.0.1:8080/realms/csr-oms/protocol/openid-connect/token"
