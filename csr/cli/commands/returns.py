"""``csr return ...`` (SRV-12): create a return for shipped lines, find returns, view a return order,
record its arrival and its refund. RETURN is a return number or the return's id."""

from __future__ import annotations

import re
import uuid
from typing import Any

import typer

from contracts.orders import CreateReturnV1, FindReturnsV1, GetReturnOrderV1, ReceiveReturnV1, RefundReturnV1
from csr.cli.commands.common import MESSAGE_ID, PAGE, PAGE_SIZE, edit_fields, given, order_ref
from csr.cli.commands.customer_ref import optional_customer
from csr.cli.runner import Lookup, session
from csr.client.errors import UsageError

app = typer.Typer(help="Returns and return orders (SRV-12).", no_args_is_help=True)
RETURN = typer.Argument(..., help="Return number, or the return's id (UUID)")
_NUMBER = re.compile(r"^[0-9]{2,20}$")


def return_ref(text: str) -> dict[str, Any]:
    text = text.strip()
    try:
        return {"return_id": uuid.UUID(text)}
    except ValueError:
        pass
    if _NUMBER.match(text):
        return {"return_number": text}
    raise UsageError(f"RETURN {text!r} is neither a return id (a UUID) nor a return number (digits)")


def parse_return_line(text: str) -> dict[str, Any]:
    """``LINE:QUANTITY:REASON``."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        raise UsageError(f"--line {text!r}: write LINE:QUANTITY:REASON, e.g. 2:1:defective")
    return {"line_no": int(parts[0]), "quantity": int(parts[1]), "reason": parts[2]}


@app.command("create")
def create(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="Order number, or the order's id"),
    lines: list[str] = typer.Option(..., "--line", "-l", help="LINE:QUANTITY:REASON, repeatable"),
    note: str | None = typer.Option(None, "--note"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """A return for shipped lines (SRV-12). Reasons: damaged, defective, wrong_item, not_as_described,
    no_longer_needed, other. The answer is the return number and the refund."""
    wanted = [parse_return_line(text) for text in lines]
    fields = edit_fields(order_ref(ref), lines=wanted, note=note)
    session(ctx).send(CreateReturnV1, fields, message_id=message_id)


@app.command("find")
def find(
    ctx: typer.Context,
    number: str | None = typer.Option(None, "--number", help="Return number"),
    order: str | None = typer.Option(None, "--order", help="Order number or id"),
    customer: str | None = typer.Option(None, "--customer", "-c", help="Customer: id, logon id or e-mail"),
    status: str | None = typer.Option(None, "--status", help="requested, received or refunded"),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """Find returns (SRV-12): newest first."""
    target = order_ref(order) if order else None

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return given(
            return_number=number,
            order_number=target if isinstance(target, str) else None,
            order_id=target if isinstance(target, uuid.UUID) else None,
            customer_id=optional_customer(customer),
            status=status,
            page=page,
            page_size=size,
        )

    session(ctx).send(FindReturnsV1, fields)


@app.command("show")
def show(ctx: typer.Context, ref: str = RETURN) -> None:
    """One return order (SRV-12): lines coming back, refund, statuses."""
    session(ctx).send(GetReturnOrderV1, return_ref(ref))


async def _return_id(lookup: Lookup, ref: str) -> uuid.UUID:
    key = return_ref(ref)
    if "return_id" in key:
        return uuid.UUID(str(key["return_id"]))
    return uuid.UUID(str((await lookup.ask(GetReturnOrderV1(**key)))["return_id"]))


@app.command("receive")
def receive(
    ctx: typer.Context, ref: str = RETURN, note: str | None = typer.Option(None, "--note"),
    message_id: str | None = MESSAGE_ID,
) -> None:  # fmt: skip
    """The returned goods arrived (SRV-12)."""

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return given(return_id=await _return_id(lookup, ref), note=note)

    session(ctx).send(ReceiveReturnV1, fields, message_id=message_id)


@app.command("refund")
def refund(
    ctx: typer.Context,
    ref: str = RETURN,
    reference: str | None = typer.Option(None, "--reference", help="The payment system's reference"),
    note: str | None = typer.Option(None, "--note"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """The refund of a received return was paid (SRV-12; a payment system, or a supervisor by hand)."""

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return given(return_id=await _return_id(lookup, ref), reference=reference, note=note)

    session(ctx).send(RefundReturnV1, fields, message_id=message_id)
