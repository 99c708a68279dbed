"""The address option group: one typed value per command, None when nothing was typed, the
required parts enforced by the command line before anything is sent."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from csr.cli.commands.address_options import (
    ADDRESS_PARTS,
    REQUIRED_FOR_BOOK,
    STREET_PARTS,
    TypedAddress,
    address_options,
)


def _app(parts: tuple[str, ...], required: tuple[str, ...] = ()) -> tuple[typer.Typer, list[TypedAddress | None]]:
    seen: list[TypedAddress | None] = []
    app = typer.Typer()

    @app.command()
    @address_options(parts, required=required)
    def ship(order: str = typer.Argument(...), address: TypedAddress | None = None, mode: str | None = None) -> None:
        seen.append(address)

    return app, seen


def test_the_parts_typed_arrive_as_one_value() -> None:
    app, seen = _app(ADDRESS_PARTS)
    result = CliRunner().invoke(app, ["42", "--street", "1 Main St", "--city", "Oslo", "--nickname", "home"])
    assert result.exit_code == 0, result.output
    assert seen == [TypedAddress(line1="1 Main St", city="Oslo", nickname="home")]
    assert seen[0] is not None and seen[0].fields() == {"line1": "1 Main St", "city": "Oslo", "nickname": "home"}


def test_no_part_typed_is_no_address() -> None:
    app, seen = _app(ADDRESS_PARTS)
    assert CliRunner().invoke(app, ["42", "--mode", "express"]).exit_code == 0
    assert seen == [None]


def test_a_part_the_command_does_not_take_is_a_usage_error() -> None:
    app, seen = _app(STREET_PARTS)
    result = CliRunner().invoke(app, ["42", "--nickname", "home"])
    assert result.exit_code == 2 and seen == []


def test_required_parts_must_be_given() -> None:
    app, seen = _app(ADDRESS_PARTS, REQUIRED_FOR_BOOK)
    result = CliRunner().invoke(app, ["42", "--street", "1 Main St"])
    assert result.exit_code == 2 and seen == []


def test_a_command_without_an_address_parameter_is_a_programming_error() -> None:
    with pytest.raises(TypeError):

        @address_options(STREET_PARTS)
        def ship(order: str) -> None: ...
