"""How the command line shows things: rich panels and tables for people, JSON for scripts.

Results are rendered generically from their shape (scalars in a panel, lists of records as
tables, money as "149.99 USD"), so a new query's result reads well the day it lands. A curated
command can register a renderer of its own for one message type with :func:`renderer`.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markup import escape
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from contracts.envelope import ReplyV1
from contracts.errors import DESCRIPTIONS, NOT_FOUND, STALE_VERSION
from contracts.orders import ORDER_ERROR_DESCRIPTIONS
from csr.client.config import settings_source
from csr.client.errors import BrokerUnavailable, ClientError, InvalidInput, ReplyTimeout, RequestRejected, UsageError
from csr.client.events import Received

Renderer = Callable[[dict[str, Any]], RenderableType]
_RENDERERS: dict[str, Renderer] = {}


def renderer(message_type: str) -> Callable[[Renderer], Renderer]:
    """Register how the accepted result of ``message_type`` is shown to people."""

    def register(fn: Renderer) -> Renderer:
        _RENDERERS[message_type] = fn
        return fn

    return register


# --- values ----------------------------------------------------------------------------------


def is_money(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"amount", "currency"}


def fmt(value: Any) -> str:
    """One value as text: money as "149.99 USD", lists joined, nested objects as key=value."""
    if value is None:
        return "—"
    if is_money(value):
        return f"{value['amount']} {value['currency']}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items() if v is not None) or "—"
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value) or "—"
    return str(value)


def money(value: Any, currency: str | None = None) -> str:
    """``149.99 USD``: an amount stored with four places reads with two when they say it all."""
    if value is None:
        return "—"
    if is_money(value):
        value, currency = value["amount"], value["currency"]
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    cents = amount.quantize(Decimal("0.01"))
    text = str(cents if cents == amount else amount.normalize())
    return f"{text} {currency}" if currency else text


def address_text(value: Mapping[str, Any] | None) -> str:
    """An address on one line: ``Maria Rossi, 12 Harbour Road, Springfield IL 62701, US``."""
    if not value:
        return "—"
    name = " ".join(str(value[k]) for k in ("first_name", "last_name") if value.get(k))
    place = " ".join(str(value[k]) for k in ("city", "region", "postal_code") if value.get(k))
    parts = [name, value.get("line1"), value.get("line2"), place, value.get("country")]
    text = ", ".join(str(p) for p in parts if p)
    return f"{value['nickname']}: {text}" if value.get("nickname") else text


def when(value: Any) -> str:
    """A timestamp as a person reads it: ``2026-11-27 22:32`` (UTC as the services keep it)."""
    if not value:
        return "—"
    text = str(value).replace("T", " ")
    return text[:16] + (" UTC" if text.endswith(("Z", "+00:00")) else "")


def label(key: str) -> str:
    return key.replace("_", " ").replace(".", " › ")


def _flatten(prefix: str, value: Mapping[str, Any], out: dict[str, Any]) -> None:
    for key, item in value.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(item, Mapping) and not is_money(item) and item:
            _flatten(name, item, out)
        else:
            out[name] = item


# --- records ---------------------------------------------------------------------------------


SHORT = 14  # a column whose values are never longer (numbers, statuses, amounts) is never wrapped
TEXT_MIN = 8  # a text column (names, addresses) wraps, but is never crushed below this


def id_column(grid: Table, header: str) -> None:
    """An identifier column: whole (it is copied into the next command) and never wrapped; on a
    terminal too narrow for it, :class:`FittedTable` leaves it out first and says so, rather than
    squeezing an order number to one digit per line, as a 36-character UUID did at 80 columns."""
    grid.add_column(header, no_wrap=True)


# Least needed first: what a narrow terminal drops before it crushes what the caller reads out.
DROPPABLE = ("v", "by", "ship to", "last updated", "updated", "agent", "locked", "account", "phone", "e-mail")


class FittedTable(Table):
    """A table that drops its least needed columns, identifiers first, then ``DROPPABLE`` ones,
    while it cannot fit the terminal without breaking words; what it drops is said under it.
    ``--json`` always has everything."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        self._keep_unbroken_whole(console, options)
        fitted, dropped = self, []
        for name in self._drop_order():
            if fitted.__rich_measure__(console, options).minimum <= options.max_width:
                break
            fitted = fitted._without(name)
            dropped.append(name)
        if fitted is self:
            yield from super().__rich_console__(console, options)
            return
        yield from Table.__rich_console__(fitted, console, options)
        yield Text(f"(not shown at this width: {', '.join(dropped)}; --json has them)", style="dim")

    def _keep_unbroken_whole(self, console: Console, options: ConsoleOptions) -> None:
        """Amounts and numbers (no-wrap columns, ids aside) are given their whole width: squeezing a
        narrow table cut "1234.50 EUR" to "1234.50 E…"."""
        for column in self.columns:
            if column.no_wrap and column.max_width is None:
                widths = [Measurement.get(console, options, cell).maximum for cell in column.cells]
                column.min_width = max([*widths, len(str(column.header))]) + 2  # Rich counts the padding in

    def _drop_order(self) -> list[str]:
        headers = [str(c.header) for c in self.columns]
        ids = [h for h in headers if h.endswith(" id") or h == "id"]
        return ids + [h for h in DROPPABLE if h in headers]

    def _without(self, header: str) -> FittedTable:
        narrower = copy.copy(self)
        narrower.columns = [c for c in self.columns if str(c.header) != header]
        return narrower


