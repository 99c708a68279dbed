"""Customers as a CSR reads them: find results as a table; a customer as panels (profile,
address book with the default billing and shipping marks, account, status, attributes); profile
changes, contact history, order/quote/return history, assets, ticklers and accounts."""

from __future__ import annotations

from typing import Any

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from csr.console.render import address_text, fmt, money, renderer, when
from csr.console.views import credit
from csr.console.views.orders import grid, listing, page_note, titled


def full_name(record: dict[str, Any]) -> str:
    return " ".join(str(record[k]) for k in ("first_name", "last_name") if record.get(k))


def status_of(record: dict[str, Any]) -> Text:
    status = str(record.get("status"))
    text = Text(status, style="bold red" if status == "locked" else "green")
    if record.get("guest"):
        text.append(" (guest)", style="dim")
    return text


# --- find (CUS-03) ---------------------------------------------------------------------------


@renderer("FindCustomers")
def found_customers(result: dict[str, Any]) -> RenderableType:
    table = listing("Customers", "name", "logon", "e-mail", "phone", "postal code", "account", "status", "customer id")
    for c in result.get("customers") or []:
        account = " ".join(str(c[k]) for k in ("account_number", "account_name") if c.get(k))
        table.add_row(
            Text(full_name(c)),
            Text(str(c.get("logon_id") or "—")),
            Text(str(c.get("email") or "—")),
            Text(str(c.get("phone") or "—")),
            str(c.get("postal_code") or "—"),
            Text(account or "—"),
            status_of(c),
            str(c.get("customer_id")),
        )
    shown = len(result.get("customers") or [])
    if not shown:
        return Text("No customer matches.", style="yellow")
    return Group(table, page_note({"page": result.get("page"), "has_more": result.get("has_more")}, shown))


# --- view (CUS-04) ---------------------------------------------------------------------------


def _panel(body: RenderableType, title: str) -> Panel:
    return Panel(body, title=title, title_align="left", expand=False)


@renderer("GetCustomer")
def customer(result: dict[str, Any]) -> RenderableType:
    profile = grid(
        [
            ("name", Text(full_name(result), style="bold")),
            ("logon id", result.get("logon_id") or "(guest: no logon)"),
            ("e-mail", result.get("email")),
            ("phone", result.get("phone")),
            ("mobile", result.get("mobile_phone")),
            ("language", result.get("preferred_language")),
            ("currency", result.get("preferred_currency")),
            ("e-mail format", result.get("email_format") or "default"),
            ("challenge question", result.get("challenge_question")),
            ("customer id", result.get("customer_id")),
            (
                "version",
                f"{result.get('version')}, changed {when(result.get('updated_at'))} by {result.get('updated_by')}",
            ),
            ("created", f"{when(result.get('created_at'))} by {result.get('created_by')}"),
        ]
    )
    status_rows: list[tuple[str, Any]] = [("status", status_of(result)), ("failed logons", result.get("failed_logons"))]
    if result.get("locked_at"):
        status_rows.append(("locked at", when(result["locked_at"])))
    if result.get("must_change_password"):
        status_rows.append(("password", f"temporary, expires {when(result.get('password_expires_at'))}"))
    account = result.get("account")
    account_body: RenderableType = (
        grid(
            [
                ("number", account.get("account_number")),
                ("name", account.get("name")),
                ("id", account.get("account_id")),
            ]
        )
        if account
        else Text("no account", style="dim")
    )
    panels: list[RenderableType] = [
        _panel(profile, f"Customer {full_name(result)}"),
        Columns([_panel(grid(status_rows), "Status"), _panel(account_body, "Account")]),
        _panel(address_book(result.get("addresses") or []), "Address book"),
    ]
    extras = [(f"{k}", v) for k, v in sorted((result.get("attributes") or {}).items())]
    extras += [(f"{k} (demographic)", v) for k, v in sorted((result.get("demographics") or {}).items())]
    if extras:
        panels.append(_panel(grid(extras), "Attributes"))
    if "store_credit" in result:
        panels.append(_panel(store_credit(result["store_credit"]), "Store credit"))
    return Group(*panels)


