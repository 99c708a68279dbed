"""Whose token the csr client gives Kafka when the broker wants OAUTHBEARER (docs/security.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from csr.config import ClientConfig, KafkaTokenProvider
from csr.errors import ConfigError
from oidc.client_credentials import ClientCredentialsTokenProvider, PasswordTokenProvider

ISSUER = "http://127.0.0.1:1/realms/csr-oms"
OAUTH = {"OMS_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "OMS_KAFKA_SASL_MECHANISM": "OAUTHBEARER"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for key in ("OMS_OIDC_ISSUER", "OMS_OIDC_CLIENT_ID", "OMS_OIDC_CLIENT_SECRET", "OMS_OIDC_USERNAME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("OMS_OIDC_PASSWORD", raising=False)
    monkeypatch.setenv("OMS_STACK_DIR", str(tmp_path))  # no .stack/env fallback
    for key, value in OAUTH.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OMS_OIDC_ISSUER", ISSUER)
    return monkeypatch


def _provider(config: ClientConfig) -> object:
    wrapper = config.kafka_options["sasl_oauth_token_provider"]
    assert isinstance(wrapper, KafkaTokenProvider)
    assert config.kafka_options["sasl_mechanism"] == "OAUTHBEARER"
    return wrapper.provider


def test_without_a_login_or_credentials_the_client_says_what_to_set(env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="log in first"):
        ClientConfig.load()


def test_a_person_s_login_is_what_kafka_gets(env: pytest.MonkeyPatch) -> None:
    class Login:
        async def access_token(self) -> str:
            return "a.b.c"

    login = Login()
    assert _provider(ClientConfig.load(login=login)) is login


def test_a_channel_uses_its_client_credentials(env: pytest.MonkeyPatch) -> None:
    env.setenv("OMS_OIDC_CLIENT_ID", "web-shop")
    env.setenv("OMS_OIDC_CLIENT_SECRET", "web-shop-dev-secret")
    provider = _provider(ClientConfig.load())
    assert isinstance(provider, ClientCredentialsTokenProvider) and provider.client_id == "web-shop"


def test_a_script_logs_in_as_a_person_on_csr_cli(env: pytest.MonkeyPatch) -> None:
    env.setenv("OMS_OIDC_USERNAME", "alice")
    env.setenv("OMS_OIDC_PASSWORD", "alice-dev")
    provider = _provider(ClientConfig.load())
    assert isinstance(provider, PasswordTokenProvider) and provider.client_id == "csr-cli"
    assert "alice-dev" not in repr(provider)