def table(rows: Sequence[Mapping[str, Any]], title: str | None = None) -> Table:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    grid = FittedTable(title=title, title_justify="left", show_lines=False, header_style="bold")
    for column in columns:
        cells = [fmt(row.get(column)) for row in rows]
        if column.endswith("_id") or column == "id":
            id_column(grid, label(column))
        elif max(map(len, cells), default=0) <= SHORT:
            grid.add_column(label(column), no_wrap=True)
        else:
            grid.add_column(label(column), overflow="fold", min_width=TEXT_MIN)
    for row in rows:
        grid.add_row(*(Text(fmt(row.get(c))) for c in columns))
    return grid


def record(result: Mapping[str, Any], title: str | None = None) -> RenderableType:
    """A result as a panel of its values, with a table for each list of records in it."""
    scalars: dict[str, Any] = {}
    tables: list[RenderableType] = []
    for key, value in result.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            tables.append(table(value, title=label(key)))
        elif isinstance(value, Mapping) and not is_money(value) and value:
            _flatten(key, value, scalars)
        else:
            scalars[key] = value
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in scalars.items():
        grid.add_row(label(key), Text(fmt(value)))
    parts: list[RenderableType] = [grid] if scalars else []
    parts.extend(tables)
    return Panel(Group(*parts) if parts else Text("(nothing)"), title=title, title_align="left", expand=False)


def shown(message_type: str, result: dict[str, Any], title: str | None = None) -> RenderableType:
    """The accepted result of ``message_type`` as people read it: its own renderer, or a panel."""
    custom = _RENDERERS.get(message_type)
    return custom(result) if custom else record(result, title or f"{message_type}: accepted")


# --- the output of one command ---------------------------------------------------------------


