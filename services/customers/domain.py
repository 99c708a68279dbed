"""Customer rules, pure and synchronous: no I/O, the clock passed in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.common import Address
from contracts.customers import CustomerRegisteredV1, RegisterCustomerV1
from contracts.envelope import Actor


@dataclass(frozen=True)
class Customer:
    customer_id: uuid.UUID
    logon_id: str | None
    guest: bool
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    preferred_currency: str
    preferred_language: str
    email_format: str | None
    demographics: dict[str, Any]
    status: str
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    challenge_question: str | None = None
    addresses: list[Address] = field(default_factory=list)


def register(
    cmd: RegisterCustomerV1, customer_id: uuid.UUID, now: datetime, actor: Actor
) -> tuple[Customer, CustomerRegisteredV1]:
    """A new registered customer is enabled from the start (seed 001)."""
    customer = Customer(
        customer_id=customer_id,
        logon_id=cmd.logon_id,
        guest=False,
        first_name=cmd.first_name,
        last_name=cmd.last_name,
        email=str(cmd.email),
        phone=cmd.phone,
        preferred_currency=cmd.preferred_currency,
        preferred_language=cmd.preferred_language,
        email_format=cmd.email_format,
        demographics=dict(cmd.demographics),
        status="enabled",
        version=1,
        created_at=now,
        created_by=actor.agent_id,
        updated_at=now,
        updated_by=actor.agent_id,
        challenge_question=cmd.challenge_question,
        addresses=[cmd.address] if cmd.address else [],
    )
    return customer, registered_event(customer)


def registered_event(customer: Customer) -> CustomerRegisteredV1:
    return CustomerRegisteredV1(
        customer_id=customer.customer_id,
        logon_id=customer.logon_id,
        guest=customer.guest,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        phone=customer.phone,
        preferred_currency=customer.preferred_currency,
        preferred_language=customer.preferred_language,
        email_format=customer.email_format,
        registered_at=customer.created_at,
    )
