"""Commands that work for every message, generated from the contracts: ``send``, ``messages``,
``events``; and ``keygen`` for the sealing key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from contracts.envelope import Kind
from contracts.registry import all_messages
from contracts.sealing import generate_private_key, public_key_of
from contracts.topics import CUSTOMERS_EVENTS, NOTIFICATIONS_EVENTS, ORDERS_EVENTS
from csr.cli.commands.common import MESSAGE_ID
from csr.cli.runner import parse_id, session
from csr.client.errors import UnknownMessageType, UsageError
from csr.client.events import EventStream, Received
from csr.client.messages import MessageSpec, apply_sets, build, catalog, describe, load_payload, resolve, split_name
from csr.console.render import fmt

EVENT_TOPICS = [CUSTOMERS_EVENTS, ORDERS_EVENTS, NOTIFICATIONS_EVENTS]


def register(app: typer.Typer) -> None:
    app.command("send")(send)
    app.command("messages")(messages)
    app.command("events")(events)
    app.command("keygen")(keygen)


def send(
    ctx: typer.Context,
    message_type: str = typer.Argument(..., help="Command or query type, e.g. RegisterCustomer (see `csr messages`)"),
    version: int | None = typer.Option(None, "--version", "-v", help="Message version (default: the newest)"),
    sets: list[str] = typer.Option(
        [], "--set", "-s", help="field=text or field:=JSON; dotted paths reach nested fields (address.city=Paris)"
    ),
    payload: str | None = typer.Option(None, "--payload", "-p", help="All fields as JSON, @file.json or @- (stdin)"),
    message_id: str | None = MESSAGE_ID,
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and print the envelope; send nothing"),
) -> None:
    """Send any command or query and show its reply.

    Values are checked against the message's contract before anything is sent; secrets
    (passwords, challenge answers, card numbers) are given in plain text and sealed with the
    services' public key on the way.
    """
    s = session(ctx)

    async def work() -> int:
        s.config()  # who acts and where: wrong settings are the first thing to report
        retry_of = parse_id(message_id)
        cls = resolve(message_type, version)
        fields = apply_sets(load_payload(payload), sets)
        message = build(cls, fields, seal=s.sealer(cls.TYPE))
        return await s.send_message(message, message_id=retry_of, dry_run=dry_run)

    s.run(work)


def messages(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help="Show one message in detail"),
    events_too: bool = typer.Option(False, "--events", help="List events as well as commands and queries"),
) -> None:
    """List every command and query (type, version, topic, roles allowed, fields), or detail one."""
    s = session(ctx)

    async def work() -> int:
        if name:
            spec = _find_spec(name)
            s.output.json(spec.as_json()) if s.json_mode else _show_spec(s.output.out, spec)
            return 0
        kinds = (Kind.COMMAND, Kind.QUERY, Kind.EVENT) if events_too else (Kind.COMMAND, Kind.QUERY)
        specs = catalog(kinds)
        if s.json_mode:
            s.output.json([spec.as_json() for spec in specs])
        else:
            s.output.show(_catalog_table(specs))
        return 0

    s.run(work)


def _find_spec(name: str) -> MessageSpec:
    try:
        return describe(resolve(name))
    except UsageError:
        wanted, version = split_name(name)
        matches = [
            cls
            for (t, v), cls in sorted(all_messages().items())
            if t.lower() == wanted.lower() and version in (None, v)
        ]
        if matches:
            return describe(matches[-1])
        raise


def _catalog_table(specs: list[MessageSpec]) -> Table:
    grid = Table(header_style="bold", show_lines=False)
    for column in ("message", "kind", "topic", "roles", "fields (* required, 🔒 sealed)"):
        grid.add_column(column, overflow="fold")
    for spec in specs:
        fields = ", ".join(f"{f.name}{'*' if f.required else ''}{' 🔒' if f.sealed else ''}" for f in spec.fields)
        cells = (f"{spec.type} v{spec.version}", spec.kind, spec.topic, ", ".join(spec.roles) or "—", fields)
        grid.add_row(*map(Text, cells))
    return grid


def _show_spec(console: Any, spec: MessageSpec) -> None:
    console.print(f"[bold]{spec.type}[/] v{spec.version}  ({spec.kind} on {spec.topic})")
    if spec.summary:
        console.print(Text(spec.summary))
    if spec.roles:
        console.print(f"roles allowed: {', '.join(spec.roles)}")
    sections = [("fields", spec.fields), *spec.parts.items(), ("result", spec.result)]
    for title, fields in sections:
        if not fields:
            continue
        grid = Table(title=title, title_justify="left", header_style="bold")
        for column in ("name", "type", "required", "default"):
            grid.add_column(column, overflow="fold")
        for f in fields:
            kind = f.type + (" (sealed)" if f.sealed else "")
            cells = (f.name, kind, "yes" if f.required else "", "" if f.required else fmt(f.default))
            grid.add_row(*map(Text, cells))
        console.print(grid)
    if spec.kind in ("command", "query"):
        example = " ".join(f"--set {f.name}=…" for f in spec.fields if f.required)
        console.print(Text(f"csr send {spec.type} {example}", style="dim"))


def events(
    ctx: typer.Context,
    topics: list[str] = typer.Option(
        [], "--topic", "-t", help="Topic without the prefix, e.g. orders.events (default: every events topic)"
    ),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep waiting for new events"),
    from_beginning: bool | None = typer.Option(
        None, "--from-beginning/--from-now", help="Where to start (default: beginning, or now with --follow)"
    ),
    types: list[str] = typer.Option([], "--type", help="Only these message types (e.g. OrderPlaced)"),
    about: str | None = typer.Option(None, "--about", help="Only events with a field equal to this id or number"),
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="Stop after this many events"),
) -> None:
    """Show the events on topics; with --follow, wait for new ones (Ctrl-C stops)."""
    s = session(ctx)
    wanted = {split_name(t)[0].lower() for t in types}
    _check_types(wanted)

    def matches(received: Received) -> bool:
        if wanted and received.type.lower() not in wanted:
            return False
        return about is None or any(fmt(v) == about for v in received.envelope.payload.values())

    async def work() -> int:
        config = s.config()
        start_at_beginning = (not follow) if from_beginning is None else from_beginning
        stream = EventStream(
            config.kafka_bootstrap,
            topics or EVENT_TOPICS,
            prefix=config.topic_prefix,
            from_beginning=start_at_beginning,
            kafka_options=config.kafka_options,
        )
        shown = 0
        async with stream:
            if follow:
                s.output.info(f"following {', '.join(stream.topics)} (Ctrl-C stops)")
            source = stream.__aiter__() if follow else stream.existing()
            async for received in source:
                if matches(received):
                    s.output.event(received)
                    shown += 1
                    if limit is not None and shown >= limit:
                        break
        if not follow and not shown:
            s.output.info("no events")
        return 0

    s.run(work)


def _check_types(wanted: set[str]) -> None:
    known = {t.lower() for t, _ in all_messages()}
    unknown = sorted(wanted - known)
    if unknown:
        typer.secho(str(UnknownMessageType(unknown[0])).replace("command or query", "message"), err=True, fg="red")
        raise typer.Exit(2)


def keygen(
    public: bool = typer.Option(False, "--public", help="Print the public key of OMS_SEALING_KEY_FILE instead"),
    out: Path | None = typer.Option(
        None, "--out", help="Write the new private key to this file (created readable by its owner only)"
    ),
) -> None:
    """Print a new sealing private key, or write it with --out (give services its file; clients
    get the public key)."""
    if not public:
        if out is None:
            typer.echo(generate_private_key())
        else:
            _write_private_key(out)
        return
    key_file = os.environ.get("OMS_SEALING_KEY_FILE")
    if not key_file:
        typer.secho("error: set OMS_SEALING_KEY_FILE to the private key's file", err=True, fg="red")
        raise typer.Exit(2)
    try:
        typer.echo(public_key_of(Path(key_file).read_text().strip()))
    except (OSError, ValueError) as exc:
        typer.secho(f"error: cannot read a private key from {key_file}: {exc}", err=True, fg="red")
        raise typer.Exit(2) from None


def _write_private_key(path: Path) -> None:
    """Created with mode 0600 whatever the umask (a shell redirection leaves it as readable as the
    umask says, often by everyone), and never over an existing key: that one may be in use."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        typer.secho(f"error: {path} exists; remove it first if it is really to be replaced", err=True, fg="red")
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.secho(f"error: cannot create {path}: {exc.strerror}", err=True, fg="red")
        raise typer.Exit(2) from None
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(generate_private_key() + "\n")
    typer.echo(f"private key written to {path} (mode 0600); its public key: csr keygen --public")
