"""The stack's Keycloak really issues the tokens devstack/README.md describes: realm, users, clients, keys."""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid
from typing import Any

import pytest

from devstack import StackEndpoints
from devstack import keycloak as kc

pytestmark = pytest.mark.integration


def jwt_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def claims(token: str) -> dict[str, Any]:
    return jwt_part(token, 1)


def key_id(token: str) -> str:
    return str(jwt_part(token, 0)["kid"])


def jwks_kids(issuer: str) -> set[str]:
    with urllib.request.urlopen(kc.discovery(issuer)["jwks_uri"], timeout=10) as response:
        return {key["kid"] for key in json.load(response)["keys"]}


@pytest.fixture(scope="module")
def issuer(stack: StackEndpoints) -> str:
    if stack.oidc_issuer is None:
        pytest.fail("the stack has no Keycloak (OMS_OIDC_ISSUER unset): `python -m devstack up` starts one")
    return stack.oidc_issuer


@pytest.fixture(scope="module")
def base_url(stack: StackEndpoints) -> str:
    if stack.keycloak_url is None:
        pytest.fail("the stack has no Keycloak (OMS_KEYCLOAK_URL unset): `python -m devstack up` starts one")
    return stack.keycloak_url


def test_realm_discovery_names_the_issuer_and_its_endpoints(issuer: str, stack: StackEndpoints) -> None:
    metadata = kc.discovery(issuer)

    assert metadata["issuer"] == issuer
    assert metadata["token_endpoint"] == kc.token_endpoint(issuer)
    assert "urn:ietf:params:oauth:grant-type:device_code" in metadata["grant_types_supported"]
    assert stack.oidc_audience == "csr-oms"


def test_the_cli_client_alone_may_start_a_device_login(issuer: str) -> None:
    started = kc.device_authorization(issuer)

    assert started["device_code"] and started["user_code"]
    assert started["verification_uri"] == f"{issuer}/device"
    with pytest.raises(kc.KeycloakError) as refused:
        kc.device_authorization(issuer, client_id="csr-cli-short")
    assert refused.value.error == "unauthorized_client"


def test_a_csr_logs_in_with_the_cli_client_and_gets_role_and_audiences(issuer: str) -> None:
    response = kc.password_grant(issuer, "alice", "alice-dev")
    token = claims(response["access_token"])

    assert token["iss"] == issuer
    assert token["preferred_username"] == "alice"
    assert "csr" in token["realm_access"]["roles"]
    assert {"csr-oms", "kafka"} <= set(token["aud"])
    assert token["exp"] - token["iat"] == 600
    # expires_in counts from when the response was written: a loaded machine may lose a second.
    assert 598 <= response["expires_in"] <= 600


def test_a_supervisor_carries_the_supervisor_role(issuer: str) -> None:
    token = claims(kc.password_grant(issuer, "sam", "sam-dev")["access_token"])

    assert "supervisor" in token["realm_access"]["roles"]
    assert "csr" not in token["realm_access"]["roles"]


def test_a_disabled_csr_is_refused(issuer: str) -> None:
    with pytest.raises(kc.KeycloakError) as refused:
        kc.password_grant(issuer, "dora", "dora-dev")

    assert refused.value.status == 400
    assert refused.value.error == "invalid_grant"
    assert "dora-dev" not in str(refused.value)


def test_a_wrong_password_is_refused(issuer: str) -> None:
    with pytest.raises(kc.KeycloakError) as refused:
        kc.password_grant(issuer, "alice", "not-her-password")

    assert refused.value.error == "invalid_grant"


def test_the_web_shop_channel_gets_a_token_with_client_credentials(issuer: str) -> None:
    token = claims(kc.client_credentials(issuer, "web-shop", "web-shop-dev-secret")["access_token"])

    assert token["preferred_username"] == "service-account-web-shop"
    assert "channel" in token["realm_access"]["roles"]
    assert {"csr-oms", "kafka"} <= set(token["aud"])


