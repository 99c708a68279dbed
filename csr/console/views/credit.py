"""Store credit and appeasements as a CSR reads them (MNY-07, MNY-08): the balance per currency
with the latest movements, what an appeasement did, a supervisor's store credit."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from csr.console.render import money, renderer, when
from csr.console.views.orders import grid

_SIGN = {"issued": "+", "given_back": "+", "redeemed": "-"}


def balances(rows: list[dict[str, Any]]) -> RenderableType:
    """The balance per currency (``csr credit show``, ``csr customer show``)."""
    if not rows:
        return Text("no store credit", style="dim")
    return grid([(str(b["currency"]), Text(money(b["balance"], b["currency"]), style="bold")) for b in rows])


@renderer("GetStoreCredit")
def store_credit(result: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = [balances(result.get("balances") or [])]
    movements = result.get("movements") or []
    if movements:
        table = Table("when", "", "amount", "order", "why", "by", box=None)
        for m in movements:
            table.add_row(
                when(m.get("at")),
                _SIGN.get(str(m.get("kind")), ""),
                money(m.get("amount"), m.get("currency")),
                m.get("order_number") or "",
                m.get("reason"),
                m.get("by"),
            )
        parts.append(table)
    return Panel(Group(*parts), title="Store credit", title_align="left")


@renderer("GrantAppeasement")
def appeased(result: dict[str, Any]) -> RenderableType:
    currency = result.get("currency")
    rows: list[tuple[str, Any]] = [("amount", Text(money(result.get("amount"), currency), style="bold"))]
    if result.get("payout") == "card":
        rows.append(("refunded to the card", money(result.get("refunded"), currency)))
    else:
        rows.append(("store credit balance", money(result.get("store_credit_balance"), currency)))
    return Panel(grid(rows), title=f"Appeasement granted on order {result.get('order_number')}", title_align="left")


@renderer("IssueStoreCredit")
def issued(result: dict[str, Any]) -> RenderableType:
    currency = result.get("currency")
    rows = [
        ("issued", Text(money(result.get("amount"), currency), style="bold")),
        ("balance", money(result.get("balance"), currency)),
    ]
    return Panel(grid(rows), title="Store credit issued", title_align="left")
