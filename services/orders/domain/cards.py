"""Card numbers: validated (length, checksum, brand, expiry) and reduced to what may be kept.

The full number exists only in the memory of the handler that opened it. Nothing here puts it in
an exception message, a log line or a return value: messages name the problem, never the number.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from contracts.common import luhn_ok
from contracts.errors import Refused
from contracts.orders import OrderErrors

_SEPARATORS = re.compile(r"[ -]")


@dataclass(frozen=True)
class CardFacts:
    """What is kept of a card: a token standing for it, the brand, the last four digits, the expiry."""

    token: str
    brand: str
    last4: str
    expiry_month: int
    expiry_year: int


def brand_of(digits: str) -> str | None:
    """The brand by issuer prefix and length, for the brands accepted; None otherwise."""
    n = len(digits)
    if digits.startswith("4") and n in (13, 16, 19):
        return "visa"
    if (51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720) and n == 16:
        return "mastercard"
    if digits[:2] in ("34", "37") and n == 15:
        return "amex"
    if (digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649) and 16 <= n <= 19:
        return "discover"
    return None


def expired(month: int, year: int, now: datetime) -> bool:
    """A card is good through the last day of its expiry month."""
    return (year, month) < (now.year, now.month)


def inspect_card(number: str, month: int, year: int, now: datetime, field: str) -> CardFacts:
    """Validate a card number and expiry; return only what may be stored. Rejections never quote
    the number."""
    digits = _SEPARATORS.sub("", number)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise Refused.field(OrderErrors.INVALID_CARD_NUMBER, field, "a card number has 12 to 19 digits")
    if not luhn_ok(digits):
        raise Refused.field(OrderErrors.INVALID_CARD_NUMBER, field, "the card number is mistyped (checksum fails)")
    brand = brand_of(digits)
    if brand is None:
        raise Refused.field(
            OrderErrors.UNSUPPORTED_CARD_BRAND, field, "only Visa, Mastercard, American Express and Discover"
        )
    if expired(month, year, now):
        raise Refused.field(OrderErrors.CARD_EXPIRED, field.rsplit(".", 1)[0] + ".expiry_year", "the card has expired")
    return CardFacts(
        token="tok_" + secrets.token_hex(16), brand=brand, last4=digits[-4:], expiry_month=month, expiry_year=year
    )
