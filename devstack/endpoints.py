"""Where clients find Kafka, PostgreSQL, SMTP and Keycloak, however the stack was provided."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REQUIRED_ENV = ("OMS_KAFKA_BOOTSTRAP", "OMS_PG_DSN", "OMS_SMTP_HOST", "OMS_SMTP_PORT")


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
        if self.oidc_issuer is not None:
            env["OMS_OIDC_ISSUER"] = self.oidc_issuer
            env["OMS_OIDC_AUDIENCE"] = self.oidc_audience
        if self.keycloak_url is not None:
            env["OMS_KEYCLOAK_URL"] = self.keycloak_url
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
            oidc_issuer=env.get("OMS_OIDC_ISSUER") or None,
            oidc_audience=env.get("OMS_OIDC_AUDIENCE") or "csr-oms",
            keycloak_url=env.get("OMS_KEYCLOAK_URL") or None,
        )
