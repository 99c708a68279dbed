"""``csr login``, ``csr logout``, ``csr whoami``: who the CSR is comes from the identity provider.

``csr login`` runs the OAuth device authorization grant (a browser confirms the code, so the
password never touches the terminal); ``--password`` uses the password grant instead, for the dev
realm and scripts, reading the password from ``OMS_PASSWORD`` or a hidden prompt, never from an
option (it would stay in the shell's history and the process list). The tokens are saved in
``$XDG_CONFIG_HOME/csr-oms/login.json``, readable by the user only, and every later command acts
with them, renewing the access token with the refresh token when it is about to expire.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

import typer

from csr.cli.runner import Session, session
from csr.client.auth import (
    DeviceCode,
    NotLoggedIn,
    PasswordLogin,
    SavedLogin,
    Tokens,
    claims,
    device_login,
    end_session,
    forget_login,
    identity,
    load_login,
    save_login,
)
from csr.client.errors import ConfigError


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)


def login(
    ctx: typer.Context,
    password_grant: bool = typer.Option(
        False, "--password", help="Log in with user name and password (OMS_PASSWORD or a hidden prompt)"
    ),
    username: str | None = typer.Option(None, "--username", "-u", help="With --password (env OMS_USERNAME)"),
) -> None:
    """Log in at the identity provider; later commands act as you."""
    s = session(ctx)

    async def work() -> int:
        config = s.config()
        issuer = config.issuer()
        if password_grant:
            tokens = await PasswordLogin(
                issuer, _username(username), _password(), config.oidc_client_id, verify=config.oidc_verify
            ).tokens()
        else:
            tokens = await device_login(issuer, config.oidc_client_id, _show_code(s), verify=config.oidc_verify)
        saved = SavedLogin(issuer, config.oidc_client_id, tokens)
        save_login(config.login_file, saved)
        _describe(s, saved, "logged in")
        return 0

    s.run(work)


def logout(ctx: typer.Context) -> None:
    """End the session at the identity provider and forget the saved login."""
    s = session(ctx)

    async def work() -> int:
        config = s.config()
        try:
            saved: SavedLogin | None = load_login(config.login_file)
        except ConfigError:  # nothing readable to end: forgetting it is all there is to do
            saved = None
        ended = saved is not None and await end_session(saved, verify=config.oidc_verify)
        forgotten = forget_login(config.login_file)
        if s.json_mode:
            s.output.json({"status": "logged_out", "session_ended": ended, "login_removed": forgotten})
        else:
            s.output.info("logged out" if forgotten else "was not logged in")
        return 0

    s.run(work)


def whoami(ctx: typer.Context) -> None:
    """Who the saved login says you are: agent id, role, identity provider, expiry."""
    s = session(ctx)

    async def work() -> int:
        saved = load_login(s.config().login_file)
        now = time.time()
        if not (saved.tokens.usable(now, 0) or saved.tokens.refreshable(now)):
            raise NotLoggedIn("your login has expired")
        _describe(s, saved, "logged in")
        return 0

    s.run(work)


def _username(given: str | None) -> str:
    name = given or os.environ.get("OMS_USERNAME") or typer.prompt("User name", err=True)
    if not name.strip():
        raise ConfigError("a user name is needed: --username or OMS_USERNAME")
    return name.strip()


def _password() -> str:
    secret = os.environ.get("OMS_PASSWORD")
    if secret is None:
        try:
            secret = typer.prompt("Password", hide_input=True, err=True)
        except typer.Abort:
            raise ConfigError("no password: set OMS_PASSWORD or type it at the prompt") from None
    if not secret:
        raise ConfigError("an empty password")
    return secret


def _show_code(s: Session) -> Any:
    def show(code: DeviceCode) -> None:
        # standard error: a script reading --json output must not get the instructions
        where = code.verification_uri_complete or code.verification_uri
        s.output.err.print(
            f"Open {where} in a browser and confirm the code {code.user_code} "
            f"(within {code.expires_in / 60:.0f} minutes).",
            markup=False,
            soft_wrap=True,
        )

    return show


def _describe(s: Session, saved: SavedLogin, status: str) -> None:
    agent, role = identity(claims(saved.tokens.access_token))
    facts = {
        "status": status,
        "agent_id": agent,
        "role": role.value if role else None,
        "issuer": saved.issuer,
        "access_token_expires_at": _time(saved.tokens.expires_at),
        "session_expires_at": _session_end(saved.tokens),
    }
    if s.json_mode:
        s.output.json(facts)
        return
    role_text = role.value if role else "no OMS role (the system will refuse every command)"
    s.output.out.print(f"{status} as {agent} ({role_text}) at {saved.issuer}", markup=False)
    if facts["session_expires_at"]:
        s.output.info(f"the login lasts until {facts['session_expires_at']} unless renewed")


def _session_end(tokens: Tokens) -> str | None:
    if tokens.refresh_token is None:
        return _time(tokens.expires_at)
    return _time(tokens.refresh_expires_at) if tokens.refresh_expires_at else None


def _time(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
