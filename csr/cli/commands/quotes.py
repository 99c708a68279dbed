"""``csr quote ...`` (SRV-01, SRV-02): save a cart as a quote, find quotes, e-mail one, convert one
into a new cart showing every price and product change since it was saved. QUOTE is a quote number
or the quote's id."""

from __future__ import annotations

import re
import uuid
from typing import Any

import typer

from contracts.orders import ConvertQuoteToOrderV1, EmailQuoteV1, FindQuotesV1, SaveAsQuoteV1
from csr.cli.commands.common import MESSAGE_ID, PAGE, PAGE_SIZE, edit_fields, given, order_ref, when
from csr.cli.commands.customer_ref import optional_customer
from csr.cli.runner import Lookup, session
from csr.client.errors import UsageError

app = typer.Typer(help="Quotes: save, find, e-mail, convert to an order (SRV-01, SRV-02).", no_args_is_help=True)
QUOTE = typer.Argument(..., help="Quote number, or the quote's id (UUID)")
_NUMBER = re.compile(r"^[0-9]{1,20}$")


def quote_ref(text: str) -> uuid.UUID | str:
    text = text.strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    if _NUMBER.match(text):
        return text
    raise UsageError(f"QUOTE {text!r} is neither a quote id (a UUID) nor a quote number (digits)")


async def quote_id(lookup: Lookup, ref: uuid.UUID | str) -> uuid.UUID:
    """The id of the quote ``ref`` names; a number is looked up."""
    if isinstance(ref, uuid.UUID):
        return ref
    items = (await lookup.ask(FindQuotesV1(quote_number=ref)))["items"]
    exact = [q for q in items if q["quote_number"] == ref]
    if not exact:
        raise UsageError(f"no quote numbered {ref} (`csr quote find --customer <id>` lists a customer's quotes)")
    return uuid.UUID(str(exact[0]["quote_id"]))


@app.command("save")
def save(
    ctx: typer.Context,
    cart: str = typer.Argument(..., help="The cart's id"),
    valid_days: int | None = typer.Option(None, "--valid-days", min=1, max=365, help="Prices guaranteed this long"),
    expires: str | None = typer.Option(None, "--expires", help="Or until then: 2026-12-31, +30d ..."),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Save a cart as a quote (SRV-01): prices guaranteed until it expires; read its number to the customer."""
    if valid_days is not None and expires is not None:
        session(ctx).usage("give --valid-days or --expires, not both")
    expires_at = when(expires, "--expires") if expires else None
    fields = edit_fields(order_ref(cart), valid_days=valid_days, expires_at=expires_at)
    session(ctx).send(SaveAsQuoteV1, fields, message_id=message_id)


@app.command("find")
def find(
    ctx: typer.Context,
    number: str | None = typer.Option(None, "--number", help="Quote number"),
    customer: str | None = typer.Option(None, "--customer", "-c", help="Customer: id, logon id or e-mail"),
    customer_name: str | None = typer.Option(None, "--customer-name", help="A part of the customer's name"),
    status: str | None = typer.Option(None, "--status", help="open, expired or converted"),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """Find quotes (SRV-01): newest first."""
    fields = given(
        quote_number=number,
        customer_id=optional_customer(customer),
        customer_name=customer_name,
        status=status,
        page=page,
        page_size=size,
    )
    session(ctx).send(FindQuotesV1, fields)


@app.command("email")
def email(
    ctx: typer.Context,
    ref: str = QUOTE,
    to: str | None = typer.Option(None, "--to", help="Another address (default: the quote's)"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """E-mail a quote to the customer (SRV-01)."""
    target = quote_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return given(quote_id=await quote_id(lookup, target), email=to)

    session(ctx).send(EmailQuoteV1, fields, message_id=message_id)


@app.command("convert")
def convert(
    ctx: typer.Context,
    ref: str = QUOTE,
    accept_current_prices: bool = typer.Option(
        False, "--accept-current-prices", help="Today's prices (an expired quote needs it; lower prices otherwise)"
    ),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Convert a quote into a new cart (SRV-02): every price and product change since it was saved is
    shown, and whether the quoted prices were honoured. Complete and submit the cart with `csr cart`."""
    target = quote_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return {"quote_id": await quote_id(lookup, target), "accept_current_prices": accept_current_prices}

    session(ctx).send(ConvertQuoteToOrderV1, fields, message_id=message_id)