class Output:
    """Where a command writes: results to standard output, problems to standard error; with
    ``--json`` everything a script reads is JSON on standard output."""

    def __init__(self, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        # Written to a file or a CI log, tables read better wider than a terminal's default 80: wide
        # enough that identifiers are shown whole (a terminal narrower than a table leaves them out).
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
        self.out = Console(highlight=False, width=width)
        self.err = Console(stderr=True, highlight=False)

    def json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def json_line(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, default=str, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def show(self, renderable: RenderableType) -> None:
        self.out.print(renderable)

    def info(self, text: str) -> None:
        """A remark for the person at the terminal (standard error: never in a script's JSON)."""
        self.err.print(text, style="dim", markup=False, soft_wrap=True)

    def accepted(self, reply: ReplyV1, title: str | None = None) -> None:
        self.result(reply.request_type, reply.result or {}, title)

    def result(self, message_type: str, result: dict[str, Any], title: str | None = None) -> None:
        """An accepted result, or one a command put together from several (``csr customer show``)."""
        if self.json_mode:
            self.json(result)
            return
        self.show(shown(message_type, result, title))

    def rejected(self, reply: ReplyV1) -> None:
        if self.json_mode:
            self.json(reply.model_dump(mode="json", exclude={"result"}))
            return
        self.err.print(f"[bold red]rejected[/] [red]{escape(str(reply.code))}[/]: {escape(str(reply.message))}")
        for error in reply.field_errors:
            self.err.print(f"  {escape(error.field)}: {escape(error.message)} [dim]({escape(error.code)})[/]")
        for hint in hints(reply.code, reply.message):
            self.err.print(f"  {hint}", style="dim", markup=False)

    def failed(self, exc: ClientError) -> None:
        if isinstance(exc, RequestRejected):
            self.rejected(exc.reply)
            return
        if self.json_mode:
            data: dict[str, Any] = {"status": "error", "error": exc.kind, "message": str(exc)}
            if isinstance(exc, InvalidInput):
                data["message"] = exc.summary
                data["field_errors"] = [{"field": f, "message": m} for f, m in exc.field_errors]
            if isinstance(exc, ReplyTimeout) and exc.message_id:
                data["message_id"] = str(exc.message_id)
            if isinstance(exc, BrokerUnavailable):
                data["settings"] = settings_source()
            data.update(exc.json_details())
            self.json(data)
            return
        if isinstance(exc, UsageError) and exc.usage:
            self.err.print(exc.usage, markup=False, highlight=False)
        self.err.print(f"[bold red]error[/]: {escape(str(exc))}", soft_wrap=True)
        if isinstance(exc, BrokerUnavailable):
            self.info(settings_source())
        if isinstance(exc, ReplyTimeout) and exc.message_id:
            self.info(
                f"The command may still be applied. To retry it without applying it twice, repeat it with "
                f"--message-id {exc.message_id}"
            )

    def event(self, received: Received) -> None:
        if self.json_mode:
            self.json_line({"topic": received.topic, **received.envelope.model_dump(mode="json")})
            return
        envelope = received.envelope
        when = envelope.occurred_at.strftime("%Y-%m-%d %H:%M:%S")
        line = Text.assemble(
            (when, "dim"),
            "  ",
            (received.topic, "cyan"),
            "  ",
            (f"{envelope.type} v{envelope.version}", "bold"),
            "  ",
            summary(envelope.payload),
            ("  by " + (envelope.actor.agent_id if envelope.actor else "?"), "dim"),
        )
        self.out.print(line, soft_wrap=True)


_ADVICE = {
    STALE_VERSION: "Someone changed it meanwhile: look at it again and repeat the command with the new version.",
    NOT_FOUND: "Check the id or number (`csr customer find`, `csr order find` list them).",
    "forbidden": "Your role may not do this: a supervisor can (they run `csr login` as themselves).",
    "unauthenticated": "The system did not accept your login: run `csr login` again.",
    "locked": "Another agent is working it: wait until they unlock it, or ask a supervisor (`csr order take-over`).",
    "quote_expired": "Convert it at today's prices: `csr quote convert QUOTE --accept-current-prices`.",
    "uncleared_alerts": "Review the alerts (`csr order alerts ORDER`) and clear them (`csr order clear-alerts`).",
    "already_shipped": "Return what is not wanted (`csr return create`), or order more (`csr order clone`).",
    "on_hold": "Release it first: unblock (supervisor), resume, or clear its alerts.",
}


def hints(code: str | None, message: str | None) -> list[str]:
    """What a rejection's code means, and what to do about it, beyond the service's message."""
    code = code or ""
    found = [h for h in (DESCRIPTIONS.get(code) or ORDER_ERROR_DESCRIPTIONS.get(code), _ADVICE.get(code)) if h]
    return [h for h in found if h != message]


_KEY_FIELDS = ("order_number", "quote_number", "return_number", "logon_id", "status", "order_status", "to", "subject")


def summary(payload: Mapping[str, Any], limit: int = 5) -> str:
    """The few fields of an event that tell which record it is about."""
    chosen = [k for k in _KEY_FIELDS if payload.get(k) is not None]
    chosen += [k for k, v in payload.items() if k.endswith("_id") and v is not None and k not in chosen]
    chosen += [k for k in ("total", "amount_due", "refund_amount") if payload.get(k) is not None]
    return "  ".join(f"{k}={fmt(payload[k])}" for k in chosen[:limit])
