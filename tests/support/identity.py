"""Real logins for the tests, from the stack's Keycloak (realm ``csr-oms``).

A test that asks for a client acting as ``csr-bob`` with role csr gets a Keycloak user named
``csr-bob`` holding the realm role ``csr`` (created once per session with the dev stack's admin
API, ``devstack.keycloak.ensure_user``), logged in with the password grant: what the services
record as ``csr-bob`` comes from a token the identity provider issued, as in production. Channels
and systems with a client of their own (``web-shop``, ``fulfilment``) log in with its client
credentials.

Every token and password handed out is recorded (tests/support/secrets.py): the final scan
proves none of them reached a topic, a dead letter, a table or a log.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import httpx

from contracts.envelope import Role
from csr.client.auth import ClientCredentials, PasswordLogin, Tokens
from devstack import keycloak
from devstack.endpoints import StackEndpoints
from tests.support.secrets import record, record_tokens

_USERS: dict[tuple[str, str], tuple[Role, str]] = {}
"""(Keycloak base URL, user name) -> (role, password), for the whole session: creating a user
costs several admin calls."""


def _record(tokens: Tokens) -> None:
    record_tokens(tokens.access_token, tokens.refresh_token)


@dataclass(frozen=True)
class Identities:
    issuer: str
    keycloak_url: str

    @classmethod
    def of(cls, stack: StackEndpoints) -> Identities:
        if not stack.oidc_issuer or not stack.keycloak_url:
            raise RuntimeError(
                "the stack has no identity provider (OMS_OIDC_ISSUER, OMS_KEYCLOAK_URL): start it with "
                "`python -m devstack up`, which runs Keycloak"
            )
        return cls(stack.oidc_issuer, stack.keycloak_url)

    def password(self, username: str, role: Role) -> str:
        """The password of the realm user ``username``, made to hold ``role`` (created if missing)."""
        key = (self.keycloak_url, username.lower())
        known = _USERS.get(key)
        if known is not None:
            if known[0] != role:
                # Keycloak gives a user one OMS role; handing the same name another would change
                # the role of every client already logged in under it at its next refresh.
                raise AssertionError(f"agent {username!r} is already a {known[0].value} in this session, not a {role}")
            return known[1]
        password = keycloak.ensure_user(self.keycloak_url, username, role.value)
        record(password)
        _USERS[key] = (role, password)
        return password

    def user(self, username: str, role: Role) -> PasswordLogin:
        """A login as the person or system ``username`` with ``role``."""
        return PasswordLogin(self.issuer, username, self.password(username, role), on_tokens=_record)

    def service(self, client_id: str, secret: str | None = None) -> ClientCredentials:
        """A login as the confidential client ``client_id`` (dev secret ``<client>-dev-secret``)."""
        return ClientCredentials(self.issuer, client_id, secret or f"{client_id}-dev-secret", on_tokens=_record)


async def confirm_device_code(url: str, username: str, password: str) -> None:
    """What the person does in the browser for ``csr login``: open the verification URL, sign in,
    grant the access asked for (the device authorization grant, RFC 8628, on Keycloak's pages)."""
    jar: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=20) as http:
        page = await _browse(http, jar, "GET", url)
        action, fields = _form(page)
        page = await _browse(http, jar, "POST", action, {**fields, "username": username, "password": password})
        if "login-actions/consent" in page.text:
            action, fields = _form(page)
            page = await _browse(http, jar, "POST", action, {**fields, "accept": "Yes"})
        assert page.status_code == 200 and "kc-form-login" not in page.text, f"sign-in refused: {page.status_code}"


async def _browse(
    http: httpx.AsyncClient, jar: dict[str, str], method: str, url: str, form: dict[str, str] | None = None
) -> httpx.Response:
    # Cookies by hand: Keycloak marks its session cookies Secure, which a client keeps away from
    # http://127.0.0.1 while a browser treats localhost as a secure origin.
    for _ in range(10):
        cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
        response = await http.request(method, url, headers={"cookie": cookie}, data=form)
        for value in response.headers.get_list("set-cookie"):
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";")[0]
        if response.status_code not in (301, 302, 303) or "location" not in response.headers:
            return response
        url, method, form = str(response.url.join(response.headers["location"])), "GET", None
    raise AssertionError(f"too many redirects from {url}")


def _form(page: httpx.Response) -> tuple[str, dict[str, str]]:
    found = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert found is not None, f"no form on {page.url}"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return str(page.url.join(html.unescape(found[1]))), fields
