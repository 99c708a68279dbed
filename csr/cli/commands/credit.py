"""``csr credit ...`` (MNY-07, MNY-08): a customer's store credit (balance per currency and the
latest movements), a supervisor's store credit for a customer, and goodwill on an order
(an appeasement) to the card or as store credit."""

from __future__ import annotations

import uuid
from typing import Any

import typer
from aiokafka.errors import KafkaError

from contracts.orders import APPEASEMENT_REASONS, GetStoreCreditV1, GrantAppeasementV1, IssueStoreCreditV1
from csr.cli.commands.common import MESSAGE_ID, edit_fields, given, order_ref
from csr.cli.commands.customer_ref import customer_ref
from csr.cli.runner import Lookup, session
from csr.client.errors import BrokerUnavailable, ReplyTimeout, RequestRejected, UsageError

app = typer.Typer(help="Store credit and appeasements (MNY-07, MNY-08).", no_args_is_help=True)
CUSTOMER = typer.Argument(None, help="The customer: id, logon id or e-mail (default: the call's, `csr call start`)")


@app.command("show")
def show(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    currency: str | None = typer.Option(None, "--currency", help="Only this currency"),
    limit: int = typer.Option(20, "--limit", min=0, max=200, help="Latest movements to list"),
) -> None:
    """The customer's store credit: the balance per currency and the latest movements (MNY-08)."""
    fields = given(customer_id=customer_ref(customer), currency=currency, limit=limit)
    session(ctx).send(GetStoreCreditV1, fields)


async def store_credit_of(lookup: Lookup, customer_id: uuid.UUID, *, limit: int = 20) -> dict[str, Any]:
    """GetStoreCreditV1's result for the customer: the balance per currency and the latest
    ``limit`` movements (a refusal ends the command, as :meth:`Lookup.ask` does)."""
    return await lookup.ask(GetStoreCreditV1(customer_id=customer_id, limit=limit))


async def balances_beside(lookup: Lookup, customer_id: uuid.UUID) -> dict[str, Any]:
    """The customer's store credit per currency, shown beside what another service keeps (``csr
    customer show``): ``{"balances": [...]}``. The orders service keeps store credit, so when it
    does not answer or refuses, the customer the customers service did show must still be shown:
    then ``{"balances": None, "unavailable": <error or rejection code>, "note": <why>}``."""
    try:
        found = await store_credit_of(lookup, customer_id, limit=0)  # balances only: movements are `csr credit`'s
    except RequestRejected as refused:
        return _unavailable(str(refused.code), f"the orders service refused: {refused.reply.message}")
    except (ReplyTimeout, BrokerUnavailable) as silent:
        return _unavailable(silent.kind, str(silent))
    except KafkaError as broken:  # e.g. this login may not write to the orders topics
        return _unavailable(BrokerUnavailable.kind, f"Kafka: {broken}")
    return {"balances": found.get("balances") or []}


def _unavailable(code: str, why: str) -> dict[str, Any]:
    return {"balances": None, "unavailable": code, "note": f"store credit not available: {why}"}


@app.command("issue")
def issue(
    ctx: typer.Context,
    amount: str = typer.Argument(..., help="e.g. 25.00"),
    currency: str = typer.Argument(..., help="e.g. USD"),
    customer: str | None = typer.Option(None, "--customer", "-c", help="Customer: id, logon id or e-mail"),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the movement)"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Give a customer store credit (MNY-08; supervisors only)."""
    fields = {
        "customer_id": customer_ref(customer, "--customer"),
        "credit_id": uuid.uuid4(),
        "amount": {"amount": amount, "currency": currency},
        "reason": reason,
    }
    session(ctx).send(IssueStoreCreditV1, fields, message_id=message_id)


@app.command("appease")
def appease(
    ctx: typer.Context,
    amount: str = typer.Argument(..., help="e.g. 15.00"),
    currency: str = typer.Argument(..., help="The order's currency, e.g. USD"),
    order: str | None = typer.Option(None, "--order", help="Order number or id (default: the call's)"),
    reason: str = typer.Option(..., "--reason", help=", ".join(APPEASEMENT_REASONS)),
    note: str | None = typer.Option(None, "--note", help="Required with --reason other"),
    to: str = typer.Option(..., "--to", help="card (refund to what paid) or store_credit"),
) -> None:
    """Goodwill on an order (MNY-07): refunded to the card that paid, or as store credit. Above the
    CSR limit of the currency only a supervisor may grant it (`supervisor_required`)."""
    if to not in ("card", "store_credit"):
        raise UsageError(f"--to {to!r}: write card or store_credit")
    fields = edit_fields(
        order_ref(order),
        appeasement_id=uuid.uuid4(),
        amount={"amount": amount, "currency": currency},
        reason=reason,
        note=note,
        payout=to,
    )
    session(ctx).send(GrantAppeasementV1, fields)
