"""``csr tickler ...`` (CUS-12) and ``csr account ...`` (CUS-13): follow-up reminders about a
customer for an agent, and the business accounts customers belong to."""

from __future__ import annotations

from typing import Any

import typer

from contracts.customers import (
    CloseTicklerV1,
    CreateAccountV1,
    CreateTicklerV1,
    FindAccountsV1,
    GetTicklerHistoryV1,
    ListTicklersV1,
    ReassignTicklerV1,
)
from csr.cli.commands.common import MESSAGE_ID, PAGE, PAGE_SIZE, given, pairs, when
from csr.cli.commands.customer_ref import customer_ref, optional_customer
from csr.cli.runner import Lookup, session

ticklers = typer.Typer(
    help="Ticklers: follow-up reminders with a due time and an agent (CUS-12).", no_args_is_help=True
)
accounts = typer.Typer(help="Accounts: the business entities customers belong to (CUS-13).", no_args_is_help=True)

CUSTOMER = typer.Option(
    None, "--customer", "-c", help="The customer: id, logon id or e-mail (default: the call's, `csr call start`)"
)
TICKLER = typer.Argument(..., help="Tickler id (`csr tickler list` shows it)")
DUE = "ISO time (2026-12-01T09:30, 2026-12-01), a delay (+2d, +4h) or today/tomorrow"


@ticklers.command("create")
def create(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    due: str = typer.Option(..., "--due", help=f"When to follow up: {DUE}"),
    reason: str = typer.Option(..., "--reason"),
    assigned_to: str | None = typer.Option(None, "--assign-to", help="Agent id (default: you)"),
    note: str | None = typer.Option(None, "--note"),
    regarding: str | None = typer.Option(None, "--regarding", help="e.g. an order number"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Create a follow-up reminder about a customer."""
    s = session(ctx)

    def fields(_: Lookup) -> dict[str, Any]:
        due_at = when(due, "--due")
        agent = assigned_to or s.agent_id()
        return given(
            customer_id=customer_ref(customer, "--customer"),
            due_at=due_at,
            assigned_to=agent,
            reason=reason,
            note=note,
            regarding=regarding,
        )

    s.send(CreateTicklerV1, fields, title="Tickler created", message_id=message_id)


@ticklers.command("list")
def list_ticklers(
    ctx: typer.Context,
    mine: bool = typer.Option(False, "--mine", help="Assigned to you"),
    assigned_to: str | None = typer.Option(None, "--assigned-to", help="Assigned to this agent"),
    customer: str | None = typer.Option(None, "--customer", "-c", help="About this customer: id, logon id or e-mail"),
    status: str = typer.Option("open", "--status", help="open, closed or all"),
    due_now: bool = typer.Option(False, "--due", help="Only those due now"),
    due_by: str | None = typer.Option(None, "--due-by", help=f"Only those due by then: {DUE}"),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """Ticklers by agent and/or customer, earliest due first; overdue ones are marked."""
    s = session(ctx)

    def fields(_: Lookup) -> dict[str, Any]:
        agent = s.agent_id() if mine else assigned_to
        due_at = when(due_by, "--due-by") if due_by else None
        return given(
            assigned_to=agent,
            customer_id=optional_customer(customer),
            status=status,
            due_now=due_now or None,
            due_by=due_at,
            page={"number": page, "size": size},
        )

    s.send(ListTicklersV1, fields)


@ticklers.command("close")
def close(
    ctx: typer.Context,
    tickler: str = TICKLER,
    customer: str | None = CUSTOMER,
    resolution: str = typer.Option(..., "--resolution", help="What was done"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Close a tickler with what was done."""
    fields = {"customer_id": customer_ref(customer, "--customer"), "tickler_id": tickler, "resolution": resolution}
    session(ctx).send(CloseTicklerV1, fields, title="Tickler closed", message_id=message_id)


@ticklers.command("reassign")
def reassign(
    ctx: typer.Context,
    tickler: str = TICKLER,
    customer: str | None = CUSTOMER,
    assigned_to: str | None = typer.Option(None, "--to", help="The agent who takes it over"),
    due: str | None = typer.Option(None, "--due", help=f"A new due time: {DUE}"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Give a tickler to another agent, or move its due time."""

    def fields(_: Lookup) -> dict[str, Any]:
        due_at = when(due, "--due") if due else None
        return given(
            customer_id=customer_ref(customer, "--customer"), tickler_id=tickler, assigned_to=assigned_to, due_at=due_at
        )

    session(ctx).send(ReassignTicklerV1, fields, title="Tickler reassigned", message_id=message_id)


@ticklers.command("history")
def history(ctx: typer.Context, customer: str | None = CUSTOMER, page: int = PAGE, size: int = PAGE_SIZE) -> None:
    """Every tickler about a customer, open and closed, with what happened to each."""
    session(ctx).send(
        GetTicklerHistoryV1,
        {"customer_id": customer_ref(customer, "--customer"), "page": {"number": page, "size": size}},
    )


@accounts.command("create")
def create_account(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name"),
    number: str | None = typer.Option(None, "--number", help="Account number (default: generated)"),
    email: str | None = typer.Option(None, "--email"),
    phone: str | None = typer.Option(None, "--phone"),
    attributes: list[str] = typer.Option([], "--attribute", help="name=value, repeatable"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Create a business account; customers join it with `csr customer update --account <id>`."""

    def fields(_: Lookup) -> dict[str, Any]:
        return given(
            name=name, account_number=number, email=email, phone=phone, attributes=pairs(attributes, "--attribute")
        )

    session(ctx).send(CreateAccountV1, fields, title="Account created", message_id=message_id)


@accounts.command("find")
def find_accounts(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="A part of the account's name or number"),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """Accounts whose name or number contains the text (case-insensitive)."""
    session(ctx).send(FindAccountsV1, {"text": text, "page": {"number": page, "size": size}})
