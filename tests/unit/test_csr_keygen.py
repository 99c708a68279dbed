"""`csr keygen --out` writes the private sealing key readable by its owner only, whatever the umask,
and never over a key that exists."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from typer.testing import CliRunner

from contracts.sealing import public_key_of
from csr.cli.app import app


def test_the_key_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    key = tmp_path / ".sealing.key"
    previous = os.umask(0o022)  # the usual one: a redirection would leave the key world-readable
    try:
        result = CliRunner().invoke(app, ["keygen", "--out", str(key)])
    finally:
        os.umask(previous)

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert public_key_of(key.read_text().strip())  # a key the services can use
    assert key.read_text().strip() not in result.output  # never printed


def test_an_existing_key_is_not_replaced(tmp_path: Path) -> None:
    key = tmp_path / ".sealing.key"
    key.write_text("in use\n")

    result = CliRunner().invoke(app, ["keygen", "--out", str(key)])

    assert result.exit_code == 2
    assert key.read_text() == "in use\n"
    assert "exists" in result.output