def store_credit(found: dict[str, Any]) -> RenderableType:
    """The balance per currency; when the orders service could not say, a note that says so (the
    customer is shown all the same) and where to look again."""
    if found.get("balances") is None:
        return Text(f"{found.get('note')} (try `csr credit show` later)", style="yellow")
    return credit.balances(found["balances"])


def address_book(entries: list[dict[str, Any]]) -> RenderableType:
    if not entries:
        return Text("empty", style="dim")
    table = Table(header_style="bold", box=None, padding=(0, 1))
    for column in ("address", "billing", "shipping", "address id"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(
            Text(address_text(entry.get("address"))),
            Text("✓ default", style="green") if entry.get("default_billing") else "",
            Text("✓ default", style="green") if entry.get("default_shipping") else "",
            str(entry.get("address_id")),
        )
    return table


# --- changes, contacts, history, assets (CUS-05, CUS-10, CUS-11, CUS-14) ------------------------


@renderer("GetProfileChanges")
def profile_changes(result: dict[str, Any]) -> RenderableType:
    table = titled("Profile changes", "v", "when", "by", "field", "before", "after", "reason")
    for change in result.get("changes") or []:
        first = True
        for name in change.get("changed_fields") or ["(none)"]:
            before, after = (change.get("before") or {}).get(name), (change.get("after") or {}).get(name)
            head = (str(change.get("version")), when(change.get("changed_at")), str(change.get("changed_by")))
            table.add_row(
                *(head if first else ("", "", "")),
                name,
                Text(fmt(before)),
                Text(fmt(after)),
                Text(str(change.get("reason") or "")) if first else "",
            )
            first = False
    return Group(table, page_note({"has_more": result.get("has_more")}, len(result.get("changes") or [])))


@renderer("GetContactHistory")
def contact_history(result: dict[str, Any]) -> RenderableType:
    table = titled("Contact history", "when", "kind", "subject", "activity / result", "by / to", "regarding")
    for e in result.get("entries") or []:
        codes = " / ".join(str(e[k]) for k in ("activity_code", "result_code") if e.get(k))
        subject = Text(str(e.get("subject")))
        if e.get("description"):
            subject.append(f"\n{e['description']}", style="dim")
        table.add_row(
            when(e.get("occurred_at")),
            str(e.get("kind")),
            subject,
            codes,
            Text(str(e.get("by") or e.get("to") or "")),
            Text(str(e.get("regarding") or "")),
        )
    return Group(table, page_note({"has_more": result.get("has_more")}, len(result.get("entries") or [])))


@renderer("GetCustomerHistory")
def customer_history(result: dict[str, Any]) -> RenderableType:
    orders = titled("Orders", "order number", "status", "lines", "total", "v", "placed", "updated")
    for o in result.get("orders") or []:
        orders.add_row(
            str(o.get("order_number")),
            str(o.get("status")),
            str(o.get("lines")),
            money(o.get("total"), o.get("currency")),
            str(o.get("version")),
            when(o.get("placed_at")),
            when(o.get("updated_at")),
        )
    quotes = titled("Quotes", "quote number", "lines", "total", "saved", "expires")
    for q in result.get("quotes") or []:
        quotes.add_row(
            str(q.get("quote_number")),
            str(q.get("lines")),
            money(q.get("total"), q.get("currency")),
            when(q.get("saved_at")),
            when(q.get("expires_at")),
        )
    returns = titled("Returns", "return number", "order number", "status", "lines", "refund", "created")
    for r in result.get("returns") or []:
        returns.add_row(
            str(r.get("return_number")),
            str(r.get("order_number")),
            str(r.get("status")),
            str(r.get("lines")),
            money(r.get("refund_amount"), r.get("currency")),
            when(r.get("created_at")),
        )
    parts: list[RenderableType] = []
    for table, rows, name in (
        (orders, result.get("orders"), "orders"),
        (quotes, result.get("quotes"), "quotes"),
        (returns, result.get("returns"), "returns"),
    ):
        parts.append(table if rows else Text(f"No {name}.", style="dim"))
    if result.get("has_more"):
        parts.append(Text("more on the next page", style="dim"))
    return Group(*parts)


@renderer("ListAssets")
def assets(result: dict[str, Any]) -> RenderableType:
    rows = result.get("assets") or result.get("items") or []  # v1's list, or v2's common page shape
    if not rows:
        return Text("No assets yet: fulfilled trackable items appear here.", style="dim")
    table = titled("Assets", "sku", "name", "qty", "serial number", "order number", "acquired", "status")
    for a in rows:
        table.add_row(
            str(a.get("sku")),
            Text(str(a.get("name"))),
            str(a.get("quantity")),
            str(a.get("serial_number") or "—"),
            str(a.get("order_number")),
            when(a.get("acquired_at")),
            str(a.get("status")),
        )
    return Group(table, page_note({"has_more": result.get("has_more")}, len(rows)))


# --- ticklers (CUS-12) and accounts (CUS-13) ---------------------------------------------------


def _tickler_row(t: dict[str, Any]) -> tuple[Any, ...]:
    due = Text(when(t.get("due_at")), style="bold red" if t.get("overdue") and t.get("status") == "open" else "")
    if t.get("overdue") and t.get("status") == "open":
        due.append(" overdue")
    status = str(t.get("status"))
    if t.get("resolution"):
        status += f": {t['resolution']}"
    return (
        due,
        Text(str(t.get("customer_name") or "")),
        str(t.get("assigned_to")),
        Text(str(t.get("reason"))),
        Text(str(t.get("regarding") or "")),
        Text(status),
        str(t.get("tickler_id")),
    )


_TICKLER_COLUMNS = ("due", "customer", "assigned to", "reason", "regarding", "status", "tickler id")


@renderer("ListTicklers")
def ticklers(result: dict[str, Any]) -> RenderableType:
    rows = result.get("ticklers") or []
    if not rows:
        return Text("No tickler matches.", style="dim")
    table = titled("Ticklers", *_TICKLER_COLUMNS)
    for t in rows:
        table.add_row(*_tickler_row(t))
    return Group(table, page_note({"has_more": result.get("has_more")}, len(rows)))


@renderer("GetTicklerHistory")
def tickler_history(result: dict[str, Any]) -> RenderableType:
    entries = result.get("ticklers") or []
    if not entries:
        return Text("No tickler was ever created for this customer.", style="dim")
    parts: list[RenderableType] = []
    for entry in entries:
        t = entry.get("tickler") or {}
        actions = titled("", "when", "action", "by", "detail")
        for a in entry.get("actions") or []:
            actions.add_row(when(a.get("at")), str(a.get("action")), str(a.get("by")), Text(fmt(a.get("detail") or {})))
        title = f"{t.get('reason')} — {t.get('status')}, due {when(t.get('due_at'))}, {t.get('assigned_to')}"
        parts.append(Panel(actions, title=title, title_align="left", expand=False))
    return Group(*parts)


@renderer("FindAccounts")
def accounts(result: dict[str, Any]) -> RenderableType:
    rows = result.get("accounts") or []
    if not rows:
        return Text("No account matches.", style="dim")
    table = listing("Accounts", "number", "name", "e-mail", "phone", "members", "created", "account id")
    for a in rows:
        table.add_row(
            str(a.get("account_number")),
            Text(str(a.get("name"))),
            Text(str(a.get("email") or "—")),
            str(a.get("phone") or "—"),
            str(a.get("members")),
            when(a.get("created_at")),
            str(a.get("account_id")),
        )
    return Group(table, page_note({"has_more": result.get("has_more")}, len(rows)))
