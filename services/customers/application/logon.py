"""Logon, lock-out and passwords (CUS-07, CUS-08).

The temporary password of a reset exists in clear text only in this process's memory for the
moment it takes to hash it and seal it into the PasswordResetV1 event: the row keeps its argon2
hash, the reply carries only the expiry, and the event carries it sealed.
"""

from __future__ import annotations

from datetime import timedelta

from contracts import errors
from contracts.customers import (
    AuthenticateCustomerV1,
    ChangePasswordV1,
    CustomerIdResult,
    EnableCustomerV1,
    LogonResult,
    PasswordChangedV1,
    PasswordResetResult,
    PasswordResetV1,
    ReportFailedLogonV1,
    ResetPasswordV1,
)
from contracts.errors import Refused
from services.customers.application.records import customer_for_update, save_with_change
from services.customers.application.unit_of_work import UnitOfWork
from services.customers.domain import customer as rules
from services.customers.domain import passwords
from services.customers.domain.customer import Customer


async def _by_logon(uow: UnitOfWork, logon_id: str) -> tuple[Customer, str | None]:
    found = await uow.customers.get_by_logon_for_update(logon_id)
    if found is None:
        raise Refused.field(errors.NOT_FOUND, "payload.logon_id", "no customer has this logon id")
    return found


async def _decide_logon(uow: UnitOfWork, customer: Customer, password_ok: bool | None) -> LogonResult:
    decision = rules.logon_attempt(
        customer, password_ok=password_ok, threshold=uow.policy.lockout_threshold, now=uow.now, actor=uow.actor
    )
    if decision.change is not None:
        await save_with_change(uow, decision.customer, decision.change)
    elif decision.customer != customer:
        await uow.customers.save(decision.customer)
    for event in decision.events:
        uow.emit(event)
    c = decision.customer
    return LogonResult(
        customer_id=c.customer_id,
        outcome=decision.outcome,
        must_change_password=c.must_change_password,
        failed_logons=c.failed_logons,
        status=c.status,
    )


async def authenticate_customer(uow: UnitOfWork, cmd: AuthenticateCustomerV1) -> LogonResult:
    password = uow.keyring.open(cmd.password, "payload.password")
    customer, password_hash = await _by_logon(uow, cmd.logon_id)
    # A locked account is not checked at all (the domain answers "locked"), so it costs no hashing.
    ok: bool | None = None
    if customer.status != "locked":
        ok = password_hash is not None and await passwords.verify_secret(password_hash, password)
    return await _decide_logon(uow, customer, ok)


async def report_failed_logon(uow: UnitOfWork, cmd: ReportFailedLogonV1) -> LogonResult:
    customer, _ = await _by_logon(uow, cmd.logon_id)
    return await _decide_logon(uow, customer, False)


async def enable_customer(uow: UnitOfWork, cmd: EnableCustomerV1) -> CustomerIdResult:
    customer = await customer_for_update(uow, cmd.customer_id)
    enabled, change, event = rules.enable(customer, cmd.reason, cmd.expected_version, uow.now, uow.actor)
    await save_with_change(uow, enabled, change)
    uow.emit(event)
    return CustomerIdResult(customer_id=enabled.customer_id, version=enabled.version)


async def reset_password(uow: UnitOfWork, cmd: ResetPasswordV1) -> PasswordResetResult:
    customer = await customer_for_update(uow, cmd.customer_id)
    valid_for = timedelta(hours=uow.policy.temporary_password_hours)
    reset, change = rules.reset_password(customer, cmd.expected_version, valid_for, uow.now, uow.actor)
    temporary = passwords.generate_temporary()
    sealed = uow.keyring.seal_for_deployment(temporary)
    await uow.customers.set_password(reset.customer_id, await passwords.hash_secret(temporary), uow.now)
    del temporary  # from here on it exists only sealed (and hashed)
    await save_with_change(uow, reset, change)
    assert reset.logon_id is not None and reset.password_expires_at is not None
    uow.emit(
        PasswordResetV1(
            customer_id=reset.customer_id,
            logon_id=reset.logon_id,
            sealed_temporary_password=sealed,
            expires_at=reset.password_expires_at,
            reset_by=uow.actor.agent_id,
        )
    )
    return PasswordResetResult(
        customer_id=reset.customer_id, expires_at=reset.password_expires_at, version=reset.version
    )


async def change_password(uow: UnitOfWork, cmd: ChangePasswordV1) -> CustomerIdResult:
    current = uow.keyring.open(cmd.current_password, "payload.current_password")
    new = uow.keyring.open(cmd.new_password, "payload.new_password")
    customer, password_hash = await _by_logon(uow, cmd.logon_id)
    if not password_hash or not await passwords.verify_secret(password_hash, current):
        raise Refused.field("authentication_failed", "payload.current_password", "the current password is wrong")
    if violation := passwords.policy_violation(new, customer.logon_id):
        raise Refused.field("password_policy", "payload.new_password", f"{violation} ({passwords.POLICY})")
    if new == current:
        raise Refused.field("password_policy", "payload.new_password", "the new password must differ from the old one")
    changed, change = rules.password_changed(customer, uow.now, uow.actor)
    await uow.customers.set_password(changed.customer_id, await passwords.hash_secret(new), uow.now)
    await save_with_change(uow, changed, change)
    uow.emit(PasswordChangedV1(customer_id=changed.customer_id, changed_at=uow.now, version=changed.version))
    return CustomerIdResult(customer_id=changed.customer_id, version=changed.version)
