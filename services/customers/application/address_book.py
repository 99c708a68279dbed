"""The address book (CUS-06): every change is a new version of the customer, logged and announced."""

from __future__ import annotations

import uuid
from typing import Any

from contracts.common import Address
from contracts.customers import AddAddressV1, AddressBookChangedV1, AddressResult, DeleteAddressV1, ModifyAddressV1
from services.customers.application.records import customer_for_update, save_with_change
from services.customers.application.unit_of_work import UnitOfWork
from services.customers.domain import address_book
from services.customers.domain import customer as rules
from services.customers.domain.customer import Customer, ProfileChange


async def add_address(uow: UnitOfWork, cmd: AddAddressV1) -> AddressResult:
    customer, book = await _book_of(uow, cmd.customer_id, cmd.expected_version)
    change = address_book.add(book, uuid.uuid4(), cmd.address, cmd.default_billing, cmd.default_shipping)
    return await _save(uow, customer, book, change)


async def modify_address(uow: UnitOfWork, cmd: ModifyAddressV1) -> AddressResult:
    customer, book = await _book_of(uow, cmd.customer_id, cmd.expected_version)
    change = address_book.modify(book, cmd.address_id, cmd.address, cmd.default_billing, cmd.default_shipping)
    return await _save(uow, customer, book, change)


async def delete_address(uow: UnitOfWork, cmd: DeleteAddressV1) -> AddressResult:
    customer, book = await _book_of(uow, cmd.customer_id, cmd.expected_version)
    change = address_book.delete(book, cmd.address_id)
    return await _save(uow, customer, book, change)


async def _book_of(
    uow: UnitOfWork, customer_id: uuid.UUID, expected_version: int | None
) -> tuple[Customer, list[address_book.Entry]]:
    customer = await customer_for_update(uow, customer_id)
    rules.check_version(customer, expected_version)
    return customer, await uow.customers.address_book(customer.customer_id)


def _book_state(
    address: Address | None, address_id: uuid.UUID, billing: uuid.UUID | None, shipping: uuid.UUID | None
) -> dict[str, Any]:
    return {
        "address_id": str(address_id),
        "address": address.model_dump(mode="json", exclude_none=True) if address else None,
        "default_billing": str(billing) if billing else None,
        "default_shipping": str(shipping) if shipping else None,
    }


async def _save(
    uow: UnitOfWork, customer: Customer, book: list[address_book.Entry], change: address_book.BookChange
) -> AddressResult:
    old_billing = next((e.address_id for e in book if e.default_billing), None)
    old_shipping = next((e.address_id for e in book if e.default_shipping), None)
    await uow.customers.save_book_change(customer.customer_id, change, uow.now, uow.actor.agent_id)
    updated = customer.touched(uow.now, uow.actor)
    log = ProfileChange(
        ["addresses"],
        {"addresses": _book_state(change.before, change.address_id, old_billing, old_shipping)},
        {"addresses": _book_state(change.after, change.address_id, change.default_billing, change.default_shipping)},
        f"address {change.change}",
    )
    await save_with_change(uow, updated, log)
    uow.emit(
        AddressBookChangedV1(
            customer_id=customer.customer_id,
            address_id=change.address_id,
            change=change.change,
            address=change.after,
            default_billing_address_id=change.default_billing,
            default_shipping_address_id=change.default_shipping,
            version=updated.version,
            changed_by=uow.actor.agent_id,
            changed_at=uow.now,
        )
    )
    uow.emit(rules.updated_event(updated, ["addresses"]))
    return AddressResult(customer_id=customer.customer_id, address_id=change.address_id, version=updated.version)
