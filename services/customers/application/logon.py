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
from services.customers.adapters.deps import Ctx, customer_for_update, save_with_change
from services.customers.adapters.postgres import customers as store
from services.customers.domain import customer as domain
from services.customers.domain import passwords
from services.customers.domain.customer import Customer
from services.runtime.handling import Rejected


async def _by_logon(ctx: Ctx, logon_id: str) -> tuple[Customer, str | None]:
    found = await store.load_by_logon(ctx.conn, logon_id)
    if found is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.logon_id", f"no customer with logon id {logon_id!r}")
    return found


async def _decide_logon(ctx: Ctx, customer: Customer, password_ok: bool | None) -> LogonResult:
    decision = domain.logon_attempt(
        customer, password_ok=password_ok, threshold=ctx.deps.settings.lockout_threshold, now=ctx.now, actor=ctx.actor
    )
    if decision.change is not None:
        await save_with_change(ctx, decision.customer, decision.change)
    elif decision.customer != customer:
        await store.save(ctx.conn, decision.customer)
    for event in decision.events:
        ctx.emit(event)
    c = decision.customer
    return LogonResult(
        customer_id=c.customer_id,
        outcome=decision.outcome,
        must_change_password=c.must_change_password,
        failed_logons=c.failed_logons,
        status=c.status,
    )


async def authenticate(ctx: Ctx, cmd: AuthenticateCustomerV1) -> LogonResult:
    password = ctx.deps.open_secret(cmd.password, "payload.password")
    customer, password_hash = await _by_logon(ctx, cmd.logon_id)
    # A locked account is not checked at all (the domain answers "locked"), so it costs no hashing.
    ok: bool | None = None
    if customer.status != "locked":
        ok = password_hash is not None and await passwords.verify_secret(password_hash, password)
    return await _decide_logon(ctx, customer, ok)


async def report_failed_logon(ctx: Ctx, cmd: ReportFailedLogonV1) -> LogonResult:
    customer, _ = await _by_logon(ctx, cmd.logon_id)
    return await _decide_logon(ctx, customer, False)


async def enable(ctx: Ctx, cmd: EnableCustomerV1) -> CustomerIdResult:
    customer = await customer_for_update(ctx, cmd.customer_id)
    enabled, change, event = domain.enable(customer, cmd.reason, cmd.expected_version, ctx.now, ctx.actor)
    await save_with_change(ctx, enabled, change)
    ctx.emit(event)
    return CustomerIdResult(customer_id=enabled.customer_id, version=enabled.version)


async def reset_password(ctx: Ctx, cmd: ResetPasswordV1) -> PasswordResetResult:
    customer = await customer_for_update(ctx, cmd.customer_id)
    valid_for = timedelta(hours=ctx.deps.settings.temporary_password_hours)
    reset, change = domain.reset_password(customer, cmd.expected_version, valid_for, ctx.now, ctx.actor)
    temporary = passwords.generate_temporary()
    sealed = ctx.deps.seal_for_deployment(temporary)
    await store.set_password(ctx.conn, reset.customer_id, await passwords.hash_secret(temporary), ctx.now)
    del temporary  # from here on it exists only sealed (and hashed)
    await save_with_change(ctx, reset, change)
    assert reset.logon_id is not None and reset.password_expires_at is not None
    ctx.emit(
        PasswordResetV1(
            customer_id=reset.customer_id,
            logon_id=reset.logon_id,
            sealed_temporary_password=sealed,
            expires_at=reset.password_expires_at,
            reset_by=ctx.actor.agent_id,
        )
    )
    return PasswordResetResult(
        customer_id=reset.customer_id, expires_at=reset.password_expires_at, version=reset.version
    )


async def change_password(ctx: Ctx, cmd: ChangePasswordV1) -> CustomerIdResult:
    current = ctx.deps.open_secret(cmd.current_password, "payload.current_password")
    new = ctx.deps.open_secret(cmd.new_password, "payload.new_password")
    customer, password_hash = await _by_logon(ctx, cmd.logon_id)
    if not password_hash or not await passwords.verify_secret(password_hash, current):
        raise Rejected.field("authentication_failed", "payload.current_password", "the current password is wrong")
    if violation := passwords.policy_violation(new, customer.logon_id):
        raise Rejected.field("password_policy", "payload.new_password", f"{violation} ({passwords.POLICY})")
    if new == current:
        raise Rejected.field("password_policy", "payload.new_password", "the new password must differ from the old one")
    changed, change = domain.password_changed(customer, ctx.now, ctx.actor)
    await store.set_password(ctx.conn, changed.customer_id, await passwords.hash_secret(new), ctx.now)
    await save_with_change(ctx, changed, change)
    ctx.emit(PasswordChangedV1(customer_id=changed.customer_id, changed_at=ctx.now, version=changed.version))
    return CustomerIdResult(customer_id=changed.customer_id, version=changed.version)
