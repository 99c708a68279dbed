"""Address book rules (CUS-06), pure: add, modify, delete, and which address is the default for
billing and for shipping. At most one of each; the first address becomes both."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Literal

from contracts import errors
from contracts.common import Address
from contracts.errors import Refused

MAX_ADDRESSES = 100


@dataclass(frozen=True)
class Entry:
    address_id: uuid.UUID
    address: Address
    default_billing: bool
    default_shipping: bool


@dataclass(frozen=True)
class BookChange:
    """The whole book after the change, and what the change was."""

    book: list[Entry]
    address_id: uuid.UUID
    change: Literal["added", "modified", "deleted"]
    before: Address | None
    after: Address | None

    @property
    def default_billing(self) -> uuid.UUID | None:
        return next((e.address_id for e in self.book if e.default_billing), None)

    @property
    def default_shipping(self) -> uuid.UUID | None:
        return next((e.address_id for e in self.book if e.default_shipping), None)


def add(book: list[Entry], address_id: uuid.UUID, address: Address, billing: bool, shipping: bool) -> BookChange:
    if len(book) >= MAX_ADDRESSES:
        raise Refused.field(
            errors.LIMIT_EXCEEDED, "payload.address", f"an address book holds at most {MAX_ADDRESSES} addresses"
        )
    # A customer without a default gets this address as the default: an order needs one.
    billing = billing or not any(e.default_billing for e in book)
    shipping = shipping or not any(e.default_shipping for e in book)
    entry = Entry(address_id, address, billing, shipping)
    new_book = [_without_defaults(e, billing, shipping) for e in book] + [entry]
    return BookChange(new_book, address_id, "added", None, address)


def modify(
    book: list[Entry], address_id: uuid.UUID, address: Address | None, billing: bool | None, shipping: bool | None
) -> BookChange:
    current = _find(book, address_id)
    if address is None and billing is None and shipping is None:
        raise Refused(errors.INVALID, "give a new address or a default flag to change")
    changed = Entry(
        address_id,
        address or current.address,
        current.default_billing if billing is None else billing,
        current.default_shipping if shipping is None else shipping,
    )
    new_book = [
        changed if e.address_id == address_id else _without_defaults(e, bool(billing), bool(shipping)) for e in book
    ]
    return BookChange(new_book, address_id, "modified", current.address, changed.address)


def delete(book: list[Entry], address_id: uuid.UUID) -> BookChange:
    """Deleting a default address leaves no default of that kind until the CSR picks one."""
    current = _find(book, address_id)
    return BookChange([e for e in book if e.address_id != address_id], address_id, "deleted", current.address, None)


def _find(book: list[Entry], address_id: uuid.UUID) -> Entry:
    for entry in book:
        if entry.address_id == address_id:
            return entry
    raise Refused.field(errors.NOT_FOUND, "payload.address_id", f"no address {address_id} in this address book")


def _without_defaults(entry: Entry, billing: bool, shipping: bool) -> Entry:
    return replace(
        entry,
        default_billing=entry.default_billing and not billing,
        default_shipping=entry.default_shipping and not shipping,
    )
