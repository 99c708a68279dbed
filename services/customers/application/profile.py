"""Registration, guests, profile and address book (CUS-01, CUS-02, CUS-05, CUS-06)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from contracts import errors
from contracts.common import Address
from contracts.customers import (
    AddAddressV1,
    AddressBookChangedV1,
    AddressResult,
    CreateGuestCustomerV1,
    CustomerIdResult,
    DeleteAddressV1,
    ModifyAddressV1,
    RegisterCustomerV1,
    UpdateCustomerProfileV1,
)
from services.customers.adapters.deps import Ctx, customer_for_update, save_with_change
from services.customers.adapters.postgres import accounts as store_accounts
from services.customers.adapters.postgres import customers as store
from services.customers.domain import address_book as addressbook
from services.customers.domain import customer as domain
from services.customers.domain import passwords
from services.customers.domain.customer import Customer, ProfileChange
from services.runtime.handling import Rejected


def _logon_taken(logon_id: str) -> Rejected:
    return Rejected.field(errors.CONFLICT, "payload.logon_id", f"logon id {logon_id!r} is already taken")


async def _check_account(ctx: Ctx, account_id: uuid.UUID | None) -> None:
    if account_id is not None and not await store_accounts.exists(ctx.conn, account_id):
        raise Rejected.field(errors.NOT_FOUND, "payload.account_id", f"no account {account_id}")


async def register_customer(ctx: Ctx, cmd: RegisterCustomerV1) -> CustomerIdResult:
    password = ctx.deps.open_secret(cmd.password, "payload.password")
    if violation := passwords.policy_violation(password, cmd.logon_id):
        raise Rejected.field("password_policy", "payload.password", f"{violation} ({passwords.POLICY})")
    answer = ctx.deps.open_secret(cmd.challenge_answer, "payload.challenge_answer") if cmd.challenge_answer else None
    if answer is not None and not cmd.challenge_question:
        raise Rejected.field(errors.INVALID, "payload.challenge_question", "a challenge answer needs its question")
    await _check_account(ctx, cmd.account_id)
    if await store.logon_id_taken(ctx.conn, cmd.logon_id):
        raise _logon_taken(cmd.logon_id)
    password_hash = await passwords.hash_secret(password)
    answer_hash = await passwords.hash_secret(passwords.normalize_answer(answer)) if answer else None
    if cmd.guest_customer_id is not None:
        return await _register_guest(ctx, cmd, password_hash, answer_hash)
    customer, event = domain.register(cmd, uuid.uuid4(), ctx.now, ctx.actor)
    try:
        await store.insert_customer(ctx.conn, customer, password_hash, answer_hash)
    except asyncpg.UniqueViolationError:
        raise _logon_taken(cmd.logon_id) from None
    for address in customer.addresses:
        await store.insert_address(
            ctx.conn,
            customer.customer_id,
            address,
            ctx.now,
            default_billing=True,
            default_shipping=True,
            by=ctx.actor.agent_id,
        )
    await store.record_change(ctx.conn, customer, ProfileChange(["registered"], {}, {}, "registered"))
    ctx.emit(event)
    return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)


async def _register_guest(
    ctx: Ctx, cmd: RegisterCustomerV1, password_hash: str, answer_hash: str | None
) -> CustomerIdResult:
    assert cmd.guest_customer_id is not None
    guest = await customer_for_update(ctx, cmd.guest_customer_id, "payload.guest_customer_id")
    customer, change, events = domain.register_guest(guest, cmd, ctx.now, ctx.actor)
    try:
        await save_with_change(ctx, customer, change)
    except asyncpg.UniqueViolationError:
        raise _logon_taken(cmd.logon_id) from None
    await store.set_password(ctx.conn, customer.customer_id, password_hash, ctx.now)
    await store.set_challenge_answer(ctx.conn, customer.customer_id, answer_hash)
    if cmd.address is not None:
        book = await store.address_book(ctx.conn, customer.customer_id)
        added = addressbook.add(book, uuid.uuid4(), cmd.address, billing=False, shipping=False)
        await store.save_book_change(ctx.conn, customer.customer_id, added, ctx.now, ctx.actor.agent_id)
    for event in events:
        ctx.emit(event)
    return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)


async def create_guest(ctx: Ctx, cmd: CreateGuestCustomerV1) -> CustomerIdResult:
    customer, event = domain.create_guest(cmd, uuid.uuid4(), ctx.now, ctx.actor)
    await store.insert_customer(ctx.conn, customer, None, None)
    if cmd.address is not None:
        await store.insert_address(
            ctx.conn,
            customer.customer_id,
            cmd.address,
            ctx.now,
            default_billing=True,
            default_shipping=True,
            by=ctx.actor.agent_id,
        )
    await store.record_change(ctx.conn, customer, ProfileChange(["registered"], {}, {}, "guest created"))
    ctx.emit(event)
    return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)


async def update_profile(ctx: Ctx, cmd: UpdateCustomerProfileV1) -> CustomerIdResult:
    customer = await customer_for_update(ctx, cmd.customer_id)
    updated, change = domain.update_profile(customer, cmd, ctx.now, ctx.actor)
    if change is None:
        return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)
    if "account_id" in change.fields:
        await _check_account(ctx, updated.account_id)
    await save_with_change(ctx, updated, change)
    if "challenge_answer" in change.fields:
        answer = (
            ctx.deps.open_secret(cmd.challenge_answer, "payload.challenge_answer") if cmd.challenge_answer else None
        )
        hashed = await passwords.hash_secret(passwords.normalize_answer(answer)) if answer else None
        await store.set_challenge_answer(ctx.conn, customer.customer_id, hashed)
    ctx.emit(domain.updated_event(updated, change.fields))
    return CustomerIdResult(customer_id=updated.customer_id, version=updated.version)


# --- address book --------------------------------------------------------------------------------


async def add_address(ctx: Ctx, cmd: AddAddressV1) -> AddressResult:
    customer = await customer_for_update(ctx, cmd.customer_id)
    domain.check_version(customer, cmd.expected_version)
    book = await store.address_book(ctx.conn, customer.customer_id)
    change = addressbook.add(book, uuid.uuid4(), cmd.address, cmd.default_billing, cmd.default_shipping)
    return await _save_book(ctx, customer, book, change)


async def modify_address(ctx: Ctx, cmd: ModifyAddressV1) -> AddressResult:
    customer = await customer_for_update(ctx, cmd.customer_id)
    domain.check_version(customer, cmd.expected_version)
    book = await store.address_book(ctx.conn, customer.customer_id)
    change = addressbook.modify(book, cmd.address_id, cmd.address, cmd.default_billing, cmd.default_shipping)
    return await _save_book(ctx, customer, book, change)


async def delete_address(ctx: Ctx, cmd: DeleteAddressV1) -> AddressResult:
    customer = await customer_for_update(ctx, cmd.customer_id)
    domain.check_version(customer, cmd.expected_version)
    book = await store.address_book(ctx.conn, customer.customer_id)
    change = addressbook.delete(book, cmd.address_id)
    return await _save_book(ctx, customer, book, change)


def _book_state(
    address: Address | None, address_id: uuid.UUID, billing: uuid.UUID | None, shipping: uuid.UUID | None
) -> dict[str, Any]:
    return {
        "address_id": str(address_id),
        "address": address.model_dump(mode="json", exclude_none=True) if address else None,
        "default_billing": str(billing) if billing else None,
        "default_shipping": str(shipping) if shipping else None,
    }


async def _save_book(
    ctx: Ctx, customer: Customer, book: list[addressbook.Entry], change: addressbook.BookChange
) -> AddressResult:
    old_billing = next((e.address_id for e in book if e.default_billing), None)
    old_shipping = next((e.address_id for e in book if e.default_shipping), None)
    await store.save_book_change(ctx.conn, customer.customer_id, change, ctx.now, ctx.actor.agent_id)
    updated = customer.touched(ctx.now, ctx.actor)
    log = ProfileChange(
        ["addresses"],
        {"addresses": _book_state(change.before, change.address_id, old_billing, old_shipping)},
        {"addresses": _book_state(change.after, change.address_id, change.default_billing, change.default_shipping)},
        f"address {change.change}",
    )
    await save_with_change(ctx, updated, log)
    ctx.emit(
        AddressBookChangedV1(
            customer_id=customer.customer_id,
            address_id=change.address_id,
            change=change.change,
            address=change.after,
            default_billing_address_id=change.default_billing,
            default_shipping_address_id=change.default_shipping,
            version=updated.version,
            changed_by=ctx.actor.agent_id,
            changed_at=ctx.now,
        )
    )
    ctx.emit(domain.updated_event(updated, ["addresses"]))
    return AddressResult(customer_id=customer.customer_id, address_id=change.address_id, version=updated.version)
