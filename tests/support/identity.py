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

from dataclasses import dataclass

from contracts.envelope import Role
from csr.auth import ClientCredentials, PasswordLogin, Tokens
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
