"""Access tokens from an OpenID Connect identity provider (Keycloak in the dev stack).

Who sends a command is whoever the identity provider says the token belongs to, never a value the
client chose: every command and query record carries ``authorization: Bearer <access token>``
and the services verify it. A *token provider* is any object with ``async def access_token() ->
str``; the ones here keep the token they got and fetch a new one shortly before it expires (with
the refresh token when the provider gave one, else with a new grant):

- :class:`ClientCredentials`: a channel or system (``web-shop``, ``fulfilment``) with its own
  client id and secret;
- :class:`PasswordLogin`: a person's user name and password (the dev realm; tests and the demo);
- :class:`CachedLogin`: the login ``csr login`` saved (device authorization or password grant);
- :class:`StaticToken`: a token obtained elsewhere, as it is.

The token endpoint is discovered from the issuer's ``/.well-known/openid-configuration``.
Nothing here logs or prints a token, and no error message contains one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import httpx

from contracts.envelope import Role
from csr.client.errors import EXIT_REJECTED, EXIT_UNAVAILABLE, ClientError, ConfigError
from csr.client.private_file import write_private

__all__ = [
    "CSR_CLIENT_ID",
    "CachedLogin",
    "ClientCredentials",
    "DeviceCode",
    "IdentityProviderUnavailable",
    "LoginRefused",
    "NotLoggedIn",
    "PasswordLogin",
    "StaticToken",
    "TokenProvider",
    "Tokens",
    "claims",
    "device_login",
    "end_session",
    "forget_login",
    "identity",
    "load_login",
    "save_login",
]

CSR_CLIENT_ID = "csr-cli"
"""The public client people log in with (device authorization and password grants)."""

REFRESH_MARGIN_S = 30.0
"""A token is renewed when less than this (or a third of its lifetime, if shorter) is left, so a
record never leaves with a token that expires before the service reads it."""

HTTP_TIMEOUT_S = 10.0
ROLE_ORDER = (Role.SYSTEM, Role.SUPERVISOR, Role.CSR, Role.CHANNEL)
"""Most privileged first: a token's role is the first of these it carries (as the services read it)."""


class TokenProvider(Protocol):
    async def access_token(self) -> str: ...


# --- errors --------------------------------------------------------------------------------


class NotLoggedIn(ConfigError):
    kind = "not_logged_in"

    def __init__(self, why: str = "not logged in") -> None:
        super().__init__(f"{why}: run csr login")


class LoginRefused(ClientError):
    """The identity provider refused the grant (wrong password, disabled user, unknown client)."""

    exit_code = EXIT_REJECTED
    kind = "login_refused"

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(f"the identity provider refused: {error}" + (f" ({description})" if description else ""))
        self.error = error


class IdentityProviderUnavailable(ClientError):
    exit_code = EXIT_UNAVAILABLE
    kind = "identity_provider_unavailable"


