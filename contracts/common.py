"""Value types shared by the services' contracts: money, addresses, contact details, codes.

Validation lives here so every channel rejects the same bad input the services would.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from pydantic_core import PydanticCustomError

from contracts.iso import CURRENCY_CODES

# C0 and C1 control characters and every other character str.splitlines() breaks a line at
# (\x1c-\x1e, U+0085, U+2028, U+2029): a single-line field that reaches an e-mail header must not
# be able to start a new line there, whatever the reader counts as one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _no_control_chars(value: str) -> str:
    # CR/LF in a name or subject is how e-mail header injection starts; refuse it at the edge.
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters or line breaks (such as CR, LF or U+2028)")
    return value


# --- card numbers in free text ---------------------------------------------------------------

CARD_NUMBER_IN_TEXT = "card_number_in_text"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _holds_pan(digits: str) -> bool:
    # A card number may sit inside a longer run of digits ("order 3 4111 1111 ..."), so every
    # 13-19 digit window is checked, not only the whole run.
    return any(
        luhn_ok(digits[start : start + size]) for size in range(13, 20) for start in range(len(digits) - size + 1)
    )


def _card_digits(match: re.Match[str]) -> str:
    return "".join(ch for ch in match.group() if ch.isdigit())


_GROUPED_DIGITS = re.compile(r"\d+(?:[ -]{1,2}\d+)*")
_SEPARATORS = re.compile(r"[ -]+")
_THIRTEEN_DIGITS = re.compile(r"\d(?:[ -]{0,2}\d){12}")  # every text is checked: most have none, found at C speed


def holds_card_number(text: str) -> bool:
    """Whether ``text`` holds a card number as people write one: 13-19 digits passing the Luhn
    check, whole or in groups separated by spaces or dashes ("4111 1111-1111 1111"), alone or next
    to other groups ("order 3 4111 1111 1111 1111"). A single unbroken run of more than 19 digits
    (a parcel's tracking number) is not read as one."""
    if _THIRTEEN_DIGITS.search(text) is None:
        return False
    for match in _GROUPED_DIGITS.finditer(text):
        groups = _SEPARATORS.split(match.group())
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn_ok(digits):
                    return True
    return False


# What is masked is wider than what is refused: besides spaces and dashes, the grouping and
# decimal marks a formatter puts into a number (4,539,578,763,621,486.00, 4.539.578.763.621.486,00,
# 4'539..., 4_539..., no-break and thin spaces, also as the JSON escapes of those spaces). A number
# a sender put where a number goes and a message then printed with separators is still its digits.
_GROUPING = r"(?:[ \-.,'_\u00a0\u2009\u202f]|\\u(?:00a0|2009|202f))"
_NUMBER_RUN = re.compile(rf"(?:\d{_GROUPING}{{0,2}}){{12,}}\d")


def mask_card_numbers(text: str) -> str:
    """``text`` with every run of digits (spaces, dashes and a number's grouping and decimal marks
    allowed) that holds 13-19 digits passing the Luhn check anywhere inside it masked: wider than
    :func:`holds_card_number`, for what is copied to replies, dead letters and logs, where
    over-masking is cheap."""
    return _NUMBER_RUN.sub(lambda m: "[REDACTED-PAN]" if _holds_pan(_card_digits(m)) else m.group(), text)


def _no_card_number(value: str) -> str:
    # A card number is accepted only sealed, in a payment's card field. Typed into a note, a name or
    # an e-mail body it would be stored, published and mailed in clear: refused, without echoing it.
    if holds_card_number(value):
        raise PydanticCustomError(
            CARD_NUMBER_IN_TEXT,
            "must not contain a card number (13-19 digits passing the Luhn check); "
            "a card is accepted only sealed, in a payment's card field",
        )
    return value


def _currency(value: str) -> str:
    value = value.upper()
    if value not in CURRENCY_CODES:  # validator messages never quote the input (it may be a secret)
        raise ValueError("must be an ISO 4217 currency code such as USD or EUR")
    return value


_LOCALE = re.compile(r"^(?P<lang>[a-z]{2,3})(?:-(?P<script>[A-Z][a-z]{3}))?(?:-(?P<region>[A-Z]{2}|[0-9]{3}))?$")


def _locale(value: str) -> str:
    parts = value.replace("_", "-").split("-")
    normal = [parts[0].lower()]
    for part in parts[1:]:
        normal.append(part.title() if len(part) == 4 else part.upper())
    candidate = "-".join(normal)
    if not _LOCALE.match(candidate):
        raise ValueError("must be a BCP 47 language tag such as 'en', 'en-US' or 'fr-CA'")
    return candidate


_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{5,22}[0-9]$")


def _phone(value: str) -> str:
    if not _PHONE.match(value) or len(re.sub(r"\D", "", value)) < 7:
        raise ValueError("must be a phone number: digits, spaces, ( ) . - and an optional leading +")
    return value


_POSTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")


def _postal(value: str) -> str:
    if not _POSTAL.match(value):
        raise ValueError("must be a postal code: 2-10 letters, digits, spaces or dashes")
    return value.upper()


MAX_INT = 2**31 - 1
"""The largest count, version or line number a message may carry: what a PostgreSQL integer
holds, and far below a card number, which a number field could otherwise carry in clear."""

_FREE = AfterValidator(_no_card_number)
_ONE_LINE = AfterValidator(_no_control_chars)

# Free text: what a person types (names, notes, comments, subjects, bodies, attributes, addresses).
# Every free-text field of a command or query uses one of these, so none can carry a card number
# (tests/unit/test_free_text.py walks the contracts to keep it so).
Text = Annotated[str, StringConstraints(max_length=200), _ONE_LINE, _FREE]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100), _ONE_LINE, _FREE]
LongText = Annotated[str, StringConstraints(max_length=4000), _FREE]
FreeText = Annotated[str, _FREE]
"""Free text of a length set where it is used; may span lines."""
SingleLine = Annotated[str, _ONE_LINE, _FREE]
"""One line of free text of a length set where it is used (search terms, labels)."""
CurrencyCode = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(_currency)]
LocaleTag = Annotated[str, StringConstraints(min_length=2, max_length=20), AfterValidator(_locale)]
Phone = Annotated[str, StringConstraints(max_length=30), AfterValidator(_phone)]
PostalCode = Annotated[str, StringConstraints(max_length=10), AfterValidator(_postal)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Reference = Annotated[str, StringConstraints(max_length=200), _ONE_LINE]
"""A carrier's tracking number or a product's serial number: one line, not checked for card
numbers (a parcel's 15-digit tracking number passes the Luhn check one time in ten). Like
everything else, it is masked in dead letters when it looks like one."""
Email = Annotated[EmailStr, StringConstraints(max_length=254), _ONE_LINE, _FREE]
AttributeName = Annotated[FreeText, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
AttributeValue = Annotated[str, StringConstraints(max_length=500), _ONE_LINE, _FREE]
Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=4)]


class Money(BaseModel):
    """An exact amount in one currency. Never a float."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Amount
    currency: CurrencyCode


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    nickname: Name | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    line1: Name
    line2: Text | None = None
    city: Name
    region: Text | None = None
    postal_code: PostalCode
    country: CountryCode
    phone: Phone | None = None
