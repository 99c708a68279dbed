"""``csr docs``: the AsyncAPI documents of the three services as a web site."""

from __future__ import annotations

import contextlib
import functools
import http.server
from pathlib import Path

import typer

from csr.cli.runner import session
from csr.client.errors import UsageError
from csr.docs_site import build_site, default_out, default_source


def register(app: typer.Typer) -> None:
    app.command("docs")(docs)


def docs(
    ctx: typer.Context,
    out: Path = typer.Option(None, "--out", help="Where to write the site (default build/asyncapi)"),
    source: Path = typer.Option(None, "--source", help="AsyncAPI documents (default docs/asyncapi)"),
    serve: bool = typer.Option(False, "--serve", help="Serve the site after building it"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Build the AsyncAPI web pages (topics, operations, message schemas); --serve shows them."""
    s = session(ctx)
    target = out or default_out()

    async def work() -> int:
        index = build_site(source or default_source(), target)
        s.output.info(f"built {index}")
        return 0

    try:
        s.run(work)
    except typer.Exit as done:
        if done.exit_code or not serve:
            raise
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(target))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc}; choose another --port") from None
    with server:
        typer.echo(f"serving the AsyncAPI pages on http://{host}:{server.server_port}/ (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
