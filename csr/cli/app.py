"""The ``csr`` command line: the reference front end over the command topics.

    csr [--timeout S] [--attempts N] [--json] COMMAND ...

Who acts is whoever logged in (``csr login``): the identity provider's token says who and with
which role, never an option.

The global options may also be written after the command (``csr send X --json``). Exit codes:
0 done, 1 rejected by the system, 2 bad input or configuration, 3 Kafka unreachable or no reply.
"""

from __future__ import annotations

import logging
import os
import sys
from importlib import metadata

import typer
from typer._click import exceptions as click  # typer vendors its own click: its exceptions are these
from typer.exceptions import Abort

from csr.cli.commands import (
    after_sale,
    call,
    carts,
    catalog,
    credit,
    customers,
    demo,
    docs,
    login,
    notifications,
    orders,
    quotes,
    returns,
    servicing,
    system,
    ticklers,
)
from csr.cli.runner import Session
from csr.client.errors import ClientError, Unexpected, UsageError
from csr.console import views  # noqa: F401  (registers how each result reads)
from csr.console.render import Output

app = typer.Typer(
    help="Customer service front end for the csr-oms order-management system.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # a traceback with locals could show a password
    add_completion=True,  # csr --install-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode="markdown",
)


def version() -> str:
    try:
        return metadata.version("csr-oms")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"csr {version()}")
        raise typer.Exit()


@app.callback()
def options(
    ctx: typer.Context,
    timeout: float | None = typer.Option(
        None, "--timeout", min=0.1, help="Seconds to wait for a reply (env OMS_REPLY_TIMEOUT_S, default 15)"
    ),
    attempts: int | None = typer.Option(
        None,
        "--attempts",
        min=1,
        help="Sends of one message within the timeout (env OMS_REPLY_ATTEMPTS, default 3)",
    ),
    json_mode: bool = typer.Option(False, "--json", help="Print results as JSON for scripts"),
    _version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit"
    ),
) -> None:
    ctx.obj = Session(timeout=timeout, attempts=attempts, json_mode=json_mode)


app.add_typer(customers.app, name="customer")
app.add_typer(ticklers.ticklers, name="tickler")
app.add_typer(ticklers.accounts, name="account")
app.add_typer(catalog.app, name="catalog")
app.add_typer(carts.app, name="cart")
app.add_typer(orders.app, name="order")  # with the servicing commands (csr.cli.commands.servicing)
app.add_typer(quotes.app, name="quote")
call.register(servicing.calls)
app.add_typer(servicing.calls, name="call")
app.add_typer(returns.app, name="return")
app.add_typer(after_sale.blocklist, name="blocklist")  # MNY-09; csr order claim|exchange|release-hold too
app.add_typer(credit.app, name="credit")  # MNY-07, MNY-08
login.register(app)
system.register(app)
notifications.register(app)
docs.register(app)
demo.register(app)

_FLAGS = {"--json"}
_VALUED = {"--timeout", "--attempts"}


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move the global options to the front, wherever they were written (before ``--``)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in _FLAGS or (arg.split("=", 1)[0] in _VALUED and "=" in arg):
            front.append(arg)
        elif arg in _VALUED and i + 1 < len(argv):
            front.extend(argv[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> None:
    if not os.environ.get("OMS_CSR_DEBUG"):
        # aiokafka logs every refused connection; the command says it once, in words.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL + 1)
    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    json_mode = "--json" in (args[: args.index("--")] if "--" in args else args)
    try:
        # Not click's standalone mode: it prints usage errors as text whatever --json says, and a
        # failure nobody foresaw would end in a traceback. Here every way out is an answer.
        code = typer.main.get_command(app).main(args=args, prog_name="csr", standalone_mode=False)
    except ClientError as exc:  # a mistake found while reading the options, before anything ran
        Output(json_mode).failed(exc)
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        usage = exc.ctx.get_usage() if exc.ctx is not None else ""
        Output(json_mode).failed(UsageError(exc.format_message(), usage=usage))
        sys.exit(UsageError.exit_code)
    except Abort:
        Output(json_mode).failed(UsageError("stopped before anything was sent"))
        sys.exit(1)
    except click.ClickException as exc:
        Output(json_mode).failed(UsageError(exc.format_message()))
        sys.exit(exc.exit_code)
    except Exception as exc:
        Output(json_mode).failed(Unexpected(f"unexpected {type(exc).__name__}; rerun with OMS_CSR_DEBUG=1 for details"))
        if os.environ.get("OMS_CSR_DEBUG"):
            raise
        sys.exit(Unexpected.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
