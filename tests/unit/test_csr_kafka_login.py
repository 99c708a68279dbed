"""Whose token the csr client gives Kafka when the broker wants OAUTHBEARER (docs/security.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from csr.client.auth import CachedLogin, ClientCredentials, PasswordLogin
from csr.client.config import ClientConfig, KafkaTokenProvider

ISSUER = "http://127.0.0.1:1/realms/csr-oms"
OAUTH = {"OMS_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "OMS_KAFKA_SASL_MECHANISM": "OAUTHBEARER"}
CLEARED = ("OMS_OIDC_CLIENT_ID", "OMS_OIDC_CLIENT_SECRET", "OMS_OIDC_USERNAME", "OMS_OIDC_PASSWORD")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for key in CLEARED:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("OMS_STACK_DIR", str(tmp_path))  # no .stack/env fallback
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for key, value in {**OAUTH, "OMS_OIDC_ISSUER": ISSUER}.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def _provider(config: ClientConfig) -> object:
    wrapper = config.kafka_options["sasl_oauth_token_provider"]
    assert isinstance(wrapper, KafkaTokenProvider)
    assert config.kafka_options["sasl_mechanism"] == "OAUTHBEARER"
    return wrapper.provider


def test_a_person_s_saved_login_is_what_kafka_gets(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    provider = _provider(ClientConfig.load())
    assert isinstance(provider, CachedLogin) and provider.path == tmp_path / "csr-oms" / "login.json"


def test_a_channel_uses_its_client_credentials(env: pytest.MonkeyPatch) -> None:
    env.setenv("OMS_OIDC_CLIENT_ID", "web-shop")
    env.setenv("OMS_OIDC_CLIENT_SECRET", "web-shop-dev-secret")
    assert isinstance(_provider(ClientConfig.load()), ClientCredentials)


def test_a_script_logs_in_as_a_person(env: pytest.MonkeyPatch) -> None:
    env.setenv("OMS_OIDC_USERNAME", "alice")
    env.setenv("OMS_OIDC_PASSWORD", "alice-dev")
    assert isinstance(_provider(ClientConfig.load()), PasswordLogin)


def test_without_oauthbearer_there_is_no_token_provider(env: pytest.MonkeyPatch) -> None:
    env.setenv("OMS_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    assert "sasl_oauth_token_provider" not in ClientConfig.load().kafka_options
