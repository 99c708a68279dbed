"""Token providers against a fake identity provider (httpx.MockTransport): discovery, caching,
renewal before expiry, the saved login's file and its refresh, the device grant, what a token says."""

from __future__ import annotations

import asyncio
import base64
import json
import stat
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.envelope import SYSTEM_ACTOR, Actor, Envelope, Role
from contracts.orders import GetCatalogProductV1, StockAdjustedV1
from csr.client import OmsClient, auth
from csr.client.auth import (
    CachedLogin,
    ClientCredentials,
    LoginRefused,
    NotLoggedIn,
    PasswordLogin,
    SavedLogin,
    StaticToken,
    Tokens,
    claims,
    device_login,
    identity,
    load_login,
    save_login,
)

ISSUER = "http://idp.test/realms/csr-oms"
TOKEN_URL = "http://idp.test/realms/csr-oms/protocol/openid-connect/token"
DEVICE_URL = "http://idp.test/realms/csr-oms/protocol/openid-connect/auth/device"


def jwt(**body: Any) -> str:
    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(body)}.c2lnbmF0dXJl"


class FakeIdP:
    """Answers discovery and the token endpoint; counts the grants by type."""

    def __init__(self, expires_in: int = 300, refresh: bool = True) -> None:
        self.expires_in = expires_in
        self.refresh = refresh
        self.grants: list[dict[str, str]] = []
        self.refusals: set[str] = set()  # grant types to refuse
        self.pending = 0  # device polls answered authorization_pending
        self.discoveries = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == ISSUER + "/.well-known/openid-configuration":
            self.discoveries += 1
            return httpx.Response(
                200, json={"issuer": ISSUER, "token_endpoint": TOKEN_URL, "device_authorization_endpoint": DEVICE_URL}
            )
        form = dict(urllib.parse.parse_qsl(request.content.decode()))
        if url == DEVICE_URL:
            return httpx.Response(
                200,
                json={"device_code": "dc-1", "user_code": "ABCD-EFGH", "verification_uri": "http://idp.test/device",
                      "expires_in": 600, "interval": 1},
            )  # fmt: skip
        assert url == TOKEN_URL, url
        self.grants.append(form)
        kind = form["grant_type"]
        if kind in self.refusals:
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Invalid user credentials"})
        if kind.endswith("device_code") and self.pending:
            self.pending -= 1
            return httpx.Response(400, json={"error": "authorization_pending"})
        n = len(self.grants)
        answer: dict[str, Any] = {
            "access_token": jwt(preferred_username=form.get("username", "svc"), n=n, realm_access={"roles": ["csr"]}),
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        }
        if self.refresh:
            answer |= {"refresh_token": f"refresh-{n}", "refresh_expires_in": 1800}
        return httpx.Response(200, json=answer)


@pytest.fixture(autouse=True)
def _no_discovery_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_DISCOVERED", {})


async def test_client_credentials_are_granted_once_and_reused_while_fresh() -> None:
    idp = FakeIdP(refresh=False)
    seen: list[Tokens] = []
    provider = ClientCredentials(
        ISSUER, "web-shop", "web-shop-dev-secret", transport=idp.transport(), on_tokens=seen.append
    )

    first = await provider.access_token()
    second = await provider.access_token()

    assert first == second and claims(first)["n"] == 1
    assert idp.discoveries == 1 and len(idp.grants) == 1 and len(seen) == 1
    assert idp.grants[0] == {"client_id": "web-shop", "client_secret": "web-shop-dev-secret",
                             "grant_type": "client_credentials"}  # fmt: skip
    assert "web-shop-dev-secret" not in repr(provider)


async def test_a_token_about_to_expire_is_renewed_with_a_new_grant_when_there_is_no_refresh_token() -> None:
    idp = FakeIdP(expires_in=20, refresh=False)  # under the margin: never usable for long
    provider = ClientCredentials(ISSUER, "fulfilment", "s", transport=idp.transport())

    await provider.access_token()
    renewed = await provider.access_token()

    assert claims(renewed)["n"] == 2
    assert [g["grant_type"] for g in idp.grants] == ["client_credentials", "client_credentials"]


async def test_a_password_login_is_renewed_with_its_refresh_token_and_falls_back_to_the_password() -> None:
    idp = FakeIdP(expires_in=20)
    provider = PasswordLogin(ISSUER, "alice", "alice-dev", transport=idp.transport())

    await provider.access_token()
    await provider.access_token()  # expiring: refreshed
    idp.refusals.add("refresh_token")  # the session ended at the provider
    await provider.access_token()

    assert [g["grant_type"] for g in idp.grants] == ["password", "refresh_token", "refresh_token", "password"]
    assert idp.grants[1]["refresh_token"] == "refresh-1" and idp.grants[0]["client_id"] == "csr-cli"
    assert "alice-dev" not in repr(provider)


async def test_a_refused_login_says_why_and_never_echoes_the_password() -> None:
    idp = FakeIdP()
    idp.refusals.add("password")

    with pytest.raises(LoginRefused) as refused:
        await PasswordLogin(ISSUER, "alice", "Wrong-Secret-9", transport=idp.transport()).access_token()

    assert refused.value.error == "invalid_grant" and refused.value.exit_code == 1
    assert "Invalid user credentials" in str(refused.value) and "Wrong-Secret-9" not in str(refused.value)


async def test_an_unreachable_identity_provider_is_reported_as_unavailable() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(auth.IdentityProviderUnavailable, match="cannot reach the identity provider") as error:
        await ClientCredentials(ISSUER, "web-shop", "s", transport=httpx.MockTransport(down)).access_token()
    assert error.value.exit_code == 3


