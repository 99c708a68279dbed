"""The call in progress (``csr call start``): which customer is on the phone and which cart or
order the call is about, so the commands that follow need not be given them again.

Kept per user beside the saved login (``$XDG_CONFIG_HOME/csr-oms/call.json``), readable by its
owner only: it names a customer. It holds ids and what the CSR reads back to the caller (the
name, the logon id), nothing secret. It is a convenience, never an authority: every command still
sends the customer's or the order's id, and the services check what the logged-in agent may do."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from csr.client.config import login_file
from csr.client.errors import ConfigError
from csr.client.private_file import write_private


@dataclass(frozen=True)
class CallContext:
    customer_id: uuid.UUID
    name: str
    logon_id: str | None
    email: str | None
    started_at: datetime
    order: str | None = None  # the cart's id or the order's number, as the commands take it

    def with_order(self, order: str | None) -> CallContext:
        return replace(self, order=order)

    def describe(self) -> str:
        """One line for the terminal: who is on the phone, and the order the call is about."""
        who = f"{self.name} ({self.logon_id})" if self.logon_id else f"{self.name} (guest)"
        about = f", order {self.order}" if self.order else ""
        return f"call with {who}, customer {self.customer_id}{about}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["customer_id"] = str(self.customer_id)
        data["started_at"] = self.started_at.isoformat()
        return data


def call_file() -> Path:
    """Beside the saved login: ``$XDG_CONFIG_HOME/csr-oms/call.json``."""
    return login_file().with_name("call.json")


def load_call(path: Path | None = None) -> CallContext | None:
    """The call in progress, or None."""
    path = path or call_file()
    try:
        raw = json.loads(path.read_text())
        return CallContext(
            customer_id=uuid.UUID(str(raw["customer_id"])),
            name=str(raw["name"]),
            logon_id=raw.get("logon_id"),
            email=raw.get("email"),
            started_at=datetime.fromisoformat(str(raw["started_at"])),
            order=raw.get("order"),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(f"the call in progress ({path}) cannot be read: end it with csr call end") from None


def save_call(call: CallContext, path: Path | None = None) -> None:
    write_private(path or call_file(), json.dumps(call.as_json()))


def end_call(path: Path | None = None) -> CallContext | None:
    """Forget the call in progress; the call that was (None if there was none)."""
    path = path or call_file()
    try:
        call = load_call(path)
    except ConfigError:
        call = None  # an unreadable file is ended all the same
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return call


def new_call(customer: dict[str, Any], order: str | None = None) -> CallContext:
    """A call with the customer as GetCustomerV1 shows them."""
    name = " ".join(str(n) for n in (customer.get("first_name"), customer.get("last_name")) if n)
    return CallContext(
        customer_id=uuid.UUID(str(customer["customer_id"])),
        name=name or "(no name)",
        logon_id=customer.get("logon_id"),
        email=customer.get("email"),
        started_at=datetime.now(UTC).replace(microsecond=0),
        order=order,
    )