@pytest.mark.parametrize(
    "client_id", ["fulfilment", "orders-service", "customers-service", "notifications-service", "oms-admin"]
)
def test_systems_get_the_system_role(issuer: str, client_id: str) -> None:
    token = claims(kc.client_credentials(issuer, client_id, f"{client_id}-dev-secret")["access_token"])

    assert "system" in token["realm_access"]["roles"]
    assert token["preferred_username"] == f"service-account-{client_id}"


def test_a_wrong_client_secret_is_refused(issuer: str) -> None:
    with pytest.raises(kc.KeycloakError) as refused:
        kc.client_credentials(issuer, "web-shop", "guessed")

    assert refused.value.status == 401
    assert refused.value.error == "unauthorized_client"


def test_the_short_lived_client_issues_tokens_of_five_seconds(issuer: str) -> None:
    response = kc.password_grant(issuer, "bob", "bob-dev", client_id="csr-cli-short")
    token = claims(response["access_token"])

    # expires_in counts down from when Keycloak issued the token, so a loaded machine may see less
    # (1 was seen); the token's own claims say its lifespan.
    assert 0 <= response["expires_in"] <= 5
    assert token["exp"] - token["iat"] == 5
    assert "csr" in token["realm_access"]["roles"]


def test_ensure_user_creates_a_csr_who_can_log_in_and_is_idempotent(base_url: str, issuer: str) -> None:
    username = f"csr-{uuid.uuid4().hex[:8]}"

    password = kc.ensure_user(base_url, username, "csr")
    assert kc.ensure_user(base_url, username, "csr") == password

    token = claims(kc.password_grant(issuer, username, password)["access_token"])
    assert token["preferred_username"] == username
    assert "csr" in token["realm_access"]["roles"]


def test_ensure_user_changes_the_role_and_password_and_re_enables(base_url: str, issuer: str) -> None:
    username = f"csr-{uuid.uuid4().hex[:8]}"
    kc.ensure_user(base_url, username, "csr")
    kc.set_user_enabled(base_url, username, False)

    password = kc.ensure_user(base_url, username, "supervisor", password="promoted-pass")

    roles = claims(kc.password_grant(issuer, username, password)["access_token"])["realm_access"]["roles"]
    assert "supervisor" in roles
    assert "csr" not in roles


def test_set_user_enabled_locks_a_user_out_and_back_in(base_url: str, issuer: str) -> None:
    username = f"csr-{uuid.uuid4().hex[:8]}"
    password = kc.ensure_user(base_url, username, "csr")

    kc.set_user_enabled(base_url, username, False)
    with pytest.raises(kc.KeycloakError):
        kc.password_grant(issuer, username, password)

    kc.set_user_enabled(base_url, username, True)
    assert kc.password_grant(issuer, username, password)["access_token"]


def test_rotating_the_signing_key_signs_new_tokens_with_a_published_new_key(base_url: str, issuer: str) -> None:
    before = key_id(kc.password_grant(issuer, "alice", "alice-dev")["access_token"])

    new_kid = kc.rotate_signing_key(base_url)

    after = key_id(kc.password_grant(issuer, "alice", "alice-dev")["access_token"])
    assert new_kid != before
    assert after == new_kid
    published = jwks_kids(issuer)
    # The old key stays published: tokens it signed keep verifying until it is removed.
    assert {new_kid, before} <= published


def test_a_removed_key_leaves_the_jwks_and_signing_goes_on(base_url: str, issuer: str) -> None:
    # A key below the active one's priority never signs, so removing it disturbs no other test
    # sharing this Keycloak (removing the active key would invalidate their tokens).
    lowest = min(int(k["providerPriority"]) for k in kc.signing_keys(base_url))
    spare = kc.add_signing_key(base_url, priority=lowest - 1)
    assert spare in jwks_kids(issuer)

    kc.remove_key(base_url, spare)

    assert spare not in jwks_kids(issuer)
    signer = key_id(kc.password_grant(issuer, "alice", "alice-dev")["access_token"])
    assert signer in jwks_kids(issuer)
    with pytest.raises(kc.KeycloakError) as missing:
        kc.remove_key(base_url, spare)
    assert missing.value.error == "key_not_found"
