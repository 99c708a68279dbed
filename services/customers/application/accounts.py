"""Accounts: the business entities customers belong to (CUS-13)."""

from __future__ import annotations

import uuid

from contracts import errors
from contracts.customers import AccountCreatedV1, AccountList, AccountResult, CreateAccountV1, FindAccountsV1
from contracts.errors import Refused
from services.customers.application.unit_of_work import Taken, UnitOfWork


async def create_account(uow: UnitOfWork, cmd: CreateAccountV1) -> AccountResult:
    number = cmd.account_number or await uow.accounts.next_account_number()
    account_id = uuid.uuid4()
    values = {
        "account_id": account_id,
        "account_number": number,
        "name": cmd.name,
        "email": str(cmd.email) if cmd.email else None,
        "phone": cmd.phone,
        "attributes": dict(cmd.attributes),
    }
    try:
        await uow.accounts.add(values, uow.now, uow.actor.agent_id)
    except Taken:
        raise Refused.field(errors.CONFLICT, "payload.account_number", "this account number is already taken") from None
    uow.emit(
        AccountCreatedV1(
            account_id=account_id,
            account_number=number,
            name=cmd.name,
            created_by=uow.actor.agent_id,
            created_at=uow.now,
        )
    )
    return AccountResult(account_id=account_id, account_number=number)


async def find_accounts(uow: UnitOfWork, query: FindAccountsV1) -> AccountList:
    return await uow.views.found_accounts(query)
