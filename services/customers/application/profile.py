"""The customer's profile: change it, read it, read its change log (CUS-05)."""

from __future__ import annotations

from contracts import errors
from contracts.customers import (
    CustomerIdResult,
    CustomerView,
    GetCustomerV1,
    GetProfileChangesV1,
    ProfileChanges,
    UpdateCustomerProfileV1,
)
from contracts.errors import Refused
from services.customers.application.records import customer_for_update, save_with_change
from services.customers.application.registration import check_account
from services.customers.application.unit_of_work import UnitOfWork
from services.customers.domain import customer as rules
from services.customers.domain import passwords


async def update_customer_profile(uow: UnitOfWork, cmd: UpdateCustomerProfileV1) -> CustomerIdResult:
    customer = await customer_for_update(uow, cmd.customer_id)
    updated, change = rules.update_profile(customer, cmd, uow.now, uow.actor)
    if change is None:
        return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)
    if "account_id" in change.fields:
        await check_account(uow, updated.account_id)
    await save_with_change(uow, updated, change)
    if "challenge_answer" in change.fields:
        answer = uow.keyring.open(cmd.challenge_answer, "payload.challenge_answer") if cmd.challenge_answer else None
        hashed = await passwords.hash_secret(passwords.normalize_answer(answer)) if answer else None
        await uow.customers.set_challenge_answer(customer.customer_id, hashed)
    uow.emit(rules.updated_event(updated, change.fields))
    return CustomerIdResult(customer_id=updated.customer_id, version=updated.version)


async def get_customer(uow: UnitOfWork, query: GetCustomerV1) -> CustomerView:
    view = await uow.views.customer(query.customer_id)
    if view is None:
        raise Refused.field(errors.NOT_FOUND, "payload.customer_id", f"no customer {query.customer_id}")
    return view


async def get_profile_changes(uow: UnitOfWork, query: GetProfileChangesV1) -> ProfileChanges:
    return await uow.views.profile_changes(query.customer_id, query.page)
