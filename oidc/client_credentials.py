"""A client's own identity towards Kafka: an OAuth 2.0 client-credentials token for SASL/OAUTHBEARER.

The broker validates the token against the identity provider's keys and takes the principal from
its ``azp`` claim (the client id), so the broker's ACLs decide what this client may read and write
(docs/security.md, "Kafka: who may write where"). The token endpoint is discovered from the issuer's
``.well-known/openid-configuration``; tokens are cached and fetched again shortly before they expire.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
import urllib.request
from typing import Any

from aiokafka.abc import AbstractTokenProvider

# Fetch a new token this long before the old one expires: a connection opened with a token that
# expires a second later is dropped by the broker at the next re-authentication.
REFRESH_MARGIN_S = 30.0
HTTP_TIMEOUT_S = 10.0


class TokenError(RuntimeError):
    """The identity provider did not give a token (the message never contains the secret)."""


def _http_json(url: str, form: dict[str, str] | None = None) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        raise TokenError(f"not an http(s) URL: {url!r}")
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310 - checked above
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise TokenError(f"{url} answered {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise TokenError(f"{url} could not be read: {exc}") from None
    if not isinstance(body, dict):
        raise TokenError(f"{url} did not answer a JSON object")
    return body


def discover_token_endpoint(issuer: str) -> str:
    config = _http_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    endpoint = config.get("token_endpoint")
    if not isinstance(endpoint, str):
        raise TokenError(f"{issuer} publishes no token_endpoint")
    return endpoint


class ClientCredentialsTokenProvider(AbstractTokenProvider):  # type: ignore[misc]
    """aiokafka's OAUTHBEARER token provider for a confidential client (also ``access_token()``)."""

    def __init__(self, issuer: str, client_id: str, client_secret: str) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self._form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        self._token_endpoint: str | None = None
        self._token: str | None = None
        self._expires_at = 0.0
        # A thread lock, not an asyncio one: the provider is shared by every Kafka client of the
        # process, and devstack's checks run each in an event loop of their own.
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the secret, never the token
        return f"ClientCredentialsTokenProvider(issuer={self.issuer!r}, client_id={self.client_id!r})"

    async def token(self) -> str:
        return await self.access_token()

    async def access_token(self) -> str:
        return await asyncio.to_thread(self._current)

    def _current(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at - REFRESH_MARGIN_S:
                self._token, lifetime = self._fetch()
                self._expires_at = time.monotonic() + lifetime
            return self._token

    def _fetch(self) -> tuple[str, float]:
        if self._token_endpoint is None:
            self._token_endpoint = discover_token_endpoint(self.issuer)
        answer = _http_json(self._token_endpoint, self._form)
        token = answer.get("access_token")
        if not isinstance(token, str):
            raise TokenError(f"the token endpoint gave client {self.client_id!r} no access token")
        return token, float(answer.get("expires_in", 60))


class PasswordTokenProvider(ClientCredentialsTokenProvider):
    """A person's token from their user name and password (resource-owner password grant on a public
    client such as csr-cli): for scripts and tests; people at a terminal use `csr login`."""

    def __init__(self, issuer: str, client_id: str, username: str, password: str) -> None:
        super().__init__(issuer, client_id, "")
        self._form = {"grant_type": "password", "client_id": client_id, "username": username, "password": password}

    def __repr__(self) -> str:
        return f"PasswordTokenProvider(issuer={self.issuer!r}, client_id={self.client_id!r})"


_PROVIDERS: dict[tuple[str, str, str], ClientCredentialsTokenProvider] = {}


def client_credentials(issuer: str, client_id: str, client_secret: str) -> ClientCredentialsTokenProvider:
    """One provider (one cached token) per client in this process, however many Kafka clients use it."""
    key = (issuer, client_id, client_secret)
    if key not in _PROVIDERS:
        _PROVIDERS[key] = ClientCredentialsTokenProvider(issuer, client_id, client_secret)
    return _PROVIDERS[key]
