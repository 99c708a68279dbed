"""Commands, queries and events of the customers service (seeds 001, 003, 004; CUS-*)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Address, AttributeName, AttributeValue, CurrencyCode, Email, LocaleTag, Name, Phone, Text
from contracts.envelope import STAFF_AND_CHANNELS, Command, Event
from contracts.sealing import SealedSecret
from contracts.topics import CUSTOMERS_COMMANDS, CUSTOMERS_EVENTS

EmailFormat = Literal["text", "html"]


class _CustomerCommand(Command):
    TOPIC = CUSTOMERS_COMMANDS


class _CustomerEvent(Event):
    TOPIC = CUSTOMERS_EVENTS


class CustomerIdResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    version: int = 1


class RegisterCustomerV1(_CustomerCommand):
    """Create a registered, enabled customer (CUS-01).

    ``password`` and ``challenge_answer`` are sealed to the service's public key
    (see ``contracts.sealing``); the service stores only argon2 hashes of them.
    """

    ALLOWED_ROLES = STAFF_AND_CHANNELS
    RESULT = CustomerIdResult

    logon_id: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._@+-]+$")
    password: SealedSecret
    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    challenge_question: Text | None = None
    challenge_answer: SealedSecret | None = None
    preferred_currency: CurrencyCode = "USD"
    preferred_language: LocaleTag = "en"
    email_format: EmailFormat | None = None
    address: Address | None = None
    demographics: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=50)

    def partition_key(self) -> str:
        return self.logon_id.lower()


class CustomerRegisteredV1(_CustomerEvent):
    customer_id: uuid.UUID
    logon_id: str | None
    guest: bool = False
    first_name: str
    last_name: str
    email: str | None
    phone: str | None = None
    preferred_currency: str
    preferred_language: str
    email_format: EmailFormat | None = None
    registered_at: datetime

    def partition_key(self) -> str:
        return str(self.customer_id)


# --- Events other services rely on ----------------------------------------------------------
# The notifications service keeps its own copy of what it needs about a customer from these.


class CustomerUpdatedV1(_CustomerEvent):
    """A customer's profile changed. Carries the current contact details, whatever changed."""

    customer_id: uuid.UUID
    changed_fields: list[str]
    first_name: str
    last_name: str
    email: str | None
    phone: str | None = None
    preferred_currency: str
    preferred_language: str
    email_format: EmailFormat | None = None
    version: int
    updated_at: datetime

    def partition_key(self) -> str:
        return str(self.customer_id)


class PasswordResetV1(_CustomerEvent):
    """A CSR reset a customer's password (CUS-08). The temporary password is sealed to the
    notifications service's key: it is in clear text nowhere but in the e-mail itself."""

    customer_id: uuid.UUID
    logon_id: str
    sealed_temporary_password: SealedSecret
    expires_at: datetime
    reset_by: str

    def partition_key(self) -> str:
        return str(self.customer_id)
