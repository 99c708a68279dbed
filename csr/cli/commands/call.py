"""``csr call start|show|end``: the call in progress (SRV-13). While a call is in progress the
commands that take a customer default to the caller, those that take an order to the call's order
(``--order``, or the cart created during the call), and every command says which call it is."""

from __future__ import annotations

import typer

from csr.cli.call_context import CallContext, end_call, load_call, new_call, save_call
from csr.cli.commands.common import customer_of, order_of, order_ref
from csr.cli.commands.customer_ref import CustomerRef
from csr.cli.runner import Lookup, Session, session
from csr.client.errors import UsageError


def register(calls: typer.Typer) -> None:
    calls.command("start")(start)
    calls.command("show")(show)
    calls.command("end")(end)


def start(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="The caller: customer id, logon id or e-mail"),
    order: str | None = typer.Option(None, "--order", help="The order the call is about: number or id"),
) -> None:
    """Start a call with a customer: the commands that follow act for them (and their order)."""
    s = session(ctx)
    caller = CustomerRef(customer)
    about = order_ref(order) if order else None

    async def work() -> int:
        async with Lookup(s) as lookup:
            record = await customer_of(lookup, caller)
            number = None
            if about is not None:
                found = (await order_of(lookup, about))["order"]
                if str(found.get("customer_id")) != str(record["customer_id"]):
                    raise UsageError(f"--order {order}: that order is not this customer's")
                number = str(found.get("order_number") or found["order_id"])
        call = new_call(record, number)
        save_call(call)
        _said(s, "Call started", call)
        return 0

    s.run(work)


def show(ctx: typer.Context) -> None:
    """The call in progress, if any."""
    s = session(ctx)

    async def work() -> int:
        _said(s, "Call in progress", load_call())
        return 0

    s.run(work)


def end(ctx: typer.Context) -> None:
    """End the call: the commands that follow name their customer and order again."""
    s = session(ctx)

    async def work() -> int:
        _said(s, "Call ended", end_call())
        return 0

    s.run(work)


def _said(s: Session, what: str, call: CallContext | None) -> None:
    output = s.output
    if output.json_mode:
        output.json({"call": call.as_json() if call else None})
    elif call is None:
        output.show("No call in progress (csr call start <customer id, logon id or e-mail>)")
    else:
        output.show(f"{what}: {call.describe()}")
