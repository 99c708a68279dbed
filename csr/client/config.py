"""Where the csr client finds the system and the identity provider, and where the login is kept.

From ``OMS_*`` environment variables; when they are absent, from a stack's ``env`` file (written by
``python -m devstack up``): the one in ``OMS_STACK_DIR``, else the nearest ``.stack/env`` in the
current directory or one above it (so ``csr`` works anywhere inside a checkout), else the user's
``$XDG_CONFIG_HOME/csr-oms/env`` (a deployment's endpoints, written once per workstation), so
``make demo`` needs no setup. :func:`settings_source` says which was used, and the error when Kafka
cannot be reached repeats it.
Command-line options (``--timeout``, ``--attempts``) win over both. Who the agent is and which
role they have are not settings: they come from the login (``csr login``), as the identity
provider issued it.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka.abc import AbstractTokenProvider

from csr.client.auth import (
    CSR_CLIENT_ID,
    CachedLogin,
    ClientCredentials,
    NotLoggedIn,
    PasswordLogin,
    TokenProvider,
    load_login,
)
from csr.client.errors import ConfigError


def env_files() -> list[Path]:
    """Where the settings file is looked for, in order (the first that exists is read)."""
    if os.environ.get("OMS_STACK_DIR"):
        candidates = [Path(os.environ["OMS_STACK_DIR"]) / "env"]
    else:
        here = Path.cwd()
        candidates = [folder / ".stack" / "env" for folder in (here, *here.parents)]
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return [*candidates, Path(base) / "csr-oms" / "env"]


def settings_source() -> str:
    """In words, where the endpoints came from: for the message when they do not work."""
    found = next((f for f in env_files() if f.is_file()), None)
    if found is not None:
        return f"settings from {found} (and OMS_* variables)"
    looked = ", ".join(str(f) for f in env_files()[:2]) + ", ..., " + str(env_files()[-1])
    return f"no settings file found (looked in {looked}); OMS_* variables and defaults used"


def _stack_env() -> dict[str, str]:
    env_file = next((f for f in env_files() if f.is_file()), None)
    if env_file is None:
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


def login_file(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/csr-oms/login.json`` (default ``~/.config/csr-oms/login.json``)."""
    base = (os.environ if env is None else env).get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "csr-oms" / "login.json"


def client_secret(client_id: str) -> str:
    """The secret of a confidential client (``OMS_FULFILMENT_CLIENT_SECRET`` for ``fulfilment``),
    else the dev realm's (``<client>-dev-secret``, stack/keycloak/csr-oms-realm.json): a deployment
    sets the variable, the dev stack needs nothing."""
    name = "OMS_" + client_id.upper().replace("-", "_") + "_CLIENT_SECRET"
    return os.environ.get(name) or _stack_env().get(name) or f"{client_id}-dev-secret"


