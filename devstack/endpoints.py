"""Where clients find Kafka, PostgreSQL, SMTP and Keycloak, however the stack was provided."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.kafka_auth import (
    ADMIN_CLIENT_ID,
    ADMIN_SECRET_ENV,
    SECURITY_PROTOCOL,
    admin_kafka_options,
    client_kafka_options,
    dev_client_secret,
)

REQUIRED_ENV = ("OMS_KAFKA_BOOTSTRAP", "OMS_PG_DSN", "OMS_SMTP_HOST", "OMS_SMTP_PORT")
# How clients authenticate to Kafka (absent: a stack without authentication).
KAFKA_AUTH_ENV = ("OMS_KAFKA_SECURITY_PROTOCOL", "OMS_KAFKA_SASL_MECHANISM")


@dataclass(frozen=True)
class StackEndpoints:
    kafka_bootstrap: str
    pg_dsn: str  # server only, e.g. postgresql://postgres@127.0.0.1:5432
    smtp_host: str
    smtp_port: int
    mail_dir: Path | None  # None when the SMTP catcher is not a local devstack sink
    # The identity provider: OMS_OIDC_ISSUER (http://host:port/realms/csr-oms), OMS_OIDC_AUDIENCE
    # and OMS_KEYCLOAK_URL (the server's base URL, for its admin API). None when not given.
    oidc_issuer: str | None = None
    oidc_audience: str = "csr-oms"
    keycloak_url: str | None = None
    kafka_auth: tuple[tuple[str, str], ...] = ()  # the KAFKA_AUTH_ENV variables that are set
    # The card provider's API (stripe-mock in the dev stack): OMS_STRIPE_API_BASE, OMS_STRIPE_API_KEY.
    stripe_api_base: str | None = None
    stripe_api_key: str | None = None

    @property
    def kafka_requires_auth(self) -> bool:
        return "OMS_KAFKA_SASL_MECHANISM" in dict(self.kafka_auth)

    def kafka_admin_options(self) -> dict[str, Any]:
        """Raw-client options as the super user oms-admin: what test harnesses read and write with."""
        return admin_kafka_options(self.kafka_bootstrap, {**os.environ, **self.kafka_env()})

    def kafka_admin_auth(self) -> dict[str, Any]:
        """The admin's options without the bootstrap servers: OmsClient's and follow()'s kafka_options."""
        return {k: v for k, v in self.kafka_admin_options().items() if k != "bootstrap_servers"}

    def kafka_client_auth(self, client_id: str) -> dict[str, Any]:
        """kafka_client_options without the bootstrap servers (OmsClient's kafka_options)."""
        return {k: v for k, v in self.kafka_client_options(client_id).items() if k != "bootstrap_servers"}

    def kafka_admin_settings(self) -> dict[str, Any]:
        """ServiceSettings fields that make a runtime Kafka client (Producer, ensure_topics) the admin."""
        settings: dict[str, Any] = {"kafka_bootstrap": self.kafka_bootstrap}
        if not self.kafka_requires_auth:
            return settings
        auth = dict(self.kafka_auth)
        return {
            **settings,
            "kafka_security_protocol": auth.get("OMS_KAFKA_SECURITY_PROTOCOL", SECURITY_PROTOCOL),
            "kafka_sasl_mechanism": auth["OMS_KAFKA_SASL_MECHANISM"],
            "oidc_issuer": self.oidc_issuer,
            "oidc_client_id": ADMIN_CLIENT_ID,
            "oidc_client_secret": os.environ.get(ADMIN_SECRET_ENV) or dev_client_secret(ADMIN_CLIENT_ID),
        }

    def kafka_client_options(self, client_id: str, secret: str | None = None) -> dict[str, Any]:
        """Raw-client options as one of the realm's confidential clients (web-shop, fulfilment...)."""
        secret = secret or dev_client_secret(client_id)
        return client_kafka_options(self.kafka_bootstrap, self.kafka_env(), client_id, secret)

    def kafka_env(self) -> dict[str, str]:
        """The OMS_* variables that tell a client how to authenticate to this Kafka (no credentials)."""
        env = dict(self.kafka_auth)
        if self.oidc_issuer is not None:
            env["OMS_OIDC_ISSUER"] = self.oidc_issuer
        return env

    def database_dsn(self, database: str) -> str:
        return f"{self.pg_dsn.rstrip('/')}/{database}"

    def as_env(self) -> dict[str, str]:
        env = {
            "OMS_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "OMS_PG_DSN": self.pg_dsn,
            "OMS_SMTP_HOST": self.smtp_host,
            "OMS_SMTP_PORT": str(self.smtp_port),
        }
        if self.mail_dir is not None:
            env["OMS_MAIL_DIR"] = str(self.mail_dir)
        env.update(self.kafka_auth)
        if self.oidc_issuer is not None:
            env["OMS_OIDC_ISSUER"] = self.oidc_issuer
            env["OMS_OIDC_AUDIENCE"] = self.oidc_audience
        if self.keycloak_url is not None:
            env["OMS_KEYCLOAK_URL"] = self.keycloak_url
        if self.stripe_api_base is not None and self.stripe_api_key is not None:
            env["OMS_STRIPE_API_BASE"] = self.stripe_api_base
            env["OMS_STRIPE_API_KEY"] = self.stripe_api_key
        return env

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StackEndpoints | None:
        """Endpoints when every required variable is set, else None."""
        if not all(env.get(key) for key in REQUIRED_ENV):
            return None
        mail_dir = env.get("OMS_MAIL_DIR")
        return cls(
            kafka_bootstrap=env["OMS_KAFKA_BOOTSTRAP"],
            pg_dsn=env["OMS_PG_DSN"],
            smtp_host=env["OMS_SMTP_HOST"],
            smtp_port=int(env["OMS_SMTP_PORT"]),
            mail_dir=Path(mail_dir) if mail_dir else None,
            kafka_auth=tuple((key, env[key]) for key in KAFKA_AUTH_ENV if env.get(key)),
            oidc_issuer=env.get("OMS_OIDC_ISSUER") or None,
            oidc_audience=env.get("OMS_OIDC_AUDIENCE") or "csr-oms",
            keycloak_url=env.get("OMS_KEYCLOAK_URL") or None,
            stripe_api_base=env.get("OMS_STRIPE_API_BASE") or None,
            stripe_api_key=env.get("OMS_STRIPE_API_KEY") or None,
        )
