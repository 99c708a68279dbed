"""Order servicing and e-mails as a CSR reads them: quotes and what changed since one was saved,
holds, alerts, locks, the pending orders grid, cancellations, changes after submit (the amount to
collect or refund), returns and return orders, the e-mail history with each e-mail's status."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from csr.console.render import address_text, money, renderer, when
from csr.console.views.orders import _CHANGE_TITLES, change_summary, grid, listing, page_note, status_text, titled

_SERVICING_TITLES = {
    "BlockOrder": "Order blocked: not released to fulfilment until a supervisor unblocks it",
    "UnblockOrder": "Order unblocked",
    "SuspendOrder": "Order suspended",
    "ResumeOrder": "Order resumed",
    "FlagOrder": "Order flagged for review",
    "ClearAlerts": "Alerts cleared",
    "ParkCall": "Call parked: the cart is on your pending orders",
    "TransferCall": "Call transferred",
    "VoidCall": "Call voided",
    "VoidOrder": "Pending order voided",
}
_CHANGE_TITLES.update(_SERVICING_TITLES)
for _type, _title in _SERVICING_TITLES.items():  # answered with an OrderChangeResult, titled by what they did
    renderer(_type)(functools.partial(change_summary, title=_title))


def _panel(parts: list[RenderableType], title: str) -> Panel:
    return Panel(Group(*parts), title=title, title_align="left", expand=False)


# --- quotes (SRV-01, SRV-02) -----------------------------------------------------------------


@renderer("SaveAsQuote")
def quote_saved(result: dict[str, Any]) -> RenderableType:
    number = result.get("quote_number")
    rows = [
        ("quote number", Text(str(number), style="bold")),
        ("quote id", result.get("quote_id")),
        ("total", Text(money(result.get("total"), result.get("currency")), style="bold")),
        ("prices guaranteed until", when(result.get("expires_at"))),
        ("customer id", result.get("customer_id")),
    ]
    return _panel([grid(rows)], f"Quote saved: read the number {number} to the customer")


@renderer("EmailQuote")
def quote_emailed(result: dict[str, Any]) -> RenderableType:
    return _panel([grid([("to", result.get("email")), ("quote id", result.get("quote_id"))])],
                  f"Quote {result.get('quote_number')} e-mailed")  # fmt: skip


def quote_changes(changes: list[Mapping[str, Any]], currency: str | None) -> RenderableType:
    if not changes:
        return Text("Nothing changed in the catalog since the quote was saved.", style="dim")
    table = titled("What changed since the quote was saved", "line", "sku", "change", "quoted", "now", "kept", "note")
    for c in changes:
        honoured = c.get("honoured")
        table.add_row(
            str(c.get("line_no") or "—"),
            str(c.get("sku")),
            Text(str(c.get("kind")).replace("_", " "), style="bold yellow"),
            money(c.get("quoted_unit_price"), currency) if c.get("quoted_unit_price") is not None else "—",
            money(c.get("current_unit_price"), currency) if c.get("current_unit_price") is not None else "—",
            "—" if honoured is None else ("quoted price" if honoured else "today's price"),
            Text(str(c.get("message") or "")),
        )
    return table


@renderer("ConvertQuoteToOrder")
def quote_converted(result: dict[str, Any]) -> RenderableType:
    currency = result.get("currency")
    rows = [
        ("new cart", Text(str(result.get("order_id")), style="bold")),
        ("quote", f"{result.get('quote_number')} ({result.get('quote_id')})"),
        ("quoted total", money(result.get("quoted_total"), currency)),
        ("total now", Text(money(result.get("total"), currency), style="bold")),
        ("quoted prices", "honoured" if result.get("prices_honoured") else "replaced by today's prices"),
    ]
    parts = [grid(rows), quote_changes(result.get("changes") or [], currency)]
    parts.append(Text("Complete the cart (`csr cart pay ...`) and submit it (`csr cart submit`).", style="dim"))
    return _panel(parts, f"Quote {result.get('quote_number')} converted into a cart")


@renderer("FindQuotes")
def found_quotes(result: dict[str, Any]) -> RenderableType:
    items = result.get("items") or []
    if not items:
        return Text("No quote matches.")
    table = listing("Quotes", "quote", "status", "customer", "lines", "total", "quoted", "expires", "quote id")
    for q in items:
        style = {"open": "green", "expired": "red"}.get(str(q.get("status")), "")
        table.add_row(
            Text(str(q.get("quote_number")), style="bold"),
            Text(str(q.get("status")), style=style),
            str(q.get("customer_name") or q.get("customer_id")),
            str(q.get("line_count")),
            money(q.get("total"), q.get("currency")),
            f"{when(q.get('quoted_at'))} by {q.get('quoted_by')}",
            when(q.get("expires_at")),
            str(q.get("quote_id")),
        )
    return Group(table, page_note(result, len(items)))


# --- alerts, locks, pending orders (SRV-05..SRV-08) -------------------------------------------


def alert_list(result: Mapping[str, Any]) -> RenderableType:
    alerts = result.get("alerts") or []
    name = result.get("order_number") or result.get("order_id")
    if not alerts:
        return Text(f"Order {name} has no alerts.")
    table = titled(f"Alerts of order {name}", "alert id", "from", "rule", "message", "raised", "cleared")
    for a in alerts:
        cleared = (
            Text(f"{when(a.get('cleared_at'))} by {a.get('cleared_by')}: {a.get('clear_note')}", style="green")
            if a.get("cleared")
            else Text("not cleared", style="bold red")
        )
        table.add_row(str(a.get("alert_id")), str(a.get("source")), str(a.get("rule")), str(a.get("message")),
                      f"{when(a.get('raised_at'))} by {a.get('raised_by')}", cleared)  # fmt: skip
    return table


@renderer("LockOrder")
@renderer("UnlockOrder")
@renderer("TakeOverLock")
def lock_state(result: dict[str, Any]) -> RenderableType:
    if not result.get("locked"):
        return _panel([grid([("order id", result.get("order_id"))])], "Order unlocked: anyone may work it")
    rows = [
        ("order id", result.get("order_id")),
        ("worked by", Text(str(result.get("agent_id")), style="bold")),
        ("until", when(result.get("expires_at"))),
    ]
    if result.get("previous_agent_id"):
        rows.append(("taken over from", result["previous_agent_id"]))
    return _panel([grid(rows)], "Order locked")


@renderer("ListPendingOrders")
def pending_orders(result: dict[str, Any]) -> RenderableType:
    items = result.get("items") or []
    if not items:
        return Text("No pending orders.")
    table = listing("Pending orders", "order id", "customer", "lines", "total", "agent", "locked", "last updated")
    for p in items:
        table.add_row(
            str(p.get("order_id")),
            str(p.get("customer_name") or p.get("customer_id")),
            str(p.get("line_count")),
            money(p.get("total"), p.get("currency")),
            str(p.get("agent_id")),
            str(p.get("locked_by") or "—") if p.get("locked") else "—",
            f"{when(p.get('last_updated'))} by {p.get('updated_by')}",
        )
    return Group(table, page_note(result, len(items)))


# --- cancel, change (SRV-09, SRV-10) ---------------------------------------------------------


@renderer("CancelOrder")
def cancelled(result: dict[str, Any]) -> RenderableType:
    rows = [
        ("status", Text(str(result.get("status")), style="bold")),
        ("refund", Text(money(result.get("refund_amount"), result.get("currency")), style="bold")),
        ("units back in stock", result.get("released_units")),
        ("version", result.get("version")),
    ]
    return _panel([grid(rows)], f"Order {result.get('order_number')} cancelled")


def due_text(amount: Any, currency: str | None) -> Text:
    value = Decimal(str(amount or 0))
    if value > 0:
        return Text(f"collect {money(value, currency)} from the customer", style="bold yellow")
    if value < 0:
        return Text(f"refund {money(-value, currency)} to the customer", style="bold green")
    return Text("nothing to collect or refund", style="bold")


@renderer("ChangeOrder")
def order_changed(result: dict[str, Any]) -> RenderableType:
    currency = result.get("currency")
    rows = [
        ("status", status_text(str(result.get("status")), result.get("holds"))),
        ("version", result.get("version")),
        ("total before", money(result.get("previous_total"), currency)),
        ("total now", Text(money(result.get("total"), currency), style="bold")),
        ("amount due", due_text(result.get("amount_due"), currency)),
    ]
    parts: list[RenderableType] = [grid(rows)]
    parts += [Text(f"⚠ {w}", style="yellow") for w in result.get("warnings") or []]
    if result.get("alerts"):
        parts.append(alert_list({"order_number": result.get("order_number"), "alerts": result["alerts"]}))
    return _panel(parts, f"Order {result.get('order_number')} changed")


# --- returns (SRV-12) ------------------------------------------------------------------------


def return_lines(lines: list[Mapping[str, Any]], currency: str | None) -> RenderableType:
    table = titled("Coming back", "line", "sku", "name", "qty", "reason", "unit", "refund")
    for ln in lines:
        table.add_row(str(ln.get("line_no")), str(ln.get("sku")), str(ln.get("name")), str(ln.get("quantity")),
                      str(ln.get("reason")), money(ln.get("unit_price"), currency),
                      money(ln.get("refund_amount"), currency))  # fmt: skip
    return table


@renderer("CreateReturn")
@renderer("ReceiveReturn")
@renderer("RefundReturn")
def return_result(result: dict[str, Any]) -> RenderableType:
    currency = result.get("currency")
    rows = [
        ("return number", Text(str(result.get("return_number")), style="bold")),
        ("status", Text(str(result.get("status")), style="bold")),
        ("order", result.get("order_number")),
        ("refund", Text(money(result.get("refund_amount"), currency), style="bold")),
        ("return id", result.get("return_id")),
    ]
    return _panel([grid(rows), return_lines(result.get("lines") or [], currency)],
                  f"Return {result.get('return_number')}: {result.get('status')}")  # fmt: skip


@renderer("GetReturnOrder")
def return_order(result: dict[str, Any]) -> RenderableType:
    currency = result.get("currency")
    ship_from = result.get("ship_from") or {}
    rows = [
        ("status", Text(str(result.get("status")), style="bold")),
        ("order", f"{result.get('order_number')} ({result.get('order_id')})"),
        ("customer", f"{result.get('customer_name') or ''} {result.get('email') or ''}".strip() or "—"),
        ("refund", Text(money(result.get("refund_amount"), currency), style="bold")),
        ("from", address_text(ship_from.get("address")) if ship_from else "—"),
        ("created", f"{when(result.get('created_at'))} by {result.get('created_by')}"),
    ]
    for key in ("note", "refund_reference"):
        if result.get(key):
            rows.append((key.replace("_", " "), result[key]))
    history = titled("Statuses", "status", "by", "at", "note")
    for h in result.get("history") or []:
        history.add_row(str(h.get("status")), str(h.get("by")), when(h.get("at")), str(h.get("note") or ""))
    parts = [grid(rows), return_lines(result.get("lines") or [], currency), history]
    return _panel(parts, f"Return order {result.get('return_number')}")


@renderer("FindReturns")
def found_returns(result: dict[str, Any]) -> RenderableType:
    items = result.get("items") or []
    if not items:
        return Text("No return matches.")
    table = listing("Returns", "return", "status", "order", "customer", "lines", "refund", "created", "return id")
    for r in items:
        table.add_row(Text(str(r.get("return_number")), style="bold"), str(r.get("status")),
                      str(r.get("order_number")), str(r.get("customer_name") or r.get("customer_id")),
                      str(r.get("line_count")), money(r.get("refund_amount"), r.get("currency")),
                      when(r.get("created_at")), str(r.get("return_id")))  # fmt: skip
    return Group(table, page_note(result, len(items)))


# --- e-mails (NTF-03, NTF-04, history) -------------------------------------------------------

_STATUS_STYLE = {
    "sent": "green",
    "failed": "bold red",
    "uncertain": "bold yellow",
    "pending": "yellow",
    "sending": "yellow",
}


@renderer("SendEmail")
@renderer("ResendConfirmation")
@renderer("ResendEmail")
def email_queued(result: dict[str, Any]) -> RenderableType:
    status = str(result.get("status"))
    rows = [
        ("e-mail id", result.get("email_id")),
        ("to", result.get("to")),
        ("status", Text(status, style=_STATUS_STYLE.get(status, ""))),
    ]
    note = Text("`csr email history` shows when it was sent.", style="dim")
    return _panel([grid(rows), note], "E-mail queued")


@renderer("GetEmailHistory")
def email_history(result: dict[str, Any]) -> RenderableType:
    items = result.get("items") or []
    if not items:
        return Text("No e-mails.")
    table = listing("E-mails", "created", "to", "subject", "regarding", "status", "tries", "sent", "e-mail id")
    for e in items:
        status = str(e.get("status"))
        text = Text(status, style=_STATUS_STYLE.get(status, ""))
        if e.get("resends"):
            text.append(f" re-sent x{e['resends']}", style="dim")
        if e.get("last_error") and status != "sent":
            text.append(f" ({e['last_error']})", style="dim")
        table.add_row(when(e.get("created_at")), str(e.get("to") or "—"), str(e.get("subject")),
                      str(e.get("regarding") or e.get("template") or "—"), text, str(e.get("attempts")),
                      when(e.get("sent_at")) if e.get("sent_at") else "—", str(e.get("email_id")))  # fmt: skip
    return Group(table, page_note(result, len(items)))


@renderer("GetEmail")
def email_view(result: dict[str, Any]) -> RenderableType:
    status = str(result.get("status"))
    rows = [
        ("to", result.get("to")),
        ("subject", Text(str(result.get("subject")), style="bold")),
        ("status", Text(status, style=_STATUS_STYLE.get(status, ""))),
        ("attempts", result.get("attempts")),
        ("created", f"{when(result.get('created_at'))} by {result.get('created_by')}"),
        ("sent", when(result.get("sent_at")) if result.get("sent_at") else "—"),
        ("regarding", result.get("regarding") or "—"),
        ("template", result.get("template") or "—"),
        ("format", f"{result.get('format')}, {result.get('language')}"),
    ]
    if result.get("resends"):
        by = f", last by {result['resent_by']} {when(result.get('resent_at'))}" if result.get("resent_by") else ""
        rows.append(("re-sent", f"{result['resends']} time(s), same Message-ID{by}"))
    rows.append(("message id", result.get("message_id")))
    if result.get("flags"):
        rows.append(("flags", ", ".join(result["flags"])))
    if result.get("last_error"):
        rows.append(("last error", Text(str(result["last_error"]), style="red")))
    body = result.get("body_text")
    parts: list[RenderableType] = [grid(rows)]
    if body:
        parts.append(Panel(Text(str(body)), title="text", title_align="left"))
    elif result.get("body_deleted_at"):
        parts.append(Text(f"(body deleted {when(result['body_deleted_at'])}, past its retention)", style="dim"))
    return _panel(parts, f"E-mail {result.get('email_id')}")


@renderer("PreviewEmail")
def email_preview(result: dict[str, Any]) -> RenderableType:
    rows = [("to", result.get("to") or "—"), ("subject", Text(str(result.get("subject")), style="bold")),
            ("format", f"{result.get('format')}, {result.get('language')}")]  # fmt: skip
    return _panel([grid(rows), Panel(Text(str(result.get("body_text") or "")), title="text", title_align="left")],
                  "Preview (not sent)")  # fmt: skip
