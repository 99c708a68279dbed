"""``csr catalog ...``: products and what is available to promise (ORD-01), searched while the
customer says what they want, and the shipping modes with their charges (ORD-03)."""

from __future__ import annotations

import typer

from contracts.orders import GetCatalogProductV1, ListShippingModesV1, SearchCatalogV1
from csr.cli.commands.common import PAGE, PAGE_SIZE, given
from csr.cli.runner import session

app = typer.Typer(help="Catalog: search products, show one, shipping modes (ORD-01, ORD-03).", no_args_is_help=True)


@app.command("search")
def search(
    ctx: typer.Context,
    text: str | None = typer.Argument(None, help="Words in the SKU, name or description (partial)"),
    category: str | None = typer.Option(None, "--category"),
    currency: str | None = typer.Option(None, "--currency", help="Only products priced in this currency"),
    in_stock: bool = typer.Option(False, "--in-stock", help="Only what is available now"),
    include_inactive: bool = typer.Option(False, "--include-inactive", help="Also products no longer sold"),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """Find products: prices, availability, trackable items."""
    fields = given(
        text=text,
        category=category,
        currency=currency,
        in_stock_only=in_stock or None,
        include_inactive=include_inactive or None,
        page=page,
        page_size=size,
    )
    session(ctx).send(SearchCatalogV1, fields)


@app.command("show")
def show(ctx: typer.Context, sku: str = typer.Argument(..., help="The product's SKU")) -> None:
    """One product: description, prices, stock on hand, reserved and available."""
    session(ctx).send(GetCatalogProductV1, {"sku": sku})


@app.command("shipping-modes")
def shipping_modes(
    ctx: typer.Context, currency: str | None = typer.Option(None, "--currency", help="Charges in this currency")
) -> None:
    """The shipping modes a cart can use, and what each charges."""
    session(ctx).send(ListShippingModesV1, given(currency=currency))
