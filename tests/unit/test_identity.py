"""Access tokens verified against the issuer's published keys (services/runtime/identity.py), with
keys of our own: every way a token can be wrong is refused with the right code and reason, never
echoing the token, and key rotation is picked up without a restart (PLT-09)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pydantic import ValidationError

from contracts import errors
from contracts.envelope import Actor, Role
from services.runtime.identity import (
    TOKEN_MAX_BYTES,
    IssuerUnavailable,
    Refused,
    SigningKeys,
    TokenVerifier,
    bearer_token,
    fetch_json,
)
from services.runtime.settings import ServiceSettings

ISSUER = "http://issuer.test/realms/csr-oms"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROTATED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
FOREIGN_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def jwk(key: Any, kid: str, alg: str | None = "RS256", **extra: Any) -> dict[str, Any]:
    algorithm = ECAlgorithm if alg == "ES256" else RSAAlgorithm
    published: dict[str, Any] = algorithm.to_jwk(key.public_key(), as_dict=True)
    published.update({"kid": kid, "use": "sig", **extra})
    if alg:
        published["alg"] = alg
    return published


class Issuer:
    """The issuer's discovery document and JWKS, as a fake fetcher that counts requests."""

    def __init__(self, *keys: dict[str, Any]) -> None:
        self.keys = list(keys)
        self.requests: list[str] = []
        self.down = False

    async def fetch(self, url: str) -> Any:
        self.requests.append(url)
        if self.down:
            raise IssuerUnavailable(f"{url}: ConnectionRefusedError")
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/protocol/openid-connect/certs"}
        if url == f"{ISSUER}/protocol/openid-connect/certs":
            return {"keys": self.keys}
        raise IssuerUnavailable(f"{url}: 404")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": ["csr-oms", "kafka"],
        "iat": now,
        "exp": now + 300,
        "preferred_username": "alice",
        "realm_access": {"roles": ["csr", "offline_access"]},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def token(key: Any = RSA_KEY, kid: str | None = "k1", alg: str = "RS256", **changes: Any) -> str:
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims(**changes), key, algorithm=alg, headers=headers)


def verifier(
    issuer: Issuer | None = None, clock: Any = None, cache_size: int = 10_000, **settings: Any
) -> TokenVerifier:
    """A verifier of ISSUER's tokens; ``clock`` (a :class:`Clock`) drives both the keys' rate
    limit and the cache of verified tokens."""
    issuer = issuer or Issuer(jwk(RSA_KEY, "k1"), jwk(EC_KEY, "e1", alg="ES256"))
    configured = ServiceSettings(oidc_issuer=ISSUER, **settings)
    keys = SigningKeys(ISSUER, configured.oidc_jwks_url, issuer.fetch, clock=clock or time.monotonic)
    return TokenVerifier(configured, clock=clock or time.time, keys=keys, cache_size=cache_size)


async def refused(v: TokenVerifier, jwt_text: str) -> Refused:
    with pytest.raises(Refused) as caught:
        await v.verify(jwt_text)
    words = f"{caught.value} {caught.value.message} {caught.value.reason}"
    assert not any(part and part in words for part in jwt_text.split(".")), "the refusal quotes the token"
    return caught.value


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- the header ------------------------------------------------------------------------------


def test_the_bearer_token_is_read_from_the_authorization_header() -> None:
    text = token()
    assert bearer_token([("type", b"PlaceOrder"), ("authorization", f"Bearer {text}".encode())]) == text
    assert bearer_token([("Authorization", f"bearer  {text} ".encode())]) == text


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([], "missing"),
        (None, "missing"),
        ([("authorization", b"")], "malformed"),
        ([("authorization", b"Basic YWxpY2U6YWxpY2U=")], "malformed"),
        ([("authorization", b"Bearer not-a-jwt")], "malformed"),
        ([("authorization", b"Bearer a.b.c"), ("authorization", b"Bearer a.b.c")], "malformed"),
        ([("authorization", b"Bearer " + b"a" * TOKEN_MAX_BYTES + b".b.c")], "too_large"),
    ],
)
def test_a_missing_or_malformed_header_is_unauthenticated(headers: Any, reason: str) -> None:
    with pytest.raises(Refused) as caught:
        bearer_token(headers)
    assert (caught.value.code, caught.value.reason) == (errors.UNAUTHENTICATED, reason)


# --- the token -------------------------------------------------------------------------------


