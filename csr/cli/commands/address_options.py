"""An address typed as options (register, address book, ship-to, bill-to), declared once.

``@address_options(parts)`` puts the options of ``parts`` on a command in place of its ``address``
parameter and hands the command one value: the :class:`TypedAddress` typed, or None when no part
was given. A command never names the options again, so renaming one cannot silently drop a part
(reading them back from the parsed command line by name could)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import typer

Command = TypeVar("Command", bound=Callable[..., None])


@dataclass(frozen=True)
class TypedAddress:
    """The parts of an address as the contracts name them; a part not typed is None."""

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    nickname: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None

    def fields(self) -> dict[str, str]:
        """The parts typed, for a message; the contract says which required ones are missing."""
        return {name: value for name, value in asdict(self).items() if value is not None}


# The option and its help for each part, in the order --help lists them.
_OPTIONS: dict[str, tuple[str, str | None]] = {
    "line1": ("--street", "Address: street and number"),
    "line2": ("--street2", "Address: second line"),
    "city": ("--city", None),
    "region": ("--region", "State or region, e.g. IL"),
    "postal_code": ("--postal-code", None),
    "country": ("--country", "Two-letter country code, e.g. US"),
    "nickname": ("--nickname", "Address nickname, e.g. home"),
    "first_name": ("--first-name", "Addressee (default: the customer's name)"),
    "last_name": ("--last-name", None),
    "phone": ("--address-phone", "Phone number for the address"),
}

# Which parts a command takes. STREET_PARTS where the names and the phone on the command are the
# customer's, not the address's (``csr customer register``, ``csr order place``).
STREET_PARTS = ("line1", "line2", "city", "region", "postal_code", "country")
BILLING_PARTS = (*STREET_PARTS, "first_name", "last_name", "phone")  # a billing address has no nickname
ADDRESS_PARTS = (*BILLING_PARTS, "nickname")
REQUIRED_FOR_BOOK = ("line1", "city", "postal_code", "country")  # a new address-book entry


def _option(part: str, required: bool) -> inspect.Parameter:
    flag, help_text = _OPTIONS[part]
    default = typer.Option(... if required else None, flag, help=help_text)
    annotation = str if required else str | None
    return inspect.Parameter(part, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def address_options(
    parts: Sequence[str] = ADDRESS_PARTS, *, required: Sequence[str] = ()
) -> Callable[[Command], Command]:
    """Declare the options of ``parts`` (``required`` ones must be given) on the decorated command,
    which receives them as its ``address: TypedAddress | None`` parameter."""
    unknown = set(parts) - set(_OPTIONS)
    if unknown:
        raise ValueError(f"not parts of an address: {sorted(unknown)}")

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        names = list(signature.parameters)
        if "address" not in names:
            raise TypeError(f"{command.__name__} has no `address` parameter for the address options")
        at = names.index("address")
        kept = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values()]
        typed = [_option(part, part in required) for part in parts]
        parameters = [*kept[:at], *typed, *kept[at + 1 :]]

        @functools.wraps(command)
        def with_address(**values: Any) -> None:
            given = {part: values.pop(part) for part in parts}
            values["address"] = TypedAddress(**given) if any(v is not None for v in given.values()) else None
            command(**values)

        # typer reads the options from the signature and the annotations: show it the address's parts.
        with_address.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        with_address.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
        return with_address  # type: ignore[return-value]

    return decorate
