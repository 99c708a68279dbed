"""Carts and orders as a CSR reads them: the order view (header, lines, charges and discounts,
totals, payments, addresses, attributes, versions, comments), a version, the difference between
two versions, find results, and the short answer to each change of a cart."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from contracts.envelope import Command
from contracts.orders import OrderChangeResult
from contracts.registry import all_messages
from csr.console.render import TEXT_MIN, FittedTable, address_text, fmt, id_column, money, renderer, when

# --- small pieces ----------------------------------------------------------------------------


def grid(rows: Iterable[tuple[str, Any]]) -> Table:
    """Label/value rows; a value may be rich Text (styled) or anything :func:`fmt` writes."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, value if isinstance(value, Text) else Text(fmt(value)))
    return table


def titled(title: str, *rows: str, **columns: Any) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold", **columns)
    for column in rows:
        table.add_column(
            column,
            overflow="fold",
            no_wrap=column.endswith(" id"),  # ids are copied whole into the next command
            justify="right" if column in _NUMERIC else "left",
        )
    return table


def listing(title: str, *rows: str) -> FittedTable:
    """A list of records (found orders, customers, quotes...) that fits the terminal: on a narrow
    one its identifier columns, then the least needed ones, are left out (and it says so) before
    anything is squeezed; numbers and amounts are never cut; names and addresses wrap."""
    table = FittedTable(
        title=title, title_justify="left", title_style="bold", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False
    )
    for column in rows:
        if column.endswith(" id"):
            id_column(table, column)
        elif column in _NUMERIC or column in _UNBROKEN:
            table.add_column(column, no_wrap=True, justify="right" if column in _NUMERIC else "left")
        else:
            table.add_column(column, overflow="fold", min_width=TEXT_MIN)
    return table


_NUMERIC = {"qty", "unit", "discount", "line total", "amount", "calculated", "charged", "total", "lines", "v"}
# Read to the caller as they are: never broken over lines.
_UNBROKEN = {"order number", "quote number", "return number", "sku", "postal code", "phone"}


def status_text(status: str, holds: list[str] | None) -> Text:
    text = Text(status, style="bold")
    if holds:
        text.append(f"  on hold: {', '.join(holds)}", style="bold red")
    return text


def customer_text(order: Mapping[str, Any]) -> str:
    name = " ".join(str(order[k]) for k in ("first_name", "last_name") if order.get(k)) or "(no name)"
    extras = [order.get("email"), order.get("phone")]
    text = " · ".join([name, *(str(e) for e in extras if e)])
    if order.get("guest"):
        text += " (guest)"
    if order.get("account_id"):
        text += f" · account {order['account_id']}"
    return text


def ship_to_text(ship_to: Mapping[str, Any] | None) -> str:
    if not ship_to:
        return "—"
    mode = f" ({ship_to['shipping_mode']})" if ship_to.get("shipping_mode") else ""
    return address_text(ship_to.get("address")) + mode


def payment_text(payment: Mapping[str, Any]) -> str:
    """``visa •••• 1111, exp 12/2030, Maria Rossi`` or ``invoice, PO 4711``: never more of a card."""
    if payment.get("method") == "invoice":
        return "invoice" + (f", PO {payment['purchase_order']}" if payment.get("purchase_order") else "")
    if payment.get("method") == "store_credit":
        return "store credit"
    parts = [f"{payment.get('brand') or 'card'} •••• {payment.get('last4') or '????'}"]
    if payment.get("expiry_month") and payment.get("expiry_year"):
        parts.append(f"exp {int(payment['expiry_month']):02d}/{payment['expiry_year']}")
    if payment.get("holder_name"):
        parts.append(str(payment["holder_name"]))
    return ", ".join(parts)


def is_zero(value: Any) -> bool:
    try:
        return float(str(value)) == 0
    except (TypeError, ValueError):
        return value is None


# --- the order view (ORD-13) -----------------------------------------------------------------