# --- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """What a token endpoint answered, with its expiry as wall-clock time (a saved login outlives
    the process that made it)."""

    access_token: str
    expires_at: float
    refresh_token: str | None = None
    refresh_expires_at: float | None = None

    @classmethod
    def from_response(cls, data: Mapping[str, Any], now: float | None = None) -> Tokens:
        now = time.time() if now is None else now
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise LoginRefused("invalid_response", "the token endpoint answered without an access token")
        refresh = data.get("refresh_token") if isinstance(data.get("refresh_token"), str) else None
        # Keycloak says refresh_expires_in 0 for offline tokens: they do not expire by time.
        refresh_in = data.get("refresh_expires_in")
        refresh_expiry = None
        if refresh and isinstance(refresh_in, int | float) and refresh_in:
            refresh_expiry = now + float(refresh_in)
        return cls(access, now + float(data.get("expires_in") or 60), refresh, refresh_expiry)

    def usable(self, now: float, margin: float = REFRESH_MARGIN_S) -> bool:
        return self.expires_at - now > margin

    def refreshable(self, now: float) -> bool:
        return self.refresh_token is not None and (self.refresh_expires_at is None or self.refresh_expires_at - now > 5)

    def __repr__(self) -> str:  # a token in a traceback or a log line is a leaked token
        return f"Tokens(expires_at={self.expires_at:.0f}, refresh={'yes' if self.refresh_token else 'no'})"


TokensSeen = Callable[[Tokens], None]
"""Told of every token set a provider receives (tests record them to scan for leaks)."""


# --- talking to the identity provider ------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    token: str
    device_authorization: str | None = None
    end_session: str | None = None


_DISCOVERED: dict[str, Endpoints] = {}


class IdentityProvider:
    """An issuer's endpoints, discovered once per process, and the form posts to them."""

    def __init__(
        self,
        issuer: str,
        *,
        token_endpoint: str | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not issuer:
            raise ConfigError("no identity provider configured: set OMS_OIDC_ISSUER")
        self.issuer = issuer.rstrip("/")
        self._token_endpoint = token_endpoint
        self._verify = verify
        self._transport = transport

    def _http(self) -> httpx.AsyncClient:
        # One short-lived HTTP client per call: tokens are fetched every few minutes at most, and a
        # client bound to one event loop would break a provider used across asyncio.run calls.
        return httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, verify=self._verify, transport=self._transport)

    async def endpoints(self) -> Endpoints:
        if self._token_endpoint:
            return Endpoints(self._token_endpoint)
        found = _DISCOVERED.get(self.issuer)
        if found is None:
            url = self.issuer + "/.well-known/openid-configuration"
            document = await self._get_json(url)
            token = document.get("token_endpoint")
            if not isinstance(token, str):
                raise IdentityProviderUnavailable(f"{url} names no token_endpoint")
            device, end = document.get("device_authorization_endpoint"), document.get("end_session_endpoint")
            found = _DISCOVERED[self.issuer] = Endpoints(
                token, device if isinstance(device, str) else None, end if isinstance(end, str) else None
            )
        return found

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._http() as http:
                response = await http.get(url)
        except httpx.HTTPError as exc:
            raise IdentityProviderUnavailable(f"cannot reach the identity provider at {url}: {exc}") from None
        if response.status_code != 200:
            raise IdentityProviderUnavailable(f"{url} answered HTTP {response.status_code}")
        return _json_object(response, url)

    async def post(self, url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """POST a form; the status and the JSON answer (an OAuth error is JSON too)."""
        try:
            async with self._http() as http:
                response = await http.post(url, data=form, headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            raise IdentityProviderUnavailable(f"cannot reach the identity provider at {url}: {exc}") from None
        if response.status_code >= 500:
            raise IdentityProviderUnavailable(f"{url} answered HTTP {response.status_code}")
        if not response.content:  # 204 (a logout) has no body
            return response.status_code, {}
        return response.status_code, _json_object(response, url)

    async def grant(self, form: dict[str, str]) -> Tokens:
        status, answer = await self.post((await self.endpoints()).token, form)
        if status != 200:
            raise _refusal(answer, status)
        return Tokens.from_response(answer)


def _json_object(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        raise IdentityProviderUnavailable(f"{url} did not answer JSON (HTTP {response.status_code})") from None
    if not isinstance(document, dict):
        raise IdentityProviderUnavailable(f"{url} did not answer a JSON object")
    return document


def _refusal(answer: Mapping[str, Any], status: int) -> LoginRefused:
    error = answer.get("error")
    description = answer.get("error_description")
    return LoginRefused(str(error) if error else f"HTTP {status}", str(description)[:200] if description else None)


# --- providers -----------------------------------------------------------------------------


class _LoopLock:
    """One renewal at a time per provider, so concurrent sends share one new token; a new lock
    for each event loop, since a provider may outlive an ``asyncio.run``."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock


class _GrantProvider:
    """Caches the tokens of one grant; renews them with the refresh token, else a new grant."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        *,
        client_secret: str | None = None,
        token_endpoint: str | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        on_tokens: TokensSeen | None = None,
    ) -> None:
        self.provider = IdentityProvider(issuer, token_endpoint=token_endpoint, verify=verify, transport=transport)
        self.client_id = client_id
        self._client_secret = client_secret
        self._on_tokens = on_tokens
        self._tokens: Tokens | None = None
        self._guard = _LoopLock()

    @property
    def issuer(self) -> str:
        return self.provider.issuer

    def _client_form(self) -> dict[str, str]:
        form = {"client_id": self.client_id}
        if self._client_secret:
            form["client_secret"] = self._client_secret
        return form

    def _grant_form(self) -> dict[str, str]:
        raise NotImplementedError

    async def tokens(self) -> Tokens:
        """The current tokens, renewed first when they are about to expire."""
        async with self._guard.lock():
            now = time.time()
            if self._tokens is not None and self._tokens.usable(now):
                return self._tokens
            self._tokens = await self._renew(now)
            if self._on_tokens is not None:
                self._on_tokens(self._tokens)
            return self._tokens

    async def access_token(self) -> str:
        return (await self.tokens()).access_token

    async def _renew(self, now: float) -> Tokens:
        if self._tokens is not None and self._tokens.refreshable(now):
            assert self._tokens.refresh_token is not None
            form = {**self._client_form(), "grant_type": "refresh_token", "refresh_token": self._tokens.refresh_token}
            # A refresh token the provider no longer honours (session ended, provider restarted)
            # is no reason to fail: the credentials this provider holds can ask again.
            with contextlib.suppress(LoginRefused):
                return await self.provider.grant(form)
        return await self.provider.grant({**self._client_form(), **self._grant_form()})


class ClientCredentials(_GrantProvider):
    """A channel or system with its own confidential client (``web-shop``, ``fulfilment``)."""

    def __init__(self, issuer: str, client_id: str, secret: str, **options: Any) -> None:
        super().__init__(issuer, client_id, client_secret=secret, **options)

    def _grant_form(self) -> dict[str, str]:
        return {"grant_type": "client_credentials"}

    def __repr__(self) -> str:
        return f"ClientCredentials({self.issuer!r}, {self.client_id!r}, secret=***)"


class PasswordLogin(_GrantProvider):
    """A person's user name and password (the resource owner password grant of the dev realm)."""

    def __init__(
        self, issuer: str, username: str, password: str, client_id: str = CSR_CLIENT_ID, **options: Any
    ) -> None:
        super().__init__(issuer, client_id, **options)
        self.username = username
        self._password = password

    def _grant_form(self) -> dict[str, str]:
        return {"grant_type": "password", "username": self.username, "password": self._password}

    def __repr__(self) -> str:
        return f"PasswordLogin({self.issuer!r}, {self.username!r}, password=***, client_id={self.client_id!r})"


class StaticToken:
    """A token obtained elsewhere, used as it is until the services refuse it."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ConfigError("an empty access token")
        self._token = token

    async def access_token(self) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticToken(***)"


# --- the saved login of ``csr login`` -------------------------------------------------------


@dataclass(frozen=True)
class SavedLogin:
    issuer: str
    client_id: str
    tokens: Tokens


def load_login(path: Path) -> SavedLogin:
    try:
        raw = json.loads(path.read_text())
        tokens = raw["tokens"]
        return SavedLogin(
            str(raw["issuer"]),
            str(raw["client_id"]),
            Tokens(
                str(tokens["access_token"]),
                float(tokens["expires_at"]),
                tokens.get("refresh_token"),
                tokens.get("refresh_expires_at"),
            ),
        )
    except FileNotFoundError:
        raise NotLoggedIn() from None
    except (OSError, ValueError, KeyError, TypeError):
        raise NotLoggedIn(f"the saved login {path} cannot be read") from None


def save_login(path: Path, login: SavedLogin) -> None:
    """Write the login readable by its owner only, never half written (:func:`write_private`)."""
    document = json.dumps({"issuer": login.issuer, "client_id": login.client_id, "tokens": asdict(login.tokens)})
    write_private(path, document)


def forget_login(path: Path) -> bool:
    """Delete the saved login; whether there was one."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


async def end_session(login: SavedLogin, *, verify: bool | str = True) -> bool:
    """Ask the identity provider to end the login's session (its refresh token stops working);
    whether it said yes. The provider may be away: forgetting the login locally still counts."""
    if login.tokens.refresh_token is None:
        return False
    provider = IdentityProvider(login.issuer, verify=verify)
    try:
        endpoint = (await provider.endpoints()).end_session
        if endpoint is None:
            return False
        form = {"client_id": login.client_id, "refresh_token": login.tokens.refresh_token}
        status, _ = await provider.post(endpoint, form)
    except (IdentityProviderUnavailable, ConfigError):
        return False
    return status in (200, 204)


class CachedLogin:
    """The login ``csr login`` saved at ``path``; renewed with its refresh token (and saved again)
    when the access token is about to expire. When that fails the user must log in again."""

    def __init__(
        self,
        path: Path,
        *,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        on_tokens: TokensSeen | None = None,
    ) -> None:
        self.path = path
        self._verify = verify
        self._transport = transport
        self._on_tokens = on_tokens
        self._guard = _LoopLock()

    async def access_token(self) -> str:
        # one renewal at a time: concurrent sends of one process share the renewed token
        async with self._guard.lock():
            return await self._access_token()

    async def _access_token(self) -> str:
        login = load_login(self.path)
        now = time.time()
        if login.tokens.usable(now):
            return login.tokens.access_token
        if not login.tokens.refreshable(now):
            raise NotLoggedIn("your login has expired")
        provider = IdentityProvider(login.issuer, verify=self._verify, transport=self._transport)
        assert login.tokens.refresh_token is not None
        refresh = login.tokens.refresh_token
        form = {"client_id": login.client_id, "grant_type": "refresh_token", "refresh_token": refresh}
        try:
            tokens = await provider.grant(form)
        except LoginRefused:
            raise NotLoggedIn("your login has ended") from None
        if tokens.refresh_token is None:  # some providers do not rotate it: keep the one we have
            tokens = replace(tokens, refresh_token=login.tokens.refresh_token)
        save_login(self.path, replace(login, tokens=tokens))
        if self._on_tokens is not None:
            self._on_tokens(tokens)
        return tokens.access_token

    def __repr__(self) -> str:
        return f"CachedLogin({str(self.path)!r})"


# --- the device authorization grant (RFC 8628) ----------------------------------------------


@dataclass(frozen=True)
class DeviceCode:
    """What the user is shown: where to go and which code to enter."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float


async def device_login(
    issuer: str,
    client_id: str,
    show: Callable[[DeviceCode], None],
    *,
    verify: bool | str = True,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Tokens:
    """Ask for a device code, ``show`` the user where to confirm it, and poll until they have."""
    provider = IdentityProvider(issuer, verify=verify, transport=transport)
    endpoints = await provider.endpoints()
    if not endpoints.device_authorization:
        raise ConfigError(f"{issuer} offers no device authorization grant: use csr login --password")
    status, started = await provider.post(endpoints.device_authorization, {"client_id": client_id})
    if status != 200 or "device_code" not in started:
        raise _refusal(started, status)
    show(
        DeviceCode(
            str(started["user_code"]),
            str(started["verification_uri"]),
            started.get("verification_uri_complete"),
            float(started.get("expires_in") or 600),
        )
    )
    interval = float(started.get("interval") or 5)
    deadline = time.monotonic() + float(started.get("expires_in") or 600)
    form = {
        "client_id": client_id,
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": str(started["device_code"]),
    }
    while time.monotonic() < deadline:
        await sleep(interval)
        status, answer = await provider.post(endpoints.token, form)
        if status == 200:
            return Tokens.from_response(answer)
        error = answer.get("error")
        if error == "slow_down":
            interval += 5  # RFC 8628, 3.5
        elif error != "authorization_pending":
            raise _refusal(answer, status)
    raise LoginRefused("expired_token", "the code was not confirmed in time")


# --- what a token says -----------------------------------------------------------------------


def claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, read WITHOUT checking its signature: for showing who the saved login
    is (``csr whoami``), never for deciding anything; the services verify every token."""
    parts = token.split(".")
    if len(parts) != 3:
        raise NotLoggedIn("the saved access token is not a JWT")
    body = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        document = json.loads(base64.urlsafe_b64decode(body))
    except (ValueError, binascii.Error):
        raise NotLoggedIn("the saved access token cannot be read") from None
    if not isinstance(document, dict):
        raise NotLoggedIn("the saved access token cannot be read")
    return document


def _claim(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def identity(
    document: Mapping[str, Any],
    *,
    roles_claim: str = "realm_access.roles",
    agent_claim: str = "preferred_username",
) -> tuple[str | None, Role | None]:
    """(agent id, OMS role) as the services read them from a token's claims."""
    agent = _claim(document, agent_claim)
    roles = _claim(document, roles_claim)
    held = set(roles) if isinstance(roles, list) else set()
    role = next((r for r in ROLE_ORDER if r.value in held), None)
    return (str(agent) if agent is not None else None), role
