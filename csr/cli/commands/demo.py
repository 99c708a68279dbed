"""``csr demo``: the scripted phone call."""

from __future__ import annotations

import typer

from csr.cli.runner import session


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(ctx: typer.Context) -> None:
    """Play a scripted phone call against the running system: a transcript of what the caller,
    the CSR and the system said, and where each e-mail landed."""
    from csr.demo.run import run_demo

    s = session(ctx)

    async def work() -> int:
        return await run_demo(s.config(), s.output)

    s.run(work)