@dataclass(frozen=True)
class ClientConfig:
    kafka_bootstrap: str
    topic_prefix: str
    sealing_public_key: str | None
    mail_dir: Path | None
    timeout: float
    attempts: int = 3
    kafka_options: dict[str, Any] = field(default_factory=dict)
    oidc_issuer: str | None = None
    oidc_client_id: str = CSR_CLIENT_ID
    oidc_verify: bool | str = True
    login_file: Path = field(default_factory=login_file)

    @classmethod
    def load(cls, timeout: float | None = None, attempts: int | None = None) -> ClientConfig:
        env = {**_stack_env(), **os.environ}
        mail_dir = env.get("OMS_MAIL_DIR")
        return cls(
            kafka_bootstrap=env.get("OMS_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
            topic_prefix=env.get("OMS_TOPIC_PREFIX", ""),
            sealing_public_key=_public_key(env),
            mail_dir=Path(mail_dir) if mail_dir else None,
            timeout=timeout if timeout is not None else _number(env, "OMS_REPLY_TIMEOUT_S", "15", float),
            attempts=attempts if attempts is not None else int(_number(env, "OMS_REPLY_ATTEMPTS", "3", int)),
            kafka_options=_kafka_options(env),
            oidc_issuer=env.get("OMS_OIDC_ISSUER") or None,
            oidc_client_id=env.get("OMS_CSR_CLIENT_ID") or CSR_CLIENT_ID,
            oidc_verify=env.get("OMS_OIDC_CA_FILE") or True,
            login_file=login_file(env),
        )

    def issuer(self) -> str:
        if not self.oidc_issuer:
            raise ConfigError("no identity provider configured: set OMS_OIDC_ISSUER (the realm's issuer URL)")
        return self.oidc_issuer

    def client_credentials(self, client_id: str) -> ClientCredentials:
        """A channel's or system's own client (``web-shop``, ``fulfilment``) and its secret."""
        return ClientCredentials(self.issuer(), client_id, client_secret(client_id), verify=self.oidc_verify)

    def password_login(self, username: str, password: str) -> PasswordLogin:
        return PasswordLogin(self.issuer(), username, password, self.oidc_client_id, verify=self.oidc_verify)

    def login(self) -> CachedLogin:
        """The saved login, checked to belong to this system's identity provider."""
        saved = load_login(self.login_file)
        if self.oidc_issuer and saved.issuer.rstrip("/") != self.oidc_issuer.rstrip("/"):
            raise NotLoggedIn(f"the saved login is for {saved.issuer}, this system trusts {self.oidc_issuer}")
        return CachedLogin(self.login_file, verify=self.oidc_verify)


def _public_key(env: dict[str, str]) -> str | None:
    key_file = env.get("OMS_SEALING_PUBLIC_KEY_FILE")
    if not key_file:
        return None
    try:
        return Path(key_file).read_text().strip() or None
    except OSError as exc:
        raise ConfigError(f"cannot read the sealing public key {key_file}: {exc.strerror}") from None


class KafkaTokenProvider(AbstractTokenProvider):  # type: ignore[misc]
    """Any token provider (``async def access_token() -> str``, csr/auth.py) as aiokafka's
    OAUTHBEARER one; built on first use, so commands that never reach Kafka need no login."""

    def __init__(self, make: Callable[[], TokenProvider]) -> None:
        self._make = make
        self._provider: TokenProvider | None = None

    @property
    def provider(self) -> TokenProvider:
        if self._provider is None:
            self._provider = self._make()
        return self._provider

    async def token(self) -> str:
        return await self.provider.access_token()


def _kafka_login(env: dict[str, str]) -> Callable[[], TokenProvider]:
    """Whose token Kafka gets (the broker's principal is the token's client): a channel's or
    system's client credentials, a script's user name and password (csr-cli), else the person's
    saved ``csr login``."""
    issuer = env.get("OMS_OIDC_ISSUER")
    client_id, secret = env.get("OMS_OIDC_CLIENT_ID"), env.get("OMS_OIDC_CLIENT_SECRET")
    username, password = env.get("OMS_OIDC_USERNAME"), env.get("OMS_OIDC_PASSWORD")
    verify = env.get("OMS_OIDC_CA_FILE") or True
    if issuer and username and password:
        return lambda: PasswordLogin(issuer, username, password, client_id or CSR_CLIENT_ID, verify=verify)
    if issuer and client_id and secret:
        return lambda: ClientCredentials(issuer, client_id, secret, verify=verify)
    path = login_file(env)
    return lambda: CachedLogin(path, verify=verify)


def kafka_options_for(provider: TokenProvider, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Kafka connection options for a program of one's own (README, "Using it from code"): the
    security settings of the environment (``OMS_KAFKA_*``), and with OAUTHBEARER the same token
    provider the program gives ``OmsClient``: the broker checks that token too."""
    return _kafka_options({**_stack_env(), **(os.environ if env is None else env)}, lambda: provider)


def _kafka_options(env: Mapping[str, str], login: Callable[[], TokenProvider] | None = None) -> dict[str, Any]:
    """The same Kafka security settings the services read (README, Configuration); with
    OAUTHBEARER (the dev stack's) the token of ``login``, by default :func:`_kafka_login`'s."""
    options: dict[str, Any] = {}
    protocol = env.get("OMS_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    if protocol != "PLAINTEXT":
        options["security_protocol"] = protocol
    if env.get("OMS_KAFKA_SASL_MECHANISM") == "OAUTHBEARER":
        options["sasl_mechanism"] = "OAUTHBEARER"
        options["sasl_oauth_token_provider"] = KafkaTokenProvider(login or _kafka_login(dict(env)))
    elif env.get("OMS_KAFKA_SASL_MECHANISM"):
        options["sasl_mechanism"] = env["OMS_KAFKA_SASL_MECHANISM"]
        options["sasl_plain_username"] = env.get("OMS_KAFKA_SASL_USERNAME")
        options["sasl_plain_password"] = env.get("OMS_KAFKA_SASL_PASSWORD")
    if protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = ssl.create_default_context(cafile=env.get("OMS_KAFKA_SSL_CAFILE") or None)
    return options