def order_parts(order: Mapping[str, Any]) -> list[RenderableType]:
    """Everything of one order (or one version of it), top to bottom."""
    currency = str(order.get("currency", ""))
    parts: list[RenderableType] = [header(order)]
    parts.append(lines_table(order.get("lines") or [], currency))
    charges = charges_table(order, currency)
    if charges.row_count:
        parts.append(charges)
    parts.append(totals_grid(order.get("totals") or {}, currency))
    parts.append(payments_table(order.get("payments") or [], currency))
    parts.append(
        grid(
            [
                ("ship to", Text(ship_to_text(order.get("ship_to")))),
                ("bill to", address_text(order.get("billing_address"))),
            ]
        )
    )
    if order.get("attributes"):
        parts.append(grid([(f"  {k}", v) for k, v in sorted(order["attributes"].items())]))
    servicing = servicing_rows(order)
    if servicing:
        parts.append(grid(servicing))
    shipments = shipments_table(order.get("shipment_records") or [])
    if shipments.row_count:
        parts.append(shipments)
    return parts


def _note(action: Mapping[str, Any]) -> str:
    note = f": {action['note']}" if action.get("note") else ""
    return f"{action.get('reason')}{note} ({action.get('by')}, {when(action.get('at'))})"


def servicing_rows(order: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Holds, alerts, the lock, quotes, cancellation and the last change after submit (SRV-*)."""
    rows: list[tuple[str, Any]] = []
    if order.get("quote_number"):
        rows.append(("quote", f"{order['quote_number']}, prices guaranteed until {when(order.get('expires_at'))}"))
    if order.get("quote_id") and order.get("status") != "quote":
        rows.append(("from quote", order["quote_id"]))
    for key, name, style in (("block", "blocked", "bold red"), ("suspension", "suspended", "bold red"),
                             ("cancellation", "cancelled", "bold"), ("void", "voided", "bold")):  # fmt: skip
        if order.get(key):
            rows.append((name, Text(_note(order[key]), style=style)))
    open_alerts = [a for a in order.get("alerts") or [] if not a.get("cleared")]
    if open_alerts:
        text = "; ".join(f"{a.get('rule')}: {a.get('message')}" for a in open_alerts)
        rows.append(("alerts", Text(f"{len(open_alerts)} not cleared: {text}", style="bold red")))
    if order.get("lock"):
        lock = order["lock"]
        rows.append(("worked by", f"{lock.get('agent_id')} until {when(lock.get('expires_at'))}"))
    if order.get("assigned_to"):
        rows.append(("pending with", order["assigned_to"]))
    change = order.get("last_change")
    if change:
        currency = str(order.get("currency", ""))
        rows.append(("last change", f"v{change.get('version')}: {money(change.get('previous_total'), currency)} -> "
                     f"{money(change.get('total'), currency)}, due {money(change.get('amount_due'), currency)} "
                     f"({change.get('reason')}, {change.get('changed_by')})"))  # fmt: skip
    for ret in order.get("returns") or []:
        refund = money(ret.get("refund_amount"), ret.get("currency"))
        rows.append((f"return {ret.get('return_number')}", f"{ret.get('status')}, refund {refund}"))
    return rows


def shipments_table(records: list[Mapping[str, Any]]) -> Table:
    table = titled("Shipments", "shipment", "lines", "carrier", "tracking", "shipped", "delivered")
    for r in records:
        lines = ", ".join(
            f"line {ln.get('line_no')} x{ln.get('quantity')}"
            + (f" ({', '.join(ln['serial_numbers'])})" if ln.get("serial_numbers") else "")
            for ln in r.get("lines") or []
        )
        delivered = when(r.get("delivered_at")) if r.get("delivered_at") else "—"
        carrier, tracking = str(r.get("carrier") or "—"), str(r.get("tracking_number") or "—")
        table.add_row(str(r.get("shipment_id")), lines, carrier, tracking, when(r.get("shipped_at")), delivered)
    return table


def header(order: Mapping[str, Any]) -> Table:
    rows: list[tuple[str, Any]] = [
        (
            "order number",
            Text(str(order["order_number"]), style="bold")
            if order.get("order_number")
            else "(a cart: no number until submitted)",
        ),
        ("status", status_text(str(order.get("status")), order.get("holds"))),
        ("customer", customer_text(order)),
        ("customer id", order.get("customer_id")),
        ("order id", order.get("order_id")),
        ("version", f"{order.get('version')}, changed {when(order.get('updated_at'))} by {order.get('updated_by')}"),
    ]
    if order.get("submitted_at"):
        rows.append(("submitted", f"{when(order['submitted_at'])} by {order.get('submitted_by')}"))
    for key, name in (
        ("label", "label"),
        ("backorder_policy", "backorders"),
        ("cloned_from", "cloned from"),
        ("backorder_of", "backorder of"),
        ("backorder_order_id", "backorders in"),
    ):
        if order.get(key):
            rows.append((name, order[key]))
    if order.get("coupons"):
        rows.append(("coupons", ", ".join(order["coupons"])))
    return grid(rows)


def lines_table(lines: list[Mapping[str, Any]], currency: str) -> Table:
    table = titled(f"Lines ({currency})", "#", "sku", "name", "qty", "unit", "discount", "line total", "ship to")
    for line in lines:
        qty = str(line.get("quantity"))
        if line.get("backordered_quantity"):
            qty += f" ({line['backordered_quantity']} backordered)"
        discount = "" if is_zero(line.get("discount")) else f"-{money(line['discount'])}"
        if discount and line.get("discount_code"):
            discount += f" {line['discount_code']}"
        table.add_row(
            str(line.get("line_no")),
            Text(str(line.get("sku"))),
            Text(str(line.get("name") or line.get("description") or "")),
            qty,
            money(line.get("unit_price")),
            discount,
            money(line.get("net", line.get("line_total"))),
            Text(ship_to_text(line["ship_to"]) if line.get("ship_to") else "order's"),
        )
    if not lines:
        table.add_row("", Text("(no lines)", style="dim"), "", "", "", "", "", "")
    return table


def charges_table(order: Mapping[str, Any], currency: str) -> Table:
    table = titled("Charges and discounts", "what", "amount", "detail")
    mode = (order.get("ship_to") or {}).get("shipping_mode")
    for charge in order.get("charges") or []:
        what = str(charge.get("kind")) + (f" ({mode})" if charge.get("kind") == "shipping" and mode else "")
        detail = ""
        if charge.get("overridden"):
            detail = (
                f"overridden from {money(charge.get('calculated'))} by {charge.get('overridden_by')} "
                f"{when(charge.get('overridden_at'))}: {charge.get('reason')}"
            )
        table.add_row(what, money(charge.get("amount"), currency), Text(detail))
    for discount in order.get("discounts") or []:
        if discount.get("kind") == "adjustment":
            continue  # shown with its reason and agent below
        what = f"{discount.get('kind')} {discount.get('code') or ''}".strip()
        detail = str(discount.get("description") or "") + (f" ({discount['note']})" if discount.get("note") else "")
        table.add_row(what, f"-{money(discount.get('amount'), currency)}", Text(detail))
    adjustment = order.get("adjustment")
    if adjustment and not is_zero(adjustment.get("amount")):
        detail = (
            f"{adjustment.get('reason')} (by {adjustment.get('adjusted_by')} {when(adjustment.get('adjusted_at'))})"
        )
        table.add_row("adjustment", f"-{money(adjustment.get('amount'), currency)}", Text(detail))
    return table


def totals_grid(totals: Mapping[str, Any], currency: str) -> Table:
    rows: list[tuple[str, Any]] = [("merchandise", money(totals.get("merchandise"), currency))]
    if not is_zero(totals.get("line_discounts")):
        rows.append(("line discounts", f"-{money(totals.get('line_discounts'), currency)}"))
    rows.append(("subtotal", money(totals.get("subtotal"), currency)))
    if not is_zero(totals.get("discount_total")):
        rows.append(("discounts", f"-{money(totals.get('discount_total'), currency)}"))
    rows += [
        ("shipping", money(totals.get("shipping"), currency)),
        ("handling", money(totals.get("handling"), currency)),
        ("tax", money(totals.get("tax"), currency)),
        ("total", Text(money(totals.get("total"), currency), style="bold")),
    ]
    table = Table(title="Totals", title_justify="left", title_style="bold", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in rows:
        table.add_row(name, value if isinstance(value, Text) else Text(value))
    return table


def payments_table(payments: list[Mapping[str, Any]], currency: str) -> Table:
    table = titled("Payments", "method", "amount", "status", "payment id")
    for payment in payments:
        amount = money(payment.get("amount"), currency)
        if payment.get("requested_amount") is None and payment.get("method"):
            amount += " (the rest)"
        status = Text(str(payment.get("status")), style="red" if payment.get("status") == "declined" else "")
        if payment.get("result_reason"):
            status.append(f": {payment['result_reason']}")
        table.add_row(Text(payment_text(payment)), amount, status, str(payment.get("payment_id")))
    if not payments:
        table.add_row(Text("(none yet)", style="dim"), "", "", "")
    return table


def versions_table(versions: list[Mapping[str, Any]]) -> Table:
    table = titled("Versions", "v", "change", "reason", "by", "when")
    for v in versions:
        table.add_row(
            str(v.get("version")),
            str(v.get("change")),
            Text(str(v.get("reason") or "")),
            str(v.get("changed_by")),
            when(v.get("changed_at")),
        )
    return table


def comments_table(comments: list[Mapping[str, Any]]) -> Table:
    table = titled("Comments", "when", "by", "to", "text")
    for c in comments:
        to = "customer (e-mailed)" if c.get("visibility") == "customer" else "internal"
        table.add_row(when(c.get("added_at")), str(c.get("added_by")), to, Text(str(c.get("text"))))
    return table


def order_title(order: Mapping[str, Any]) -> str:
    if order.get("order_number"):
        return f"Order {order['order_number']}"
    return f"Cart {order.get('order_id')}"


@renderer("GetOrder")
def order_details(result: dict[str, Any]) -> RenderableType:
    order = result.get("order") or {}
    parts = order_parts(order)
    if result.get("versions"):
        parts.append(versions_table(result["versions"]))
    if result.get("comments"):
        parts.append(comments_table(result["comments"]))
    return Panel(Group(*parts), title=order_title(order), title_align="left", expand=False)


@renderer("GetOrderVersion")
def order_version(result: dict[str, Any]) -> RenderableType:
    order, info = result.get("order") or {}, result.get("version") or {}
    note = Text(
        f"as it was at version {info.get('version')}: {info.get('change')}, {info.get('reason')} "
        f"(by {info.get('changed_by')} {when(info.get('changed_at'))})",
        style="italic",
    )
    title = f"{order_title(order)}, version {info.get('version')}"
    return Panel(Group(note, *order_parts(order)), title=title, title_align="left", expand=False)


# --- the difference between two versions (ORD-11) --------------------------------------------

_AREAS = ["lines", "prices", "charges", "addresses", "payments", "attributes", "order"]
_STEP = re.compile(r"(?P<name>[a-z_]+)(?:\[(?P<key>[^\]]+)\])?")
_SINGULAR = {"lines": "line", "payments": "payment", "discounts": "discount", "charges": "charge"}
_WORDS = {
    "ship_to": "ship-to",
    "billing_address": "billing address",
    "line1": "street",
    "totals": "",
    "shipping_mode": "shipping mode",
    "billing_source_address_id": "billing address from the book",
    "source_address_id": "from the address book",
}


def what(path: str) -> str:
    """``lines[2].quantity`` -> ``line 2 quantity``; ``payments[<id>].status`` -> ``payment 1a2b3c4d status``."""
    words: list[str] = []
    for step in path.split("."):
        match = _STEP.fullmatch(step)
        if not match:
            words.append(step)
            continue
        name, key = match["name"], match["key"]
        if key is not None:
            key = key[:8] if len(key) == 36 else key
            words.append(f"{_SINGULAR.get(name, name)} {key}")
        else:
            words.append(_WORDS.get(name, name.replace("_", " ")))
    return " ".join(w for w in words if w)


def value_text(value: Any, path: str = "") -> str:
    """One side of a difference, whatever its shape: a line, a payment, an address, a discount."""
    if value is None:
        return "—"
    if isinstance(value, Mapping):
        if "sku" in value and "quantity" in value:
            name = f" {value['name']}" if value.get("name") else ""
            return f"{value['sku']}{name} × {value['quantity']} at {money(value.get('unit_price'))}"
        if "method" in value and "payment_id" in value:
            return f"{payment_text(value)}, {money(value.get('amount'))} ({value.get('status')})"
        if "line1" in value:
            return address_text(value)
        if "address" in value:
            return ship_to_text(value)
        if "description" in value and "amount" in value:
            return f"{value.get('code') or value.get('kind')}: {value['description']} -{money(value['amount'])}"
        if "reason" in value and "amount" in value:
            return f"-{money(value['amount'])}: {value['reason']}"
        return fmt({k: v for k, v in value.items() if v not in (None, [], {})})
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) or "(none)"
    last = path.rsplit(".", 1)[-1]
    if last in {
        "unit_price",
        "subtotal",
        "discount",
        "net",
        "order_discount",
        "tax",
        "total",
        "amount",
        "calculated",
        "merchandise",
        "line_discounts",
        "discount_total",
        "shipping",
        "handling",
        "charge",
    }:
        return money(value)
    return fmt(value)


def _version_note(info: Mapping[str, Any]) -> str:
    return f"{info.get('change')}: {info.get('reason')} ({info.get('changed_by')} {when(info.get('changed_at'))})"


@renderer("DiffOrderVersions")
def version_diff(result: dict[str, Any]) -> RenderableType:
    before, after = result.get("from_version") or {}, result.get("to_version") or {}
    intro = grid(
        [
            (f"from version {before.get('version')}", _version_note(before)),
            (f"to version {after.get('version')}", _version_note(after)),
        ]
    )
    differences = sorted(
        result.get("differences") or [], key=lambda d: _AREAS.index(d["area"]) if d["area"] in _AREAS else 99
    )
    table = titled("Differences", "area", "what", "change", "before", "after")
    marks = {"added": ("+ added", "green"), "removed": ("- removed", "red"), "changed": ("~ changed", "yellow")}
    for d in differences:
        mark, style = marks.get(d["change"], (d["change"], ""))
        table.add_row(
            d["area"],
            Text(what(d["path"])),
            Text(mark, style=style),
            Text(value_text(d.get("before"), d["path"])),
            Text(value_text(d.get("after"), d["path"])),
        )
    body: list[RenderableType] = [intro, table if differences else Text("no differences", style="dim")]
    return Panel(Group(*body), title=f"Order {result.get('order_id')}: what changed", title_align="left", expand=False)


# --- find, changes, submit, clone --------------------------------------------------------------


@renderer("FindOrders")
def found_orders(result: dict[str, Any]) -> RenderableType:
    table = listing("Orders", "order number", "status", "customer", "ship to", "lines", "total", "updated", "order id")
    for o in result.get("items") or []:
        table.add_row(
            str(o.get("order_number") or "(cart)"),
            status_text(str(o.get("status")), o.get("holds")),
            Text(str(o.get("customer_name") or "")),
            Text(str(o.get("ship_to_name") or "")),
            str(o.get("line_count")),
            money(o.get("total"), o.get("currency")),
            Text(f"{when(o.get('updated_at'))} by {o.get('updated_by')} (v{o.get('version')})"),
            str(o.get("order_id")),
        )
    return Group(table, page_note(result, len(result.get("items") or [])))


def page_note(result: Mapping[str, Any], shown: int) -> Text:
    total, page, size = result.get("total"), result.get("page", 1), result.get("page_size", shown)
    if total is None:
        more = " (more on the next page)" if result.get("has_more") else ""
        return Text(f"{shown} shown, page {page}{more}", style="dim")
    pages = max(1, -(-int(total) // max(1, int(size or 1))))
    return Text(f"{shown} of {total} shown, page {page} of {pages}", style="dim")


def change_summary(result: dict[str, Any], title: str = "Done") -> RenderableType:
    rows: list[tuple[str, Any]] = [
        ("order id", result.get("order_id")),
        ("status", status_text(str(result.get("status")), result.get("holds"))),
        ("version", result.get("version")),
        ("total", Text(money(result.get("total"), result.get("currency")), style="bold")),
    ]
    for key, name in (("line_no", "line"), ("payment_id", "payment id"), ("comment_id", "comment id")):
        if result.get(key) is not None:
            rows.append((name, result[key]))
    parts: list[RenderableType] = [grid(rows)]
    parts += [Text(f"⚠ {warning}", style="yellow") for warning in result.get("warnings") or []]
    return Panel(Group(*parts), title=title, title_align="left", expand=False)


_CHANGE_TITLES = {
    "CreateCart": "Cart created",
    "AddCartLine": "Line added",
    "ChangeCartLine": "Line changed",
    "RemoveCartLine": "Line removed",
    "SetShipping": "Shipping set",
    "SetBillingAddress": "Billing address set",
    "SetBackorderPolicy": "Backorder choice set",
    "ApplyCoupon": "Coupon applied",
    "RemoveCoupon": "Coupon removed",
    "OverrideCharge": "Charge overridden",
    "AdjustSubtotal": "Subtotal adjusted",
    "SetOrderAttributes": "Attributes set",
    "AddPaymentInstruction": "Payment added",
    "RemovePaymentInstruction": "Payment removed",
    "SaveCart": "Cart saved",
    "RecordPaymentResult": "Payment result recorded",
    "AddOrderComment": "Comment added",
}


def _register_change_renderers() -> None:
    """Every command answered with an OrderChangeResult reads the same way."""
    for (message_type, _), cls in all_messages().items():
        if isinstance(cls, type) and issubclass(cls, Command) and cls.RESULT is OrderChangeResult:
            title = _CHANGE_TITLES.get(message_type, f"{message_type}: done")
            renderer(message_type)(functools.partial(change_summary, title=title))


_register_change_renderers()


@renderer("SubmitOrder")
@renderer("PlaceOrder")
def submitted(result: dict[str, Any]) -> RenderableType:
    number = result.get("order_number")
    rows: list[tuple[str, Any]] = [
        ("order number", Text(str(number), style="bold")),
        ("order id", result.get("order_id")),
    ]
    if result.get("status"):
        rows.append(("status", status_text(str(result["status"]), result.get("holds"))))
    if result.get("total") is not None:
        rows.append(("total", money(result.get("total"), result.get("currency"))))
    rows.append(("version", result.get("version")))
    for line_no, qty in sorted((result.get("backordered") or {}).items(), key=lambda kv: int(kv[0])):
        rows.append((f"line {line_no}", f"{qty} backordered"))
    if result.get("backorder_order_number"):
        rows.append(("backorders", f"in order {result['backorder_order_number']} ({result.get('backorder_order_id')})"))
    return Panel(
        grid(rows), title=f"Order placed: read the number {number} to the customer", title_align="left", expand=False
    )


@renderer("CloneOrder")
def cloned(result: dict[str, Any]) -> RenderableType:
    rows = grid(
        [
            ("new cart", result.get("order_id")),
            ("customer id", result.get("customer_id")),
            ("total", money(result.get("total"), result.get("currency"))),
            ("version", result.get("version")),
        ]
    )
    parts: list[RenderableType] = [rows]
    changes = result.get("changes") or []
    if changes:
        table = titled("What is different now", "line", "sku", "change", "was", "now", "note")
        for c in changes:
            table.add_row(
                str(c.get("line_no") or "—"),
                str(c.get("sku")),
                str(c.get("kind")).replace("_", " "),
                money(c.get("old_unit_price")),
                money(c.get("new_unit_price")),
                Text(str(c.get("message"))),
            )
        parts.append(table)
    else:
        parts.append(Text("Every product is still sold at the same price.", style="dim"))
    return Panel(Group(*parts), title="Order cloned into a new cart", title_align="left", expand=False)
