"""Valid messages for tests, unique per call so tests never collide on a shared system."""

from __future__ import annotations

import uuid
from typing import Any

from contracts.customers import RegisterCustomerV1
from csr.client import OmsClient


def unique(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def register_customer(client: OmsClient, **overrides: Any) -> RegisterCustomerV1:
    tag = unique()
    fields: dict[str, Any] = {
        "logon_id": f"jane.{tag}",
        "password": client.seal("Sunshine42!"),
        "first_name": "Jane",
        "last_name": f"Doe{tag[:4]}",
        "email": f"jane.{tag}@example.com",
        "phone": "+1 555 010 1234",
        "challenge_question": "First pet?",
        "challenge_answer": client.seal(f"Rex.{tag}"),  # unique and long enough to scan for
        "preferred_currency": "USD",
        "preferred_language": "en-US",
        "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"},
        "demographics": {"age_band": "35-44"},
    }
    fields.update(overrides)
    return RegisterCustomerV1.model_validate(fields)
