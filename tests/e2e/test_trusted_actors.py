"""Trusted actors through the real stack (PLT-09, PLT-06): Keycloak issues the tokens, the services
verify them against its published keys and act for whoever the token names.

Every kind of bad token is refused `unauthenticated` and changes nothing (not even the inbox); a
genuine CSR token cannot do what only a supervisor may, nor pass itself off as the supervisor; the
supervisor's own token can, and the supervisor's id is what the order records; and when Keycloak
rotates its signing key the running services accept tokens signed with the new key.

The services of this module run with a leeway of one second, so a Keycloak token of one second
(client ``csr-cli-short``) is expired moments after it was issued.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from contracts import errors
from contracts.envelope import Actor, ReplyV1, Role
from contracts.orders import BlockOrderV1, GetOrderV1, TakeOverLockV1, UnblockOrderV1
from contracts.sealing import generate_private_key
from csr.client import OmsClient
from csr.client.auth import StaticToken
from devstack import keycloak
from devstack.endpoints import StackEndpoints
from tests.support.identity import Identities
from tests.support.orders import accepted, add_product, rejected, submitted, view
from tests.support.secrets import record_tokens
from tests.support.system import System

pytestmark = pytest.mark.timeout(600)


@dataclass
class OneSecondLeeway(System):
    def base_env(self) -> dict[str, str]:
        return {**super().base_env(), "OMS_OIDC_LEEWAY_S": "1"}


@pytest.fixture(scope="module")
def trusted(stack: StackEndpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    workdir = tmp_path_factory.mktemp("trusted")
    system = OneSecondLeeway(stack, uuid.uuid4().hex[:8], workdir, generate_private_key())
    system.start()
    try:
        yield system
    finally:
        system.stop()


@pytest.fixture(scope="module")
async def alice(trusted: System) -> AsyncIterator[OmsClient]:
    async with trusted.client("trusted-alice", Role.CSR) as client:
        yield client


@pytest.fixture(scope="module")
async def sam(trusted: System) -> AsyncIterator[OmsClient]:
    async with trusted.client("trusted-sam", Role.SUPERVISOR) as client:
        yield client


@pytest.fixture(scope="module")
async def feed(trusted: System) -> AsyncIterator[OmsClient]:
    async with trusted.client("trusted-feed", Role.SYSTEM) as client:
        yield client


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def genuine(stack: StackEndpoints, username: str, role: Role, client_id: str = "csr-cli") -> str:
    """A token Keycloak issued to ``username`` (made to hold ``role``) through ``client_id``."""
    assert stack.oidc_issuer
    password = Identities.of(stack).password(username, role)
    token = str(keycloak.password_grant(stack.oidc_issuer, username, password, client_id=client_id)["access_token"])
    record_tokens(token)  # the secrets scan looks for it everywhere afterwards
    return token


def resigned(token: str, header: dict[str, Any], key: Any, claims: dict[str, Any] | None = None) -> str:
    """The same claims (or others) under another header, signed with another key."""
    body = claims or jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(body, key, algorithm=header.get("alg", "RS256"), headers=header)


def unsigned(token: str) -> str:
    head = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{head}.{token.split('.')[1]}."


def hs256_with_the_public_key(stack: StackEndpoints, token: str) -> str:
    """HS256 keyed with the realm's PUBLIC key: the classic algorithm confusion."""
    assert stack.oidc_issuer
    kid = jwt.get_unverified_header(token)["kid"]
    published = keycloak._request("GET", keycloak.discovery(stack.oidc_issuer)["jwks_uri"])[2]
    [key] = [k for k in published["keys"] if k["kid"] == kid]
    pem = jwt.PyJWK(key).key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = token.split(".")[1]
    signature = hmac.new(pem, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{b64(signature)}"


async def send_with(trusted: System, token: str | None, message: Any, message_id: uuid.UUID) -> ReplyV1:
    client = OmsClient(
        trusted.stack.kafka_bootstrap,
        StaticToken(token) if token else None,
        topic_prefix=trusted.prefix,
        reply_topic=f"replies.{uuid.uuid4().hex[:8]}",
        timeout=30,
        kafka_options=trusted.stack.kafka_admin_auth(),
    )
    async with client:
        return await client.send(message, message_id=message_id)


@pytest.mark.capability("PLT-09")
async def test_every_kind_of_bad_token_is_refused_unauthenticated_and_changes_nothing(
    trusted: System, feed: OmsClient, alice: OmsClient
) -> None:
    stack = trusted.stack
    sku = await add_product(feed, usd="12.00")
    order_id, _ = await submitted(alice, [(sku, 1)])
    real = genuine(stack, "trusted-alice", Role.CSR)
    header = jwt.get_unverified_header(real)
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    short = genuine(stack, "trusted-alice", Role.CSR, client_id="csr-cli-short")  # lives five seconds
    assert stack.keycloak_url
    master = keycloak.admin_token(stack.keycloak_url)  # another realm: another issuer, other keys
    record_tokens(master)
    no_audience = genuine(stack, "trusted-alice", Role.CSR, client_id="admin-cli")  # not meant for csr-oms
    # Wait until the short token (csr-cli-short: five seconds) is expired beyond the services'
    # one-second leeway, by its own claims.
    expires = jwt.decode(short, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(0.0, expires + 1.5 - time.time()))

    cases: dict[str, tuple[str | None, str]] = {
        "missing": (None, "carries no access token"),
        "garbage": ("not.a.jwt", "not a well-formed JWT"),
        "truncated": (real[:-25], ""),  # not base64 any more, or not the signature: either way
        "alg none": (unsigned(real), "algorithm is not allowed"),
        "hs256 keyed with the public key": (hs256_with_the_public_key(stack, real), "algorithm is not allowed"),
        "foreign key under the realm's kid": (resigned(real, header, foreign), "signature does not verify"),
        "unknown kid": (resigned(real, {**header, "kid": "not-published"}, foreign), "does not publish"),
        "expired": (short, "expired"),
        "another issuer": (master, "does not publish"),
        "another audience": (no_audience, "not meant for this audience"),
    }
    block = BlockOrderV1(order_id=order_id, reason="fraud", note="refused tokens first")
    before = await view(alice, order_id)
    for name, (token, words) in cases.items():
        message_id = uuid.uuid4()
        reply = await send_with(trusted, token, block, message_id)
        assert (reply.status, reply.code) == ("rejected", errors.UNAUTHENTICATED), name
        assert words in (reply.message or ""), (name, reply.message)
        assert token is None or token not in (reply.model_dump_json()), name
        seen = await trusted.fetch("orders", "SELECT count(*) AS n FROM inbox WHERE message_id = $1", message_id)
        assert seen[0]["n"] == 0, f"{name}: an unauthenticated message was claimed in the inbox"
    assert await view(alice, order_id) == before

    # The same message, retried with the same id and a genuine token, is handled: nothing held it.
    accepted(await send_with(trusted, genuine(stack, "trusted-alice", Role.CSR), block, message_id))
    blocked = (await view(alice, order_id)).order.block
    assert blocked is not None and (blocked.by, blocked.note) == ("trusted-alice", "refused tokens first")


@pytest.mark.capability("PLT-06", "PLT-09")
async def test_only_a_supervisors_genuine_token_unblocks_and_the_supervisor_is_recorded(
    trusted: System, feed: OmsClient, alice: OmsClient, sam: OmsClient
) -> None:
    sku = await add_product(feed, usd="30.00")
    order_id, _ = await submitted(alice, [(sku, 1)])
    accepted(await alice.send(BlockOrderV1(order_id=order_id, reason="fraud", note="three countries in an hour")))

    refused = rejected(await alice.send(UnblockOrderV1(order_id=order_id, note="looks fine")), errors.FORBIDDEN)
    assert refused.message == "role csr may not UnblockOrder; allowed: supervisor"

    # A CSR's genuine token in an envelope that claims to be the supervisor: refused, and recorded
    # in the inbox as what it was, the CSR's attempt.
    posing = alice.envelope(UnblockOrderV1(order_id=order_id, note="trust me")).model_copy(
        update={"actor": Actor(agent_id="trusted-sam", role=Role.SUPERVISOR)}
    )
    reply = await alice.send_envelope(posing, UnblockOrderV1.TOPIC, str(order_id))
    assert (reply.code, reply.message) == (errors.FORBIDDEN, "the envelope's actor does not match the access token")
    [row] = await trusted.fetch(
        "orders", "SELECT actor_id, actor_role, outcome FROM inbox WHERE message_id = $1", posing.message_id
    )
    assert dict(row) == {"actor_id": "trusted-alice", "actor_role": "csr", "outcome": "rejected"}
    assert (await view(alice, order_id)).order.block is not None

    accepted(await sam.send(TakeOverLockV1(order_id=order_id)))
    unblock = sam.envelope(UnblockOrderV1(order_id=order_id, note="customer verified"))
    accepted(await sam.send_envelope(unblock, UnblockOrderV1.TOPIC, str(order_id)))

    details = await view(alice, order_id)
    assert details.order.block is None
    assert (details.versions[-1].change, details.versions[-1].changed_by) == ("unblocked", "trusted-sam")
    [row] = await trusted.fetch(
        "orders", "SELECT actor_id, actor_role, outcome FROM inbox WHERE message_id = $1", unblock.message_id
    )
    assert dict(row) == {"actor_id": "trusted-sam", "actor_role": "supervisor", "outcome": "accepted"}


@pytest.mark.capability("PLT-09")
async def test_a_key_rotated_in_keycloak_is_accepted_while_the_services_run(trusted: System) -> None:
    stack = trusted.stack
    assert stack.keycloak_url
    before = genuine(stack, "trusted-alice", Role.CSR)
    kid = keycloak.rotate_signing_key(stack.keycloak_url)
    after = genuine(stack, "trusted-alice", Role.CSR)
    assert jwt.get_unverified_header(after)["kid"] == kid != jwt.get_unverified_header(before)["kid"]

    # The services learn the new key at the first token that names it, unless they fetched the
    # keys less than ten seconds ago (the rate limit): then the same message is simply sent again.
    query, message_id = GetOrderV1(order_id=uuid.uuid4()), uuid.uuid4()
    deadline = time.monotonic() + 30
    while True:
        reply = await send_with(trusted, after, query, message_id)
        if reply.code != errors.UNAUTHENTICATED or time.monotonic() > deadline:
            break
        await asyncio.sleep(2)
    assert (reply.status, reply.code) == ("rejected", errors.NOT_FOUND)  # past the gate: the order is made up
    # Tokens the old key signed stay valid until the old key is removed.
    assert (await send_with(trusted, before, query, uuid.uuid4())).code == errors.NOT_FOUND
