"""``csr customer ...``: the customer capabilities (CUS-*) a CSR performs on the phone."""

from __future__ import annotations

import sys
from typing import Any

import typer

from contracts.customers import RegisterCustomerV1
from csr.commands.common import MESSAGE_ID, given, pairs
from csr.errors import UsageError
from csr.runner import session

app = typer.Typer(help="Customers: register (CUS-01).", no_args_is_help=True)


def _secret(value: str | None, prompt: str, option: str) -> str:
    """A secret from its option, or typed at the terminal without echo (never from a log)."""
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"{option} is required when not typing at a terminal")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@app.command("register")
def register(
    ctx: typer.Context,
    logon_id: str = typer.Option(..., "--logon-id", help="Unique logon id"),
    first_name: str = typer.Option(..., "--first-name"),
    last_name: str = typer.Option(..., "--last-name"),
    email: str = typer.Option(..., "--email"),
    password: str | None = typer.Option(None, "--password", help="Asked for (hidden) when not given"),
    phone: str | None = typer.Option(None, "--phone"),
    challenge_question: str | None = typer.Option(None, "--challenge-question"),
    challenge_answer: str | None = typer.Option(None, "--challenge-answer"),
    currency: str | None = typer.Option(None, "--currency", help="Preferred currency (ISO 4217), default USD"),
    language: str | None = typer.Option(None, "--language", help="Preferred language, e.g. en-US"),
    email_format: str | None = typer.Option(None, "--email-format", help="text or html"),
    line1: str | None = typer.Option(None, "--street", help="Address: street and number"),
    line2: str | None = typer.Option(None, "--street2"),
    city: str | None = typer.Option(None, "--city"),
    region: str | None = typer.Option(None, "--region"),
    postal_code: str | None = typer.Option(None, "--postal-code"),
    country: str | None = typer.Option(None, "--country", help="Two-letter country code, e.g. US"),
    demographics: list[str] = typer.Option([], "--demographic", help="name=value, repeatable"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Register a new customer (CUS-01): the password and challenge answer are sealed before sending."""

    def fields() -> dict[str, Any]:
        address = given(line1=line1, line2=line2, city=city, region=region, postal_code=postal_code, country=country)
        return given(
            logon_id=logon_id,
            password=_secret(password, "Password", "--password"),
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            challenge_question=challenge_question,
            challenge_answer=challenge_answer,
            preferred_currency=currency,
            preferred_language=language,
            email_format=email_format,
            address=address or None,
            demographics=pairs(demographics, "--demographic"),
        )

    session(ctx).send(RegisterCustomerV1, fields, title="Customer registered", message_id=message_id)
