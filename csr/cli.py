"""The ``csr`` command line: the reference front end over the command topics."""

from __future__ import annotations

import asyncio

import typer

from contracts.sealing import generate_private_key, public_key_of
from csr.client import ClientError
from csr.config import ClientConfig

app = typer.Typer(help="Customer service front end for the CSR order-management system.", no_args_is_help=True)


@app.command()
def demo(
    agent: str = typer.Option(None, "--agent", envvar="OMS_AGENT_ID", help="Agent id of the CSR"),
) -> None:
    """Play a scripted phone call against the running system and show where each e-mail landed."""
    try:
        code = asyncio.run(run(agent))
    except ClientError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(code)


async def run(agent: str | None) -> int:
    from csr.demo import run_demo

    return await run_demo(ClientConfig.load(agent_id=agent))


@app.command()
def keygen(public: bool = typer.Option(False, help="Print the public key of OMS_SEALING_KEY_FILE instead")) -> None:
    """Print a new sealing private key (give services its file; clients get the public key)."""
    if public:
        import os
        from pathlib import Path

        typer.echo(public_key_of(Path(os.environ["OMS_SEALING_KEY_FILE"]).read_text().strip()))
    else:
        typer.echo(generate_private_key())


def main() -> None:
    app()
