"""``csr order ...`` servicing commands (SRV-03..SRV-10): holds (block, unblock, suspend, resume),
alerts (flag, list, clear), edit locks (lock, unlock, take over), cancel, change after submit, the
pending orders grid, and ``csr call ...`` (park, transfer, void the cart of the call in progress).
ORDER is an order number or an id; a cart has no number, so CART is its id."""

from __future__ import annotations

from typing import Any

import typer

from contracts.orders import (
    BlockOrderV1,
    CancelOrderV1,
    ChangeOrderV1,
    ClearAlertsV1,
    FlagOrderV1,
    ListPendingOrdersV1,
    LockOrderV1,
    ParkCallV1,
    ResumeOrderV1,
    SuspendOrderV1,
    TakeOverLockV1,
    TransferCallV1,
    UnblockOrderV1,
    UnlockOrderV1,
    VoidCallV1,
    VoidOrderV1,
)
from csr.cli.commands.address_options import STREET_PARTS, TypedAddress, address_options
from csr.cli.commands.common import (
    EXPECTED_VERSION,
    MESSAGE_ID,
    PAGE,
    edit_fields,
    given,
    order_of,
    order_ref,
    quantity,
)
from csr.cli.commands.orders import ORDER, ORDER_NAMED, app, parse_line
from csr.cli.runner import Lookup, session
from csr.client.errors import UsageError
from csr.console.views.servicing import alert_list

calls = typer.Typer(
    help="The call in progress: start it for a caller (SRV-13), show, end; park, transfer or void its cart (SRV-07).",
    no_args_is_help=True,
)
CART = typer.Argument(None, help="The cart's id (or an order number) (default: the call's order)")
BLOCK_REASONS = "fraud, credit_check, address_verification, customer_request, other"


# --- holds (SRV-03, SRV-04) ------------------------------------------------------------------