async def test_a_valid_token_names_its_agent_and_role() -> None:
    identity = await verifier().verify(token())
    assert identity.actor == Actor(agent_id="alice", role=Role.CSR)
    ec_identity = await verifier().verify(token(EC_KEY, kid="e1", alg="ES256", preferred_username="bob"))
    assert ec_identity.actor == Actor(agent_id="bob", role=Role.CSR)


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        (["csr", "supervisor", "offline_access"], Role.SUPERVISOR),
        (["channel", "system"], Role.SYSTEM),
        (["channel", "csr"], Role.CSR),
        (["channel"], Role.CHANNEL),
    ],
)
async def test_the_most_privileged_oms_role_wins(roles: list[str], role: Role) -> None:
    identity = await verifier().verify(token(realm_access={"roles": roles}))
    assert identity.actor.role == role


async def test_a_token_without_an_oms_role_is_forbidden() -> None:
    refusal = await refused(verifier(), token(realm_access={"roles": ["offline_access", "uma_authorization"]}))
    assert (refusal.code, refusal.reason) == (errors.FORBIDDEN, "no_role")
    refusal = await refused(verifier(), token(realm_access=None))
    assert (refusal.code, refusal.reason) == (errors.FORBIDDEN, "no_role")


async def test_claims_are_read_where_the_settings_say() -> None:
    v = verifier(oidc_agent_claim="client_id", oidc_roles_claim="oms.roles")
    identity = await v.verify(token(client_id="web-shop", oms={"roles": ["channel"]}))
    assert identity.actor == Actor(agent_id="web-shop", role=Role.CHANNEL)


@pytest.mark.parametrize("agent", [None, "", "has spaces", "x" * 65, 42])
async def test_a_token_without_a_usable_agent_id_is_unauthenticated(agent: Any) -> None:
    refusal = await refused(verifier(), token(preferred_username=agent))
    assert (refusal.code, refusal.reason) == (errors.UNAUTHENTICATED, "claims")


def forged_hs256(public_key: Any) -> str:
    """HS256 with the issuer's PUBLIC key as the shared secret: the classic algorithm confusion."""
    secret = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(json.dumps(claims(realm_access={"roles": ["system"]})).encode())
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def unsigned() -> str:
    head = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{head}.{b64(json.dumps(claims()).encode())}."


def truncated() -> str:
    return token()[:-13]  # cut mid-character: not even base64 any more


def tampered() -> str:
    """A genuine token whose claims were changed afterwards (made a supervisor)."""
    head, _, signature = token().split(".")
    body = b64(json.dumps(claims(realm_access={"roles": ["supervisor"]})).encode())
    return f"{head}.{body}.{signature}"


def naming_another_key() -> str:
    # Signed by a key the issuer never published, under the id of one it did.
    return token(FOREIGN_KEY, kid="k1")


def ec_under_rsa_kid() -> str:
    return token(EC_KEY, kid="k1", alg="ES256")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: "abc.def.ghi", "malformed"),
        (lambda: token()[:40] + "." + token().split(".", 1)[1], "malformed"),
        (truncated, "malformed"),
        (tampered, "bad_signature"),
        (unsigned, "algorithm"),
        (lambda: forged_hs256(RSA_KEY.public_key()), "algorithm"),
        (naming_another_key, "bad_signature"),
        (ec_under_rsa_kid, "algorithm"),
        (lambda: token(FOREIGN_KEY, kid="k-unknown"), "unknown_key"),
        (lambda: token(kid=None), "unknown_key"),  # two keys published: without a kid, none is the one
        (lambda: token(exp=int(time.time()) - 60), "expired"),
        (lambda: token(nbf=int(time.time()) + 120), "not_yet_valid"),
        (lambda: token(iat=int(time.time()) + 120), "not_yet_valid"),
        (lambda: token(iss="http://elsewhere.test/realms/csr-oms"), "issuer"),
        (lambda: token(aud="account"), "audience"),
        (lambda: token(aud=None), "audience"),
        (lambda: token(exp=None), "claims"),
    ],
    ids=[
        "garbage",
        "bad-header",
        "truncated",
        "tampered-claims",
        "alg-none",
        "hs256-with-public-key",
        "foreign-key",
        "ec-token-rsa-key",
        "unknown-kid",
        "no-kid-ambiguous",
        "expired-beyond-leeway",
        "nbf-in-future",
        "iat-in-future",
        "wrong-issuer",
        "wrong-audience",
        "no-audience",
        "no-expiry",
    ],
)
async def test_every_bad_token_is_unauthenticated(make: Any, reason: str) -> None:
    refusal = await refused(verifier(), make())
    assert (refusal.code, refusal.reason) == (errors.UNAUTHENTICATED, reason)


async def test_expiry_and_not_before_allow_the_configured_leeway() -> None:
    now = int(time.time())
    assert (await verifier().verify(token(exp=now - 10))).actor.agent_id == "alice"
    assert (await verifier().verify(token(nbf=now + 10))).actor.agent_id == "alice"
    refusal = await refused(verifier(oidc_leeway_s=0), token(exp=now - 10))
    assert refusal.reason == "expired"


