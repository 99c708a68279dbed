"""The catalog as a CSR reads it while gathering what the customer wants: products with their
prices and what is available to promise, and the shipping modes with their charges."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from csr.console.render import money, renderer, when
from csr.console.views.orders import grid, page_note, titled


def prices_text(product: dict[str, Any]) -> str:
    return ", ".join(money(p) for p in product.get("prices") or []) or "—"


def availability(product: dict[str, Any]) -> Text:
    if not product.get("active", True):
        return Text("no longer sold", style="red")
    if not product.get("stocked", True):
        return Text("always available")
    available = int(product.get("available") or 0)
    if available > 0:
        return Text(f"{available} available")
    return Text("out of stock" + (", backorderable" if product.get("backorderable") else ""), style="yellow")


@renderer("SearchCatalog")
def found_products(result: dict[str, Any]) -> RenderableType:
    table = titled("Products", "sku", "name", "category", "price", "availability", "trackable")
    for p in result.get("items") or []:
        table.add_row(
            Text(str(p.get("sku"))),
            Text(str(p.get("name"))),
            Text(str(p.get("category") or "")),
            prices_text(p),
            availability(p),
            "yes" if p.get("trackable") else "",
        )
    return Group(table, page_note(result, len(result.get("items") or [])))


@renderer("GetCatalogProduct")
def product(result: dict[str, Any]) -> RenderableType:
    rows: list[tuple[str, Any]] = [
        ("name", result.get("name")),
        ("description", result.get("description")),
        ("category", result.get("category")),
        ("prices", prices_text(result)),
        ("availability", availability(result)),
        ("on hand / reserved", f"{result.get('on_hand')} / {result.get('reserved')}" if result.get("stocked") else "—"),
        ("trackable", "yes: fulfilled items become the customer's assets" if result.get("trackable") else "no"),
        ("backorderable", result.get("backorderable")),
        ("version", f"{result.get('version')}, changed {when(result.get('updated_at'))}"),
    ]
    return Panel(grid(rows), title=f"Product {result.get('sku')}", title_align="left", expand=False)


@renderer("ListShippingModes")
def shipping_modes(result: dict[str, Any]) -> RenderableType:
    table = titled("Shipping modes", "mode", "name", "currency", "base", "per item", "free from")
    default = result.get("default_mode")
    for mode in result.get("modes") or []:
        code = str(mode.get("code")) + (" (default)" if mode.get("code") == default else "")
        for charge in mode.get("charges") or [{}]:
            currency = charge.get("currency")
            table.add_row(
                code,
                Text(str(mode.get("name"))),
                str(currency or ""),
                money(charge.get("base")),
                money(charge.get("per_item")),
                money(charge.get("free_over")) if charge.get("free_over") else "",
            )
            code = ""
    return table