@app.command("block")
def block(
    ctx: typer.Context,
    ref: str | None = ORDER,
    reason: str = typer.Option(..., "--reason", help=BLOCK_REASONS),
    note: str | None = typer.Option(None, "--note", help="What was seen"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Block an order (SRV-03), e.g. for fraud: it is not released to fulfilment until a supervisor
    unblocks it."""
    fields = edit_fields(order_ref(ref), reason=reason, note=note, expected_version=expected_version)
    session(ctx).send(BlockOrderV1, fields, title="Order blocked", message_id=message_id)


@app.command("unblock")
def unblock(
    ctx: typer.Context,
    ref: str | None = ORDER,
    note: str = typer.Option(..., "--note", help="What the investigation found"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Lift a block (SRV-03): supervisors only (log in as one: the role is your login's)."""
    fields = edit_fields(order_ref(ref), note=note, expected_version=expected_version)
    session(ctx).send(UnblockOrderV1, fields, title="Order unblocked", message_id=message_id)


@app.command("suspend")
def suspend(
    ctx: typer.Context,
    ref: str | None = ORDER,
    reason: str = typer.Option(..., "--reason", help="Why its progress is halted"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Halt an order while questionable activity is looked into (SRV-04): not released, not changed."""
    fields = edit_fields(order_ref(ref), reason=reason, expected_version=expected_version)
    session(ctx).send(SuspendOrderV1, fields, title="Order suspended", message_id=message_id)


@app.command("resume")
def resume(
    ctx: typer.Context,
    ref: str | None = ORDER,
    note: str | None = typer.Option(None, "--note"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Resume a suspended order (SRV-04)."""
    fields = edit_fields(order_ref(ref), note=note, expected_version=expected_version)
    session(ctx).send(ResumeOrderV1, fields, title="Order resumed", message_id=message_id)


# --- alerts (SRV-05) -------------------------------------------------------------------------


@app.command("flag")
def flag(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    note: str = typer.Argument(..., help="Why it needs a review"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Flag an order for review (SRV-05): an alert that must be cleared before it is submitted or released."""
    session(ctx).send(FlagOrderV1, edit_fields(order_ref(ref), note=note), title="Order flagged", message_id=message_id)


@app.command("alerts")
def alerts(ctx: typer.Context, ref: str | None = ORDER) -> None:
    """The order's alerts (SRV-05), cleared ones too."""
    s = session(ctx)
    target = order_ref(ref)

    async def work() -> int:
        async with Lookup(s) as lookup:
            order = (await order_of(lookup, target))["order"]
        result = {"order_id": order["order_id"], "order_number": order.get("order_number"),
                  "alerts": order.get("alerts") or []}  # fmt: skip
        if s.json_mode:
            s.output.json(result)
        else:
            s.output.show(alert_list(result))
        return 0

    s.run(work)


@app.command("clear-alerts")
def clear_alerts(
    ctx: typer.Context,
    ref: str | None = ORDER,
    note: str = typer.Option(..., "--note", help="How the alerts' reasons were addressed"),
    alert_ids: list[str] = typer.Option([], "--alert", help="Alert id, repeatable (default: every uncleared one)"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Clear alerts once their reasons are addressed (SRV-05); who, when and the note are recorded."""
    fields = edit_fields(order_ref(ref), note=note, alert_ids=alert_ids or None)
    session(ctx).send(ClearAlertsV1, fields, title="Alerts cleared", message_id=message_id)


# --- locks (SRV-06) --------------------------------------------------------------------------


@app.command("lock")
def lock(ctx: typer.Context, ref: str | None = ORDER, message_id: str | None = MESSAGE_ID) -> None:
    """Start working an order (SRV-06): others' edits are refused until you unlock it or it expires."""
    session(ctx).send(LockOrderV1, edit_fields(order_ref(ref)), message_id=message_id)


@app.command("unlock")
def unlock(ctx: typer.Context, ref: str | None = ORDER, message_id: str | None = MESSAGE_ID) -> None:
    """Stop working an order: release your lock (SRV-06)."""
    session(ctx).send(UnlockOrderV1, edit_fields(order_ref(ref)), message_id=message_id)


@app.command("take-over")
def take_over(
    ctx: typer.Context,
    ref: str | None = ORDER,
    note: str | None = typer.Option(None, "--note"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Take over an order another agent is working (SRV-06): supervisors only."""
    session(ctx).send(TakeOverLockV1, edit_fields(order_ref(ref), note=note), message_id=message_id)


# --- pending orders, void (SRV-08) -----------------------------------------------------------


@app.command("pending")
def pending(
    ctx: typer.Context,
    agent: str | None = typer.Option(None, "--for", help="A supervisor: this agent's list (default: everyone's)"),
    page: int = PAGE,
    size: int = typer.Option(50, "--size", min=1, max=100, help="Rows per page"),
) -> None:
    """The pending orders grid (SRV-08): parked and transferred carts; yours, or for a supervisor anyone's."""
    session(ctx).send(ListPendingOrdersV1, given(agent_id=agent, page=page, page_size=size))


@app.command("void")
def void(
    ctx: typer.Context,
    ref: str | None = CART,
    reason: str | None = typer.Option(None, "--reason"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Void a pending order from the pending orders grid (SRV-08)."""
    session(ctx).send(VoidOrderV1, edit_fields(order_ref(ref), reason=reason), title="Order voided",
                      message_id=message_id)  # fmt: skip


# --- cancel and change after submit (SRV-09, SRV-10) -----------------------------------------


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    ref: str | None = ORDER,
    reason: str = typer.Option(..., "--reason", help="Why (recorded, and told to the customer)"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Cancel an order while nothing of it has shipped (SRV-09): stock released, payments refunded."""
    fields = edit_fields(order_ref(ref), reason=reason, expected_version=expected_version)
    session(ctx).send(CancelOrderV1, fields, message_id=message_id)


def _line_quantity(text: str) -> dict[str, int]:
    line, sep, qty = text.partition(":")
    if not sep or not line.strip().isdigit():
        raise UsageError(f"--set {text!r}: write LINE:QUANTITY, e.g. 2:3 (line 2, three of them)")
    return {"line_no": int(line), "quantity": quantity(qty.strip(), "--set QUANTITY")}


def _line_no(text: str) -> int:
    if not text.strip().isdigit():
        raise UsageError(f"--remove {text!r}: write a line number (`csr order show` lists them)")
    return int(text)


@app.command("change")
@address_options(STREET_PARTS)
def change(
    ctx: typer.Context,
    ref: str | None = ORDER,
    reason: str = typer.Option(..., "--reason", help="Why the order changes"),
    add: list[str] = typer.Option([], "--add", help="SKU[:QUANTITY], a new line at today's price; repeatable"),
    change_lines: list[str] = typer.Option([], "--set", help="LINE:QUANTITY, a line's new quantity; repeatable"),
    remove: list[str] = typer.Option([], "--remove", help="LINE, a line to remove; repeatable"),
    address: TypedAddress | None = None,
    mode: str | None = typer.Option(None, "--mode", help="Shipping mode of the new ship-to address"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Change a submitted order (SRV-10): add, change or remove lines, ship elsewhere. The answer is
    the new total and the amount to collect or refund."""
    target = order_ref(ref)
    added = [parse_line(text) for text in add]
    changed = [_line_quantity(text) for text in change_lines]
    removed = [_line_no(text) for text in remove]
    typed = address.fields() if address else None

    async def fields(lookup: Lookup) -> dict[str, Any]:
        order = (await order_of(lookup, target))["order"]
        ship_to = None
        if typed:
            names = given(first_name=order.get("first_name"), last_name=order.get("last_name"))
            ship_to = given(address={**names, **typed}, shipping_mode=mode)
        elif mode:
            raise UsageError("--mode goes with a new address (--street, --city ...)")
        return given(order_id=order["order_id"], add_lines=added, change_lines=changed, remove_lines=removed,
                     ship_to=ship_to, reason=reason, expected_version=expected_version)  # fmt: skip

    session(ctx).send(ChangeOrderV1, fields, message_id=message_id)


# --- the call in progress (SRV-07) -----------------------------------------------------------


@calls.command("park")
def park(
    ctx: typer.Context, ref: str | None = CART, note: str | None = typer.Option(None, "--note"),
    message_id: str | None = MESSAGE_ID,
) -> None:  # fmt: skip
    """Park the call: the cart goes to your pending orders (`csr order pending`) and your lock is released."""
    session(ctx).send(ParkCallV1, edit_fields(order_ref(ref), note=note), title="Call parked", message_id=message_id)


@calls.command("transfer")
def transfer(
    ctx: typer.Context,
    ref: str | None = CART,
    to: str = typer.Option(..., "--to", help="The agent who takes the call"),
    note: str | None = typer.Option(None, "--note"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Transfer the call: the cart goes to the other agent's pending orders; only they (or a supervisor) work it."""
    fields = edit_fields(order_ref(ref), to_agent_id=to, note=note)
    session(ctx).send(TransferCallV1, fields, title=f"Call transferred to {to}", message_id=message_id)


@calls.command("void")
def void_call(
    ctx: typer.Context, ref: str | None = CART, reason: str | None = typer.Option(None, "--reason"),
    message_id: str | None = MESSAGE_ID,
) -> None:  # fmt: skip
    """Void the call: its cart is discarded."""
    session(ctx).send(VoidCallV1, edit_fields(order_ref(ref), reason=reason), title="Call voided",
                      message_id=message_id)  # fmt: skip