async def test_without_a_kid_the_only_published_key_is_used() -> None:
    v = verifier(Issuer(jwk(RSA_KEY, "k1")))
    assert (await v.verify(token(kid=None))).actor.agent_id == "alice"


async def test_an_algorithm_left_out_of_the_settings_is_refused() -> None:
    refusal = await refused(verifier(oidc_algorithms="RS256"), token(EC_KEY, kid="e1", alg="ES256"))
    assert refusal.reason == "algorithm"


async def test_a_key_published_for_another_algorithm_is_not_used_for_this_one() -> None:
    v = verifier(Issuer(jwk(RSA_KEY, "k1", alg="PS256")))
    assert (await refused(v, token())).reason == "algorithm"
    assert (await v.verify(token(alg="PS256"))).actor.agent_id == "alice"


async def test_symmetric_and_encryption_keys_in_the_jwks_are_ignored() -> None:
    secret = {"kty": "oct", "kid": "s1", "k": b64(b"published-secret-anyone-can-read"), "alg": "HS256"}
    v = verifier(Issuer(secret, jwk(RSA_KEY, "enc1", alg="RSA-OAEP", use="enc"), jwk(RSA_KEY, "k1")))
    assert (await refused(v, token(kid="enc1"))).reason == "unknown_key"
    assert (await v.verify(token())).actor.agent_id == "alice"


@pytest.mark.parametrize("algorithms", ["RS256,HS256", "none", "", "RS256,none"])
def test_settings_refuse_symmetric_algorithms_and_none(algorithms: str) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(oidc_issuer=ISSUER, oidc_algorithms=algorithms)


def test_a_verifier_needs_an_issuer() -> None:
    with pytest.raises(ValueError, match="OMS_OIDC_ISSUER"):
        TokenVerifier(ServiceSettings())


# --- keys: discovery, rotation, rate limit -----------------------------------------------------


async def test_keys_are_discovered_from_the_issuer_unless_a_jwks_url_is_given() -> None:
    issuer = Issuer(jwk(RSA_KEY, "k1"))
    await verifier(issuer).verify(token())
    assert issuer.requests == [f"{ISSUER}/.well-known/openid-configuration", f"{ISSUER}/protocol/openid-connect/certs"]

    issuer = Issuer(jwk(RSA_KEY, "k1"))
    await verifier(issuer, oidc_jwks_url=f"{ISSUER}/protocol/openid-connect/certs").verify(token())
    assert issuer.requests == [f"{ISSUER}/protocol/openid-connect/certs"]


async def test_a_rotated_key_is_fetched_and_a_flood_of_unknown_kids_does_not_hammer_the_issuer() -> None:
    clock = Clock()
    issuer = Issuer(jwk(RSA_KEY, "k1"))
    v = verifier(issuer, clock=clock)
    await v.verify(token())
    rotated = token(ROTATED_KEY, kid="k2")

    for i in range(50):  # made-up and not-yet-published kids within the rate limit: no new fetch
        await refused(v, token(FOREIGN_KEY, kid=f"bogus-{i}"))
    assert (await refused(v, rotated)).reason == "unknown_key"
    assert len(issuer.requests) == 2

    issuer.keys.append(jwk(ROTATED_KEY, "k2"))  # the issuer rotates
    clock.now += 10.5
    assert (await v.verify(rotated)).actor.agent_id == "alice"
    assert v.keys.fetches == 2
    await refused(v, token(FOREIGN_KEY, kid="bogus-again"))
    assert v.keys.fetches == 2  # just refreshed: the next fetch waits ten seconds


async def test_a_removed_key_stops_verifying_once_the_keys_are_fetched_again() -> None:
    clock = Clock()
    issuer = Issuer(jwk(RSA_KEY, "k1"), jwk(ROTATED_KEY, "k2"))
    v = verifier(issuer, clock=clock)
    await v.verify(token())
    issuer.keys = [jwk(ROTATED_KEY, "k2")]
    clock.now += 3601  # the keys are fetched again after an hour whatever the kid
    assert (await refused(v, token(preferred_username="bob"))).reason == "unknown_key"


async def test_an_unreachable_issuer_is_a_transient_failure_until_keys_are_known() -> None:
    clock = Clock()
    issuer = Issuer(jwk(RSA_KEY, "k1"))
    issuer.down = True
    v = verifier(issuer, clock=clock)
    with pytest.raises(IssuerUnavailable):
        await v.verify(token())
    with pytest.raises(IssuerUnavailable):  # rate-limited, still no key: still waiting, not refused
        await v.verify(token())
    issuer.down = False
    clock.now += 10
    assert (await v.verify(token())).actor.agent_id == "alice"
    issuer.down = True  # known keys stay in use while the issuer is away
    clock.now += 10
    assert (await refused(v, token(ROTATED_KEY, kid="k2"))).reason == "unknown_key"
    assert (await v.verify(token(preferred_username="bob"))).actor.agent_id == "bob"


