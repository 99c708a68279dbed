"""What the service knows about customers and orders: its own copy, kept from their events, so no
e-mail ever waits on a call to another service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    """A customer as an e-mail needs them: address, name, language and format."""

    customer_id: uuid.UUID
    email: str | None
    first_name: str
    last_name: str
    language: str
    email_format: str | None


@dataclass(frozen=True)
class KnownOrder:
    order_id: uuid.UUID
    order_number: str | None
    customer_id: uuid.UUID
