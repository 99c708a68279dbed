"""Who sent a command or query: the OIDC access token it carries, verified.

A token is trusted when it is signed by one of the issuer's published keys (its JWKS) with an
allowed asymmetric algorithm, names the configured issuer and audience, and is within its
``nbf``/``iat``/``exp`` window (give or take ``OMS_OIDC_LEEWAY_S``). The actor is then taken from
its claims: the agent id from ``OMS_OIDC_AGENT_CLAIM``, the role as the most privileged OMS role
in ``OMS_OIDC_ROLES_CLAIM`` (system, supervisor, csr, channel).

The keys are fetched on first use and again when a token names a key not seen yet, so the issuer
can rotate keys while the services run; a refresh happens at most once per ten seconds, so a
flood of tokens naming made-up keys cannot turn into a flood of requests to the issuer. Verified
tokens are remembered by their SHA-256 digest until they expire, so a batch of one agent's
messages pays for one signature check, not one per message.

A token is a secret: no message, log line or exception here quotes it or its claims.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from pydantic import ValidationError

from contracts import errors
from contracts.envelope import Actor, Role
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)

AUTHORIZATION_HEADER = "authorization"
TOKEN_MAX_BYTES = 16 * 1024
# The most privileged role wins when a token carries several.
ROLE_PRECEDENCE = (Role.SYSTEM, Role.SUPERVISOR, Role.CSR, Role.CHANNEL)
KEYS_MIN_REFRESH_INTERVAL_S = 10.0
KEYS_MAX_AGE_S = 3600.0  # keys are fetched again after this even without a new kid (a key removed)
VERIFIED_CACHE_SIZE = 10_000
FETCH_TIMEOUT_S = 5.0
FETCH_MAX_BYTES = 1024 * 1024

_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# Which key types can verify which algorithms; anything else is refused before PyJWT sees it.
_KEY_TYPE = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


class Refused(Exception):
    """An access token not accepted: ``code`` is ``unauthenticated`` or ``forbidden``, ``reason`` a
    short fixed word for metrics, ``message`` which check failed, in words. None quote the token."""

    def __init__(self, code: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


def _unauthenticated(reason: str, message: str) -> Refused:
    return Refused(errors.UNAUTHENTICATED, reason, message)


class IssuerUnavailable(OSError):
    """The issuer's keys could not be fetched: an infrastructure failure, retried like PostgreSQL
    or Kafka being away (an OSError, so the dispatcher's failure policy treats it as transient)."""


@dataclass(frozen=True)
class Identity:
    """A verified token's actor, and until when (epoch seconds) the token is valid."""

    actor: Actor
    expires_at: float


FetchJson = Callable[[str], Awaitable[Any]]


def bearer_token(headers: Iterable[tuple[str, bytes | None]] | None) -> str:
    """The JWT of a record's ``authorization: Bearer <JWT>`` header, or :class:`Refused`."""
    values = [value or b"" for name, value in headers or () if name.lower() == AUTHORIZATION_HEADER]
    if not values:
        raise _unauthenticated("missing", "the message carries no access token (header authorization: Bearer <JWT>)")
    if len(values) > 1:
        raise _unauthenticated("malformed", "the message carries more than one authorization header")
    if len(values[0]) > TOKEN_MAX_BYTES:
        raise _unauthenticated("too_large", f"the access token is too large (at most {TOKEN_MAX_BYTES} bytes)")
    scheme, _, token = values[0].decode("utf-8", errors="replace").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _JWS.fullmatch(token):
        raise _unauthenticated("malformed", "the authorization header is not 'Bearer <JWT>'")
    return token


async def fetch_json(url: str) -> Any:
    """GET a JSON document (discovery, JWKS) in a thread, so the event loop never waits on it."""
    return await asyncio.to_thread(_get_json, url)


def _get_json(url: str) -> Any:
    if not url.startswith(("https://", "http://")):
        raise IssuerUnavailable(f"{url} is not an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310 - scheme checked
            body = response.read(FETCH_MAX_BYTES + 1)
    except OSError as exc:  # URLError, HTTPError, timeouts, refused connections
        raise IssuerUnavailable(f"{url}: {type(exc).__name__}") from None
    if len(body) > FETCH_MAX_BYTES:
        raise IssuerUnavailable(f"{url}: larger than {FETCH_MAX_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError:
        raise IssuerUnavailable(f"{url}: not JSON") from None


class SigningKeys:
    """The issuer's public signing keys by key id, kept up to date as the issuer rotates them."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None,
        fetch: FetchJson = fetch_json,
        clock: Callable[[], float] = time.monotonic,
        min_refresh_interval_s: float = KEYS_MIN_REFRESH_INTERVAL_S,
        max_age_s: float = KEYS_MAX_AGE_S,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self._jwks_url = jwks_url
        self._fetch = fetch
        self._clock = clock
        self._min_interval = min_refresh_interval_s
        self._max_age = max_age_s
        self._keys: dict[str, SigningKey] = {}
        self._unnamed: list[SigningKey] = []  # keys published without a kid
        self._fetched_at: float | None = None  # last successful fetch
        self._tried_at: float | None = None  # last attempt, successful or not: the rate limit
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def find(self, kid: str | None) -> SigningKey | None:
        """The key a token names; fetched again when unknown (rotation) unless fetched moments ago."""
        if self._fetched_at is None or self._clock() - self._fetched_at > self._max_age:
            if self._may_refresh():
                await self._refresh()
            if self._fetched_at is None:
                # Never fetched (the issuer was away moments ago, or is now for a caller that
                # waited for another's attempt): the message waits and is retried, not refused.
                raise IssuerUnavailable("the issuer's signing keys are not available yet")
        key = self._pick(kid)
        if key is None and self._may_refresh():
            await self._refresh()
            key = self._pick(kid)
        return key

    async def warm_up(self) -> None:
        """Fetch the keys before the first message, if the issuer answers; a failure only waits."""
        try:
            await self._refresh()
        except IssuerUnavailable as exc:
            logger.warning("the issuer's signing keys are not available yet (%s); fetched at first use", exc)

    def _pick(self, kid: str | None) -> SigningKey | None:
        if kid is not None:
            return self._keys.get(kid)
        candidates = [*self._keys.values(), *self._unnamed]
        return candidates[0] if len(candidates) == 1 else None  # without a kid, only an only key is unambiguous

    def _may_refresh(self) -> bool:
        return self._tried_at is None or self._clock() - self._tried_at >= self._min_interval

    async def _refresh(self) -> None:
        tried_before = self._tried_at
        async with self._lock:
            if self._tried_at != tried_before:
                return  # another caller refreshed while this one waited for the lock
            self._tried_at = self._clock()
            try:
                document = await self._fetch(await self._jwks_location())
                self._keys, self._unnamed = _usable_keys(document)
            except IssuerUnavailable:
                if self._fetched_at is None:
                    raise  # no key at all: nothing can be verified, so the message waits (retried)
                logger.warning("the issuer's signing keys could not be fetched again; the known keys stay in use")
                return
            self._fetched_at = self._tried_at
            self.fetches += 1
            logger.info("signing keys fetched from the issuer: %d", len(self._keys) + len(self._unnamed))

    async def _jwks_location(self) -> str:
        if self._jwks_url is None:
            discovery = await self._fetch(f"{self.issuer}/.well-known/openid-configuration")
            if not isinstance(discovery, Mapping) or not isinstance(discovery.get("jwks_uri"), str):
                raise IssuerUnavailable("the issuer's openid-configuration names no jwks_uri")
            # OpenID Connect Discovery 1.0, section 4.3: the document must be the issuer's own.
            if str(discovery.get("issuer", "")).rstrip("/") != self.issuer:
                raise IssuerUnavailable("the openid-configuration names another issuer")
            self._jwks_url = discovery["jwks_uri"]
        return self._jwks_url


@dataclass(frozen=True)
class SigningKey:
    """A published key, and the algorithm the JWK itself names, if any (else PyJWT guesses one
    from the key type, which says nothing about what the issuer meant)."""

    jwk: jwt.PyJWK
    declared_alg: str | None

    def fits(self, alg: str) -> bool:
        return self.jwk.key_type == _KEY_TYPE.get(alg[:2]) and self.declared_alg in (None, alg)


def _usable_keys(document: Any) -> tuple[dict[str, SigningKey], list[SigningKey]]:
    """Public signature keys of a JWKS. Encryption keys, symmetric keys (a published HMAC secret
    would be anyone's) and keys PyJWT cannot load are left out."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise IssuerUnavailable("the JWKS document has no keys list")
    named: dict[str, SigningKey] = {}
    unnamed: list[SigningKey] = []
    for entry in document["keys"]:
        if not isinstance(entry, Mapping) or entry.get("use", "sig") != "sig" or entry.get("kty") not in _KEY_TYPES:
            continue
        try:
            declared = entry.get("alg")
            key = SigningKey(jwt.PyJWK(dict(entry)), declared if isinstance(declared, str) else None)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
        if isinstance(entry.get("kid"), str):
            named[entry["kid"]] = key
        else:
            unnamed.append(key)
    return named, unnamed


_KEY_TYPES = frozenset(_KEY_TYPE.values())


class TokenVerifier:
    """Verifies access tokens against one issuer and maps their claims to an :class:`Actor`."""

    def __init__(
        self,
        settings: ServiceSettings,
        fetch: FetchJson = fetch_json,
        clock: Callable[[], float] = time.time,
        keys: SigningKeys | None = None,
        cache_size: int = VERIFIED_CACHE_SIZE,
    ) -> None:
        if not settings.oidc_issuer:
            raise ValueError("OMS_OIDC_ISSUER is required: the URL of the OIDC issuer whose access tokens to trust")
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.audience = settings.oidc_audience
        self.algorithms = settings.oidc_algorithm_list
        self.leeway = settings.oidc_leeway_s
        self.roles_claim = settings.oidc_roles_claim
        self.agent_claim = settings.oidc_agent_claim
        self.keys = keys or SigningKeys(self.issuer, settings.oidc_jwks_url, fetch)
        self._clock = clock
        self._verified: OrderedDict[bytes, Identity] = OrderedDict()
        self._cache_size = cache_size
        self.signature_checks = 0

    async def verify(self, token: str) -> Identity:
        """The identity of a valid token, or :class:`Refused`; :class:`IssuerUnavailable` when the
        issuer's keys cannot be had at all."""
        digest = hashlib.sha256(token.encode()).digest()
        known = self._verified.get(digest)
        if known is not None:
            if self._clock() < known.expires_at:
                self._verified.move_to_end(digest)
                return known
            del self._verified[digest]
        identity = self._identity(await self._claims(token))
        self._verified[digest] = identity
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return identity

    async def _claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _unauthenticated("malformed", "the access token is not a well-formed JWT") from None
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in self.algorithms:
            allowed = ", ".join(self.algorithms)
            raise _unauthenticated("algorithm", f"the access token's signing algorithm is not allowed ({allowed} are)")
        if kid is not None and not isinstance(kid, str):
            raise _unauthenticated("malformed", "the access token's key id is not a string")
        key = await self.keys.find(kid)
        if key is None:
            raise _unauthenticated("unknown_key", "the access token is signed by a key the issuer does not publish")
        if not key.fits(alg):
            raise _unauthenticated("algorithm", "the access token's algorithm does not match its signing key")
        self.signature_checks += 1
        try:
            return jwt.decode(
                token,
                key.jwk.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise _unauthenticated(*_why(exc)) from None
        except (TypeError, ValueError):
            raise _unauthenticated("invalid", "the access token could not be verified") from None

    def _identity(self, claims: dict[str, Any]) -> Identity:
        agent = _claim(claims, self.agent_claim)
        try:
            actor_id = Actor(agent_id=agent, role=Role.CSR).agent_id if isinstance(agent, str) else None
        except ValidationError:
            actor_id = None
        if actor_id is None:
            raise _unauthenticated("claims", f"the access token's {self.agent_claim} claim is not a usable agent id")
        roles = _claim(claims, self.roles_claim)
        held = {r for r in roles if isinstance(r, str)} if isinstance(roles, list) else set()
        role = next((r for r in ROLE_PRECEDENCE if r.value in held), None)
        if role is None:
            names = ", ".join(r.value for r in ROLE_PRECEDENCE)
            raise Refused(errors.FORBIDDEN, "no_role", f"the access token carries no OMS role ({names})")
        return Identity(Actor(agent_id=actor_id, role=role), expires_at=float(claims["exp"]))


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by dotted path (``realm_access.roles``), or None."""
    node: Any = claims
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _why(exc: jwt.PyJWTError) -> tuple[str, str]:
    """Reason and words for a failed check. PyJWT's own messages are not passed on."""
    checks: list[tuple[type[jwt.PyJWTError], str, str]] = [
        (jwt.ExpiredSignatureError, "expired", "the access token has expired"),
        (jwt.ImmatureSignatureError, "not_yet_valid", "the access token is not valid yet (nbf or iat in the future)"),
        (jwt.InvalidIssuerError, "issuer", "the access token was issued by another issuer"),
        (jwt.InvalidAudienceError, "audience", "the access token is not meant for this audience"),
        (jwt.InvalidSignatureError, "bad_signature", "the access token's signature does not verify"),
        (jwt.InvalidAlgorithmError, "algorithm", "the access token's signing algorithm is not allowed"),
        (jwt.InvalidKeyError, "algorithm", "the access token's algorithm does not match its signing key"),
        (jwt.DecodeError, "malformed", "the access token is not a well-formed JWT"),
    ]
    if isinstance(exc, jwt.MissingRequiredClaimError):
        # A token that names no audience (or issuer) was not meant for this one either.
        missing = {"aud": ("audience", "the access token is not meant for this audience (it names none)")}
        return missing.get(exc.claim, ("claims", f"the access token lacks the {exc.claim} claim"))
    for kind, reason, words in checks:
        if isinstance(exc, kind):
            return reason, words
    return "invalid", "the access token is not valid"
