"""Options and small parsers that several command modules share.

Parsers raise :class:`UsageError` (exit 2, nothing sent) with the option's name and what to write
instead; they never repeat a secret that was typed."""

from __future__ import annotations

import re
import sys
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import typer

from contracts.customers import GetCustomerV1
from contracts.orders import GetOrderV1
from csr.cli.call_context import load_call
from csr.cli.commands.customer_ref import CustomerRef
from csr.cli.runner import Fields, Lookup, session
from csr.client.errors import UsageError

MESSAGE_ID = typer.Option(
    None,
    "--message-id",
    help="Reuse this message id: repeating a command with the id of an earlier attempt applies it once.",
)
EXPECTED_VERSION = typer.Option(
    None,
    "--expected-version",
    min=1,
    help="The version you looked at; refused with stale_version if it changed since (default: the current one)",
)
PAGE = typer.Option(1, "--page", min=1, help="Page number")
PAGE_SIZE = typer.Option(20, "--size", min=1, max=100, help="Rows per page")


def pairs(values: list[str], option: str) -> dict[str, str]:
    """``name=value`` options (``--attribute colour=red``) as a dict."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} {value!r}: write name=value")
        out[name.strip()] = text
    return out


def given(**fields: Any) -> dict[str, Any]:
    """The fields that were given: absent options leave the contract's defaults in force."""
    return {k: v for k, v in fields.items() if v is not None and v != [] and v != {}}


def secret(value: str | None, prompt: str, option: str, *, confirm: bool = True) -> str:
    """A secret from its option, or typed at the terminal without echo (never from a log)."""
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"{option} is required when not typing at a terminal")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


# --- ids and references ----------------------------------------------------------------------

_ORDER_NUMBER = re.compile(r"^[0-9]{2,20}$")


def order_ref(text: str | None) -> uuid.UUID | str:
    """An order named by its id (UUID) or its number (digits, as read on the phone); left out,
    the order of the call in progress (``csr call start --order``, or the cart created during it)."""
    if text is None:
        call = load_call()
        if call is None or call.order is None:
            raise UsageError(
                "give ORDER (an order number, or a cart's or order's id), or start a call about it: "
                "csr call start <customer> --order <order>"
            )
        text = call.order
    text = text.strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    if _ORDER_NUMBER.match(text):
        return text
    raise UsageError(f"ORDER {text!r} is neither an order id (a UUID) nor an order number (digits)")


def get_order(ref: uuid.UUID | str) -> GetOrderV1:
    return GetOrderV1(order_id=ref) if isinstance(ref, uuid.UUID) else GetOrderV1(order_number=ref)


async def order_id(lookup: Lookup, ref: uuid.UUID | str) -> uuid.UUID:
    """The id of the order ``ref`` names; a number is looked up (unknown: not_found, exit 1)."""
    if isinstance(ref, uuid.UUID):
        return ref
    return uuid.UUID(str((await lookup.ask(get_order(ref)))["order"]["order_id"]))


def edit_fields(target: uuid.UUID | str, **values: Any) -> Fields:
    """The fields of a change to one order: its id (looked up when a number was given) and the
    ``values`` given (absent ones left out)."""

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return given(order_id=await order_id(lookup, target), **values)

    return fields


async def order_of(lookup: Lookup, ref: uuid.UUID | str) -> dict[str, Any]:
    """The order ``ref`` names, as GetOrderV1 shows it (``order``, ``versions``, ``comments``)."""
    return await lookup.ask(get_order(ref))


def show_order(ctx: typer.Context, ref: str | None) -> None:
    """The cart or order ``ref`` names, as GetOrderV1 shows it (``csr cart show``, ``csr order show``)."""
    target = order_ref(ref)
    session(ctx).send(type(get_order(target)), get_order(target).model_dump(exclude_none=True))


async def customer_of(lookup: Lookup, customer: uuid.UUID | CustomerRef) -> dict[str, Any]:
    """The customer as GetCustomerV1 shows them (a logon id or e-mail looked up first)."""
    wanted = await customer.resolve(lookup) if isinstance(customer, CustomerRef) else customer
    return await lookup.ask(GetCustomerV1(customer_id=wanted))