async def test_callers_waiting_on_a_failed_first_fetch_wait_too_instead_of_being_refused() -> None:
    issuer = Issuer(jwk(RSA_KEY, "k1"))
    issuer.down = True
    v = verifier(issuer, clock=Clock())
    outcomes = await asyncio.gather(*(v.verify(token(jti=str(i))) for i in range(5)), return_exceptions=True)
    assert all(isinstance(o, IssuerUnavailable) for o in outcomes), outcomes
    assert len(issuer.requests) == 1  # one attempt for all of them, and none again within ten seconds


async def test_a_discovery_document_of_another_issuer_is_not_trusted() -> None:
    async def lying(url: str) -> Any:
        return {"issuer": "http://evil.test", "jwks_uri": "http://evil.test/certs"}

    v = TokenVerifier(ServiceSettings(oidc_issuer=ISSUER), fetch=lying)
    with pytest.raises(IssuerUnavailable, match="another issuer"):
        await v.verify(token())


async def test_concurrent_unknown_kids_share_one_fetch() -> None:
    clock = Clock()
    issuer = Issuer(jwk(RSA_KEY, "k1"), jwk(ROTATED_KEY, "k2"))
    v = verifier(issuer, clock=clock)
    identities = await asyncio.gather(*(v.verify(token(ROTATED_KEY, kid="k2", jti=str(i))) for i in range(20)))
    assert {i.actor.agent_id for i in identities} == {"alice"}
    assert v.keys.fetches == 1


# --- the cache of verified tokens ------------------------------------------------------------


async def test_a_verified_token_is_remembered_until_it_expires() -> None:
    clock = Clock()
    clock.now = time.time()
    v = verifier(clock=clock)
    text = token(exp=int(clock.now) + 120)
    for _ in range(5):
        await v.verify(text)
    assert v.signature_checks == 1
    clock.now += 121  # past its exp by our clock: checked again (PyJWT's clock still accepts it)
    await v.verify(text)
    assert v.signature_checks == 2


async def test_the_cache_is_bounded_and_keeps_refusals_out() -> None:
    v = verifier(cache_size=2)
    first, second, third = (token(preferred_username=name) for name in ("alice", "bob", "carol"))
    for text in (first, second, third, second, third):
        await v.verify(text)
    assert v.signature_checks == 3
    await v.verify(first)  # evicted by the other two
    assert v.signature_checks == 4
    bad = token(aud="account")
    for _ in range(2):
        await refused(v, bad)
    assert v.signature_checks == 6


# --- the real fetch, against a local HTTP server ----------------------------------------------


@pytest.fixture
def http_issuer() -> Iterator[tuple[str, dict[str, Any]]]:
    published: dict[str, Any] = {"keys": [jwk(RSA_KEY, "k1")]}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_port}/realms/csr-oms"  # type: ignore[attr-defined]
            documents = {
                "/realms/csr-oms/.well-known/openid-configuration": {
                    "issuer": base,
                    "jwks_uri": f"{base}/protocol/openid-connect/certs",
                },
                "/realms/csr-oms/protocol/openid-connect/certs": published,
            }
            body = json.dumps(documents.get(self.path, {})).encode()
            self.send_response(200 if self.path in documents else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/realms/csr-oms", published
    finally:
        server.shutdown()
        server.server_close()


async def test_keys_are_fetched_over_http_without_blocking_the_loop(http_issuer: tuple[str, dict[str, Any]]) -> None:
    issuer_url, published = http_issuer
    v = TokenVerifier(ServiceSettings(oidc_issuer=issuer_url))
    identity = await v.verify(token(iss=issuer_url))
    assert identity.actor.agent_id == "alice"
    published["keys"].append(jwk(ROTATED_KEY, "k2"))
    refusal = await refused(v, token(ROTATED_KEY, kid="k2", iss=issuer_url))
    assert refusal.reason == "unknown_key"  # fetched moments ago: rate-limited


async def test_an_issuer_that_does_not_answer_is_unavailable() -> None:
    with pytest.raises(IssuerUnavailable):
        await fetch_json("http://127.0.0.1:9/realms/csr-oms/.well-known/openid-configuration")
    with pytest.raises(IssuerUnavailable):
        await fetch_json("file:///etc/passwd")


def test_a_service_does_not_start_without_an_issuer() -> None:
    from services.runtime.main import run

    def never_built() -> Any:
        raise AssertionError("the service was built without an issuer")

    with pytest.raises(SystemExit, match="OMS_OIDC_ISSUER is required"):
        run(never_built, ServiceSettings(service_name="orders"))
