"""``csr order claim|exchange|release-hold`` and ``csr blocklist add|remove``: money after the sale
beyond payments (MNY-05, MNY-06, MNY-09). ORDER is an order number or an id."""

from __future__ import annotations

import uuid

import typer

from contracts.orders import (
    AddBlockListEntryV1,
    ExchangeItemsV1,
    FileClaimV1,
    ReleaseHoldV1,
    RemoveBlockListEntryV1,
)
from csr.cli.commands.common import EXPECTED_VERSION, MESSAGE_ID, edit_fields, given, order_ref
from csr.cli.commands.orders import ORDER, ORDER_NAMED, app, parse_line
from csr.cli.commands.returns import parse_return_line
from csr.cli.runner import session
from csr.client.errors import UsageError

blocklist = typer.Typer(help="The block list of typed holds (MNY-09): supervisors only.", no_args_is_help=True)
HOLD_TYPES = "amount_over_limit, country_mismatch, block_list"


@app.command("release-hold")
def release_hold(
    ctx: typer.Context,
    ref: str | None = ORDER,
    hold_type: str = typer.Option(..., "--type", help=HOLD_TYPES),
    note: str = typer.Option(..., "--note", help="Why it may ship"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Release one typed hold of an order (MNY-09): supervisors only."""
    fields = edit_fields(order_ref(ref), hold_type=hold_type, note=note, expected_version=expected_version)
    session(ctx).send(ReleaseHoldV1, fields, title="Hold released", message_id=message_id)


@app.command("claim")
def claim(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    line: int = typer.Option(..., "--line", "-l", help="The shipped line's number"),
    quantity: int = typer.Option(..., "--quantity", "-q"),
    reason: str = typer.Option(..., "--reason", help="lost or damaged"),
    resolution: str = typer.Option(..., "--resolution", help="reship (at no charge) or refund"),
    note: str | None = typer.Option(None, "--note"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Reship or refund lost or damaged units of a shipped line, without a return (MNY-06)."""
    fields = edit_fields(
        order_ref(ref), line_no=line, quantity=quantity, reason=reason, resolution=resolution, note=note
    )
    session(ctx).send(FileClaimV1, fields, title="Claim filed", message_id=message_id)


@app.command("exchange")
def exchange(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    back: list[str] = typer.Option(..., "--return", "-r", help="LINE:QUANTITY:REASON coming back, repeatable"),
    new: list[str] = typer.Option(..., "--new", "-n", help="SKU[:QUANTITY] going out, repeatable"),
    note: str | None = typer.Option(None, "--note"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """A return and new items in one step (MNY-05): the difference is collected or refunded at once."""
    fields = edit_fields(
        order_ref(ref),
        return_lines=[parse_return_line(text) for text in back],
        add_lines=[parse_line(text) for text in new],
        note=note,
    )
    session(ctx).send(ExchangeItemsV1, fields, title="Exchange made", message_id=message_id)


@blocklist.command("add")
def add(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="email, phone, card_fingerprint (brand:last4:MM/YYYY) or address"),
    value: str = typer.Argument(..., help="The value; an address as LINE1|POSTAL CODE|COUNTRY"),
    note: str = typer.Option(..., "--note", help="Why"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Put a value on the block list: an order submitted with it waits on the block_list hold."""
    fields = given(kind=kind, value=value, note=note)
    session(ctx).send(AddBlockListEntryV1, fields, title="On the block list", message_id=message_id)


@blocklist.command("remove")
def remove(
    ctx: typer.Context,
    entry: str = typer.Argument(..., help="The entry's id"),
    note: str = typer.Option(..., "--note", help="Why"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Take an entry off the block list: the holds it caused are released."""
    try:
        entry_id = uuid.UUID(entry)
    except ValueError:
        raise UsageError(f"ENTRY {entry!r} is not an entry id (a UUID)") from None
    fields = given(entry_id=entry_id, note=note)
    session(ctx).send(RemoveBlockListEntryV1, fields, title="Off the block list", message_id=message_id)
