"""Registration and guests (CUS-01, CUS-02)."""

from __future__ import annotations

import uuid

from contracts import errors
from contracts.customers import CreateGuestCustomerV1, CustomerIdResult, RegisterCustomerV1
from contracts.errors import Refused
from services.customers.application.records import customer_for_update, save_with_change
from services.customers.application.unit_of_work import Taken, UnitOfWork
from services.customers.domain import address_book, passwords
from services.customers.domain import customer as rules
from services.customers.domain.customer import ProfileChange


def _logon_taken() -> Refused:
    # Not quoted: a logon id is often an e-mail address, and the sender knows what it sent.
    return Refused.field(errors.CONFLICT, "payload.logon_id", "this logon id is already taken")


async def check_account(uow: UnitOfWork, account_id: uuid.UUID | None) -> None:
    if account_id is not None and not await uow.accounts.exists(account_id):
        raise Refused.field(errors.NOT_FOUND, "payload.account_id", f"no account {account_id}")


async def register_customer(uow: UnitOfWork, cmd: RegisterCustomerV1) -> CustomerIdResult:
    password = uow.keyring.open(cmd.password, "payload.password")
    if violation := passwords.policy_violation(password, cmd.logon_id):
        raise Refused.field("password_policy", "payload.password", f"{violation} ({passwords.POLICY})")
    answer = uow.keyring.open(cmd.challenge_answer, "payload.challenge_answer") if cmd.challenge_answer else None
    if answer is not None and not cmd.challenge_question:
        raise Refused.field(errors.INVALID, "payload.challenge_question", "a challenge answer needs its question")
    await check_account(uow, cmd.account_id)
    if await uow.customers.logon_id_taken(cmd.logon_id):
        raise _logon_taken()
    password_hash = await passwords.hash_secret(password)
    answer_hash = await passwords.hash_secret(passwords.normalize_answer(answer)) if answer else None
    if cmd.guest_customer_id is not None:
        return await _register_guest(uow, cmd, cmd.guest_customer_id, password_hash, answer_hash)
    customer, event = rules.register(cmd, uuid.uuid4(), uow.now, uow.actor)
    try:
        await uow.customers.add(customer, password_hash, answer_hash)
    except Taken:
        raise _logon_taken() from None
    for address in customer.addresses:
        await uow.customers.add_address(customer.customer_id, address, uow.now, by=uow.actor.agent_id)
    await uow.customers.record_change(customer, ProfileChange(["registered"], {}, {}, "registered"))
    uow.emit(event)
    return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)


async def _register_guest(
    uow: UnitOfWork,
    cmd: RegisterCustomerV1,
    guest_id: uuid.UUID,
    password_hash: str,
    answer_hash: str | None,
) -> CustomerIdResult:
    guest = await customer_for_update(uow, guest_id, "payload.guest_customer_id")
    customer, change, events = rules.register_guest(guest, cmd, uow.now, uow.actor)
    try:
        await save_with_change(uow, customer, change)
    except Taken:
        raise _logon_taken() from None
    await uow.customers.set_password(customer.customer_id, password_hash, uow.now)
    await uow.customers.set_challenge_answer(customer.customer_id, answer_hash)
    if cmd.address is not None:
        book = await uow.customers.address_book(customer.customer_id)
        added = address_book.add(book, uuid.uuid4(), cmd.address, billing=False, shipping=False)
        await uow.customers.save_book_change(customer.customer_id, added, uow.now, uow.actor.agent_id)
    for event in events:
        uow.emit(event)
    return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)


async def create_guest_customer(uow: UnitOfWork, cmd: CreateGuestCustomerV1) -> CustomerIdResult:
    customer, event = rules.create_guest(cmd, uuid.uuid4(), uow.now, uow.actor)
    await uow.customers.add(customer, None, None)
    if cmd.address is not None:
        await uow.customers.add_address(customer.customer_id, cmd.address, uow.now, by=uow.actor.agent_id)
    await uow.customers.record_change(customer, ProfileChange(["registered"], {}, {}, "guest created"))
    uow.emit(event)
    return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)