async def test_a_static_token_is_used_as_it_is() -> None:
    assert await StaticToken("abc.def.ghi").access_token() == "abc.def.ghi"
    assert "abc" not in repr(StaticToken("abc.def.ghi"))


def test_the_saved_login_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "config" / "csr-oms" / "login.json"
    save_login(path, SavedLogin(ISSUER, "csr-cli", Tokens("a.b.c", time.time() + 300, "r", None)))
    save_login(path, SavedLogin(ISSUER, "csr-cli", Tokens("d.e.f", time.time() + 300, "r", None)))  # replaced

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_login(path).tokens.access_token == "d.e.f"
    assert [p.name for p in path.parent.iterdir()] == ["login.json"]  # no temporary file left


async def test_a_cached_login_is_refreshed_and_saved_again(tmp_path: Path) -> None:
    idp = FakeIdP()
    path = tmp_path / "login.json"
    save_login(path, SavedLogin(ISSUER, "csr-cli", Tokens(jwt(n=0), time.time() + 5, "refresh-0", time.time() + 900)))

    token = await CachedLogin(path, transport=idp.transport()).access_token()

    assert claims(token)["n"] == 1 and idp.grants[0]["refresh_token"] == "refresh-0"
    saved = load_login(path)
    assert saved.tokens.access_token == token and saved.tokens.refresh_token == "refresh-1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_without_a_usable_login_the_user_is_told_to_log_in(tmp_path: Path) -> None:
    idp = FakeIdP()
    with pytest.raises(NotLoggedIn, match="not logged in: run csr login"):
        await CachedLogin(tmp_path / "missing.json").access_token()
    expired = tmp_path / "expired.json"
    save_login(expired, SavedLogin(ISSUER, "csr-cli", Tokens("a.b.c", time.time() - 5, "r", time.time() - 1)))
    with pytest.raises(NotLoggedIn, match="expired: run csr login"):
        await CachedLogin(expired, transport=idp.transport()).access_token()
    ended = tmp_path / "ended.json"
    save_login(ended, SavedLogin(ISSUER, "csr-cli", Tokens("a.b.c", time.time() - 5, "r", time.time() + 600)))
    idp.refusals.add("refresh_token")
    with pytest.raises(NotLoggedIn, match="ended: run csr login"):
        await CachedLogin(ended, transport=idp.transport()).access_token()
    (tmp_path / "garbage.json").write_text("{")
    with pytest.raises(NotLoggedIn, match="cannot be read"):
        await CachedLogin(tmp_path / "garbage.json").access_token()


async def test_the_device_grant_shows_the_code_and_polls_until_confirmed() -> None:
    idp = FakeIdP()
    idp.pending = 2
    shown: list[auth.DeviceCode] = []
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    tokens = await device_login(ISSUER, "csr-cli", shown.append, transport=idp.transport(), sleep=no_wait)

    assert shown[0].user_code == "ABCD-EFGH" and shown[0].verification_uri == "http://idp.test/device"
    assert waits == [1, 1, 1] and tokens.refresh_token == "refresh-3"
    assert all(g["device_code"] == "dc-1" for g in idp.grants)


def test_a_token_names_its_agent_and_its_most_privileged_role() -> None:
    token = jwt(preferred_username="sam", realm_access={"roles": ["offline_access", "csr", "supervisor"]})

    assert identity(claims(token)) == ("sam", Role.SUPERVISOR)
    assert identity(claims(jwt(preferred_username="x", realm_access={"roles": ["uma"]}))) == ("x", None)
    assert identity({"sub": "1", "groups": ["system"]}, roles_claim="groups", agent_claim="sub") == ("1", Role.SYSTEM)
    with pytest.raises(NotLoggedIn):
        claims("not-a-jwt")


async def test_concurrent_sends_share_one_grant() -> None:
    idp = FakeIdP()
    provider = PasswordLogin(ISSUER, "bob", "bob-dev", transport=idp.transport())

    tokens = await asyncio.gather(*(provider.access_token() for _ in range(5)))

    assert len(set(tokens)) == 1 and len(idp.grants) == 1


async def test_commands_and_queries_carry_the_token_and_events_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    client = OmsClient("127.0.0.1:1", StaticToken("h.p.s"), topic_prefix="t.")
    sent: list[tuple[str, dict[str, str]]] = []

    async def capture(topic: str, value: bytes | None, key: str | None = None, headers: Any = None) -> None:
        sent.append((topic, dict(headers or {})))

    monkeypatch.setattr(client, "publish_raw", capture)
    command = client.envelope(GetCatalogProductV1(sku="TENT-2P"))
    stock = {"sku": "TENT-2P", "delta": 1, "on_hand": 2, "reserved": 0, "available": 2, "reason": "count"}
    event = Envelope.wrap(
        StockAdjustedV1(**stock, adjusted_by="feed", adjusted_at=datetime.now(UTC)), actor=SYSTEM_ACTOR
    )

    await client.publish(command, "orders.queries")
    await client.publish(event, "orders.events")

    assert command.actor is None
    assert sent[0][1]["authorization"] == "Bearer h.p.s" and "authorization" not in sent[1][1]
    with pytest.raises(TypeError, match="token_provider must have an async access_token"):
        OmsClient("127.0.0.1:1", Actor(agent_id="csr-1", role=Role.CSR))  # type: ignore[arg-type]
