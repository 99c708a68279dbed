"""``csr order ...``: order capture and servicing (ORD-*, SRV-*) as a CSR works them."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import RenderableType

from contracts.orders import PlaceOrderV1
from csr.commands.common import MESSAGE_ID, given
from csr.errors import UsageError
from csr.render import record, renderer
from csr.runner import session

app = typer.Typer(help="Orders: place an order in one step.", no_args_is_help=True)


def parse_line(text: str) -> dict[str, Any]:
    """``SKU:QUANTITY:UNIT_PRICE[:DESCRIPTION]`` as an order line."""
    parts = text.split(":", 3)
    if len(parts) < 3 or not all(p.strip() for p in parts[:3]):
        raise UsageError(f"--line {text!r}: write SKU:QUANTITY:UNIT_PRICE[:DESCRIPTION], e.g. TENT-2P:1:149.99")
    line = {"sku": parts[0].strip(), "quantity": parts[1].strip(), "unit_price": parts[2].strip()}
    if len(parts) == 4 and parts[3].strip():
        line["description"] = parts[3].strip()
    return line


@renderer("PlaceOrder")
def _placed(result: dict[str, Any]) -> RenderableType:
    return record(result, f"Order placed: read the number {result.get('order_number')} to the customer")


@app.command("place")
def place(
    ctx: typer.Context,
    customer_id: str = typer.Option(..., "--customer", "-c", help="Customer id"),
    lines: list[str] = typer.Option(..., "--line", "-l", help="SKU:QUANTITY:UNIT_PRICE[:DESCRIPTION], repeatable"),
    currency: str = typer.Option("USD", "--currency"),
    email: str | None = typer.Option(None, "--email", help="Where the confirmation goes"),
    language: str | None = typer.Option(None, "--language"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Place a complete order in one step; the reply carries the order number to read out."""

    def fields() -> dict[str, Any]:
        return given(
            customer_id=customer_id,
            currency=currency,
            lines=[parse_line(line) for line in lines],
            email=email,
            language=language,
        )

    session(ctx).send(PlaceOrderV1, fields, message_id=message_id)
