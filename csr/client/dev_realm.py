"""Logins on the dev stack's realm (``csr-oms``, stack/keycloak/csr-oms-realm.json) for the tools
that drive the system from outside: the seed scripts, the benchmark, the reliability harness.

Channels and systems use a confidential client of their own (client credentials): ``web-shop``
for the channel role, ``fulfilment`` for the system role, with the secrets of
:func:`csr.client.config.client_secret` (the dev realm's ``<client>-dev-secret`` unless set). People
(CSRs, supervisors) are realm users, made to exist with the role asked for through the dev stack's
admin API (``devstack.keycloak.ensure_user``, admin/admin: dev only) and logged in with the
password grant, so what they do is recorded under their own names.
"""

from __future__ import annotations

from contracts.envelope import Role
from csr.client.auth import ClientCredentials, PasswordLogin, TokenProvider, TokensSeen
from csr.client.config import client_secret

ROLE_CLIENTS = {Role.CHANNEL: "web-shop", Role.SYSTEM: "fulfilment"}
"""The confidential client each non-person role logs in with."""


def service_login(issuer: str, role: Role, *, on_tokens: TokensSeen | None = None) -> ClientCredentials:
    """The channel's or system's own client credentials."""
    client_id = ROLE_CLIENTS[role]
    return ClientCredentials(issuer, client_id, client_secret(client_id), on_tokens=on_tokens)


def person_login(
    issuer: str, keycloak_url: str, username: str, role: Role, *, on_tokens: TokensSeen | None = None
) -> PasswordLogin:
    """A realm user ``username`` holding ``role`` (created or updated), logged in."""
    from devstack import keycloak  # the dev stack's admin API: only tools against the dev stack get here

    password = keycloak.ensure_user(keycloak_url, username, role.value)
    return PasswordLogin(issuer, username, password, on_tokens=on_tokens)


def login_for(
    issuer: str, keycloak_url: str, agent_id: str, role: Role, *, on_tokens: TokensSeen | None = None
) -> TokenProvider:
    """Channels and systems by their client, people as themselves."""
    if role in ROLE_CLIENTS:
        return service_login(issuer, role, on_tokens=on_tokens)
    return person_login(issuer, keycloak_url, agent_id, role, on_tokens=on_tokens)
