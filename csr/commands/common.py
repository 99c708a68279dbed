"""Options and small parsers that several command modules share."""

from __future__ import annotations

from typing import Any

import typer

from csr.errors import UsageError

MESSAGE_ID = typer.Option(
    None,
    "--message-id",
    help="Reuse this message id: repeating a command with the id of an earlier attempt applies it once.",
)


def pairs(values: list[str], option: str) -> dict[str, str]:
    """``name=value`` options (``--attribute colour=red``) as a dict."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} {value!r}: write name=value")
        out[name.strip()] = text
    return out


def given(**fields: Any) -> dict[str, Any]:
    """The fields that were given: absent options leave the contract's defaults in force."""
    return {k: v for k, v in fields.items() if v is not None and v != [] and v != {}}