def book_address(customer: dict[str, Any], which: str, default_kind: str) -> dict[str, Any]:
    """An entry of the customer's address book: its id, or ``default`` for the default billing or
    shipping address (``default_kind``)."""
    entries = customer.get("addresses") or []
    if which == "default":
        chosen = [e for e in entries if e.get(f"default_{default_kind}")] or entries[:1]
        if not chosen:
            raise UsageError("the customer's address book is empty: give the address with --street, --city ...")
        return dict(chosen[0])
    for entry in entries:
        if str(entry["address_id"]) == which.strip():
            return dict(entry)
    known = ", ".join(str(e["address_id"]) for e in entries) or "none"
    raise UsageError(f"--address {which!r} is not in the customer's address book (addresses: {known})")


# --- values ----------------------------------------------------------------------------------

_AMOUNT = re.compile(r"^\s*(?P<amount>[+-]?[0-9]+(?:\.[0-9]+)?)\s*(?P<currency>[A-Za-z]{3})?\s*$")


def amount(text: str, option: str) -> tuple[Decimal, str | None]:
    """``12.50`` or ``12.50 USD``: the amount and the currency if one was written."""
    match = _AMOUNT.match(text)
    if not match:
        raise UsageError(f"{option} {text!r}: write an amount such as 12.50 or 12.50 USD")
    try:
        value = Decimal(match["amount"])
    except InvalidOperation:
        raise UsageError(f"{option} {text!r} is not an amount") from None
    return value, match["currency"].upper() if match["currency"] else None


def money(text: str, option: str, currency: str) -> dict[str, str]:
    """An amount in ``currency`` (the order's) unless another is written."""
    value, written = amount(text, option)
    return {"amount": str(value), "currency": written or currency}


def quantity(text: str, option: str = "QUANTITY") -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a whole number") from None
    if value < 1:
        raise UsageError(f"{option} must be at least 1")
    return value


def line_numbers(text: str | None) -> list[int] | None:
    """``1,3`` -> [1, 3]."""
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--lines {text!r}: write line numbers separated by commas, e.g. 1,3") from None


_EXPIRY = re.compile(r"^\s*(?P<month>[0-9]{1,2})\s*/\s*(?P<year>[0-9]{2}|[0-9]{4})\s*$")


def expiry(text: str) -> tuple[int, int]:
    """``MM/YY`` or ``MM/YYYY`` as (month, year)."""
    match = _EXPIRY.match(text)
    month = int(match["month"]) if match else 0
    if not match or not 1 <= month <= 12:
        raise UsageError(f"--expiry {text!r}: write the card's expiry as MM/YY, e.g. 09/28")
    year = int(match["year"])
    return month, year + 2000 if year < 100 else year


_CARD_SEPARATORS = re.compile(r"[ -]")


def card_number(value: str | None) -> str:
    """The card number: from ``--card-number`` (``-`` reads standard input), else typed at a hidden
    prompt, or read from standard input when it is not a terminal. Only its shape is checked here
    (the service checks the checksum, the brand and the expiry); it is never repeated in a message."""
    if value == "-" or (value is None and not sys.stdin.isatty()):
        value = sys.stdin.readline()
    elif value is None:
        value = str(typer.prompt("Card number", hide_input=True))
    digits = _CARD_SEPARATORS.sub("", value.strip())
    if not digits:
        raise UsageError("no card number: type it at the prompt, or give it on standard input (--card-number -)")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise UsageError("the card number must be 12 to 19 digits (spaces and dashes are ignored)")
    return digits


_RELATIVE = re.compile(r"^(?P<sign>[+-])?(?P<n>[0-9]+)\s*(?P<unit>[mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def when(text: str, option: str, now: datetime | None = None) -> datetime:
    """A point in time: ISO 8601 (``2026-12-01T09:30``, ``2026-12-01`` meaning 09:00), relative
    to now (``+2d``, ``+4h``, ``+30m``, ``+1w``; ``-2h`` two hours ago) or ``now``/``today``/``tomorrow``; local time
    unless an offset is written."""
    now = (now or datetime.now().astimezone()).replace(microsecond=0)
    word = text.strip().lower()
    if word == "now":
        return now
    if word in ("today", "tomorrow"):
        day = now.date() + timedelta(days=1 if word == "tomorrow" else 0)
        return datetime.combine(day, time(9), now.tzinfo)
    relative = _RELATIVE.match(word)
    if relative:
        delay = timedelta(**{_UNITS[relative["unit"]]: int(relative["n"])})
        return now - delay if relative["sign"] == "-" else now + delay
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: write a date and time (2026-12-01T09:30 or 2026-12-01), "
            "or a delay from now (+2d, +4h, +30m), or today/tomorrow"
        ) from None
    if len(text.strip()) == 10:  # a date alone: nine in the morning
        parsed = datetime.combine(date.fromisoformat(text.strip()), time(9))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=now.tzinfo)
