"""Where the csr client finds the system, and who the agent is.

From ``OMS_*`` environment variables; when they are absent, from the local development stack's
``.stack/env`` file (written by ``python -m devstack up``), so ``make demo`` needs no setup.
Command-line options (``--agent``, ``--role``, ``--timeout``, ``--attempts``) win over both.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aiokafka.abc import AbstractTokenProvider
from pydantic import ValidationError

from contracts.envelope import Actor, Role
from csr.errors import ConfigError
from oidc.client_credentials import PasswordTokenProvider, client_credentials

DEFAULT_AGENT = "csr-demo"
CSR_CLIENT_ID = "csr-cli"  # the public client people log in with (Keycloak realm csr-oms)


class AccessTokenProvider(Protocol):
    async def access_token(self) -> str: ...


def _stack_env() -> dict[str, str]:
    stack_dir = Path(os.environ.get("OMS_STACK_DIR", Path.cwd() / ".stack"))
    env_file = stack_dir / "env"
    if not env_file.exists():
        return {}
    pairs = (line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def _number(env: dict[str, str], name: str, default: str, kind: type[float] | type[int]) -> float:
    raw = env.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0")
    return value


@dataclass(frozen=True)
class ClientConfig:
    kafka_bootstrap: str
    topic_prefix: str
    sealing_public_key: str | None
    mail_dir: Path | None
    actor: Actor
    timeout: float
    attempts: int = 3
    kafka_options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        agent_id: str | None = None,
        role: str | None = None,
        timeout: float | None = None,
        attempts: int | None = None,
        login: AccessTokenProvider | None = None,
    ) -> ClientConfig:
        """``login``: the token provider of the person using the client (csr/auth.py); it also
        authenticates them to Kafka when Kafka wants OAUTHBEARER."""
        env = {**_stack_env(), **os.environ}
        mail_dir = env.get("OMS_MAIL_DIR")
        return cls(
            kafka_bootstrap=env.get("OMS_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
            topic_prefix=env.get("OMS_TOPIC_PREFIX", ""),
            sealing_public_key=_public_key(env),
            mail_dir=Path(mail_dir) if mail_dir else None,
            actor=_actor(agent_id or env.get("OMS_AGENT_ID", DEFAULT_AGENT), role or env.get("OMS_ROLE", "csr")),
            timeout=timeout if timeout is not None else _number(env, "OMS_REPLY_TIMEOUT_S", "15", float),
            attempts=attempts if attempts is not None else int(_number(env, "OMS_REPLY_ATTEMPTS", "3", int)),
            kafka_options=_kafka_options(env, login),
        )

    def with_actor(self, agent_id: str, role: Role) -> ClientConfig:
        return ClientConfig(**{**self.__dict__, "actor": Actor(agent_id=agent_id, role=role)})


def _actor(agent_id: str, role: str) -> Actor:
    try:
        parsed_role = Role(role.lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ConfigError(f"role {role!r} is not one of {allowed}") from None
    try:
        return Actor(agent_id=agent_id, role=parsed_role)
    except ValidationError:
        raise ConfigError(
            f"agent id {agent_id!r} must be 1-64 letters, digits or . _ @ : - (set --agent or OMS_AGENT_ID)"
        ) from None


def _public_key(env: dict[str, str]) -> str | None:
    key_file = env.get("OMS_SEALING_PUBLIC_KEY_FILE")
    if not key_file:
        return None
    try:
        return Path(key_file).read_text().strip() or None
    except OSError as exc:
        raise ConfigError(f"cannot read the sealing public key {key_file}: {exc.strerror}") from None


class KafkaTokenProvider(AbstractTokenProvider):  # type: ignore[misc]
    """Any token provider (``async def access_token() -> str``, csr/auth.py) as aiokafka's OAUTHBEARER one."""

    def __init__(self, provider: AccessTokenProvider) -> None:
        self.provider = provider

    async def token(self) -> str:
        return await self.provider.access_token()


def _oauth_provider(env: dict[str, str], login: AccessTokenProvider | None) -> AccessTokenProvider:
    """Whose token Kafka gets: a CSR's login, else the client credentials of a channel or system."""
    if login is not None:
        return login
    client_id, secret = env.get("OMS_OIDC_CLIENT_ID"), env.get("OMS_OIDC_CLIENT_SECRET")
    issuer = env.get("OMS_OIDC_ISSUER")
    username, password = env.get("OMS_OIDC_USERNAME"), env.get("OMS_OIDC_PASSWORD")
    if issuer and username and password:  # scripts and tests; people at a terminal use `csr login`
        return PasswordTokenProvider(issuer, client_id or CSR_CLIENT_ID, username, password)
    if issuer and client_id and secret:
        return client_credentials(issuer, client_id, secret)
    raise ConfigError(
        "Kafka wants an OAuth token (OMS_KAFKA_SASL_MECHANISM=OAUTHBEARER): log in first, or set "
        "OMS_OIDC_ISSUER and OMS_OIDC_CLIENT_ID with OMS_OIDC_CLIENT_SECRET (a channel or system) "
        "or OMS_OIDC_USERNAME and OMS_OIDC_PASSWORD (a person, for scripts)"
    )


def _kafka_options(env: dict[str, str], login: AccessTokenProvider | None = None) -> dict[str, Any]:
    """The same Kafka security settings the services read (README, Configuration); with OAUTHBEARER,
    the token of ``login`` (a CSR's ``csr login``) or the client's own credentials."""
    options: dict[str, Any] = {}
    protocol = env.get("OMS_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    if protocol != "PLAINTEXT":
        options["security_protocol"] = protocol
    if env.get("OMS_KAFKA_SASL_MECHANISM") == "OAUTHBEARER":
        options["sasl_mechanism"] = "OAUTHBEARER"
        options["sasl_oauth_token_provider"] = KafkaTokenProvider(_oauth_provider(env, login))
    elif env.get("OMS_KAFKA_SASL_MECHANISM"):
        options["sasl_mechanism"] = env["OMS_KAFKA_SASL_MECHANISM"]
        options["sasl_plain_username"] = env.get("OMS_KAFKA_SASL_USERNAME")
        options["sasl_plain_password"] = env.get("OMS_KAFKA_SASL_PASSWORD")
    if protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = ssl.create_default_context(cafile=env.get("OMS_KAFKA_SSL_CAFILE") or None)
    return options
