"""Thin handlers: open sealed secrets, ask the domain, save with the store, emit events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from contracts import errors
from contracts.customers import CustomerIdResult, RegisterCustomerV1
from contracts.sealing import SealingError, open_sealed
from services.customers import domain, passwords, store
from services.customers.settings import CustomersSettings
from services.runtime.handling import Context, Handlers, Rejected


@dataclass(frozen=True)
class CustomersDeps:
    settings: CustomersSettings
    sealing_key: str | None

    def open_secret(self, sealed: str, field_name: str) -> str:
        if self.sealing_key is None:
            raise Rejected.field(errors.INVALID, field_name, "this service has no sealing key configured")
        try:
            return open_sealed(sealed, self.sealing_key)
        except SealingError as exc:
            raise Rejected.field(errors.INVALID, field_name, str(exc)) from None


Ctx = Context[CustomersDeps]


def build_handlers() -> Handlers[CustomersDeps]:
    handlers: Handlers[CustomersDeps] = Handlers()
    handlers.command(RegisterCustomerV1)(register_customer)
    return handlers


async def register_customer(ctx: Ctx, cmd: RegisterCustomerV1) -> CustomerIdResult:
    password = ctx.deps.open_secret(cmd.password, "payload.password")
    if violation := passwords.policy_violation(password, cmd.logon_id):
        raise Rejected.field("password_policy", "payload.password", f"{violation} ({passwords.POLICY})")
    answer = ctx.deps.open_secret(cmd.challenge_answer, "payload.challenge_answer") if cmd.challenge_answer else None
    if answer is not None and not cmd.challenge_question:
        raise Rejected.field(errors.INVALID, "payload.challenge_question", "a challenge answer needs its question")
    if await store.logon_id_taken(ctx.conn, cmd.logon_id):
        raise Rejected.field(errors.CONFLICT, "payload.logon_id", f"logon id {cmd.logon_id!r} is already taken")
    customer, event = domain.register(cmd, uuid.uuid4(), ctx.now, ctx.actor)
    password_hash = await passwords.hash_secret(password)
    answer_hash = await passwords.hash_secret(passwords.normalize_answer(answer)) if answer else None
    try:
        await store.insert_customer(ctx.conn, customer, password_hash, answer_hash)
    except asyncpg.UniqueViolationError:
        raise Rejected.field(
            errors.CONFLICT, "payload.logon_id", f"logon id {cmd.logon_id!r} is already taken"
        ) from None
    for address in customer.addresses:
        await store.insert_address(
            ctx.conn, customer.customer_id, address, ctx.now, default_billing=True, default_shipping=True
        )
    ctx.emit(event)
    return CustomerIdResult(customer_id=customer.customer_id, version=customer.version)
