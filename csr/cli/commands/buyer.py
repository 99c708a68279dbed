"""What a cart or an order is made of, as typed on the command line: who buys (a registered
customer's details or a guest's) and how they pay. Shared by ``csr cart`` and ``csr order place``."""

from __future__ import annotations

from typing import Any

from csr.cli.commands.common import card_number, expiry, given
from csr.client.errors import UsageError


def customer_details(record: dict[str, Any]) -> dict[str, Any]:
    """What a cart or an order keeps of a registered customer, from the customers service's record."""
    account = record.get("account") or {}
    return given(
        customer_id=record["customer_id"],
        first_name=record.get("first_name"),
        last_name=record.get("last_name"),
        email=record.get("email"),
        phone=record.get("phone"),
        language=record.get("preferred_language"),
        currency=record.get("preferred_currency"),
        account_id=str(account["account_id"]) if account.get("account_id") else None,
    )


def guest_details(
    first_name: str | None, last_name: str | None, email: str | None, phone: str | None
) -> dict[str, Any]:
    if not (first_name and last_name):
        raise UsageError("a guest needs --first-name and --last-name (or give --customer for a registered customer)")
    return given(guest=True, first_name=first_name, last_name=last_name, email=email, phone=phone)


def payment_input(
    invoice: bool,
    purchase_order: str | None,
    expires: str | None,
    holder: str | None,
    number: str | None,
    amount: dict[str, str] | None,
) -> dict[str, Any]:
    """A payment instruction from its options; the card number is read here (prompt or standard
    input), handed to the contract to be sealed, and never shown again."""
    if invoice:
        return given(method="invoice", purchase_order=purchase_order, amount=amount)
    if not expires:
        raise UsageError("a card needs --expiry MM/YY (or pay with --invoice)")
    month, year = expiry(expires)
    return given(
        method="card",
        card_number=card_number(number),
        expiry_month=month,
        expiry_year=year,
        holder_name=holder,
        amount=amount,
    )
