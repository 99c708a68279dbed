"""Value types shared by the services' contracts: money, addresses, contact details, codes.

Validation lives here so every channel rejects the same bad input the services would.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from contracts.iso import CURRENCY_CODES

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_chars(value: str) -> str:
    # CR/LF in a name or subject is how e-mail header injection starts; refuse it at the edge.
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (such as CR or LF)")
    return value


def _currency(value: str) -> str:
    value = value.upper()
    if value not in CURRENCY_CODES:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return value


_LOCALE = re.compile(r"^(?P<lang>[a-z]{2,3})(?:-(?P<script>[A-Z][a-z]{3}))?(?:-(?P<region>[A-Z]{2}|[0-9]{3}))?$")


def _locale(value: str) -> str:
    parts = value.replace("_", "-").split("-")
    normal = [parts[0].lower()]
    for part in parts[1:]:
        normal.append(part.title() if len(part) == 4 else part.upper())
    candidate = "-".join(normal)
    if not _LOCALE.match(candidate):
        raise ValueError(f"{value!r} is not a BCP 47 language tag such as 'en', 'en-US' or 'fr-CA'")
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


Text = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_control_chars)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_no_control_chars)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
CurrencyCode = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(_currency)]
LocaleTag = Annotated[str, StringConstraints(min_length=2, max_length=20), AfterValidator(_locale)]
Phone = Annotated[str, StringConstraints(max_length=30), AfterValidator(_phone)]
PostalCode = Annotated[str, StringConstraints(max_length=10), AfterValidator(_postal)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Email = Annotated[EmailStr, StringConstraints(max_length=254), AfterValidator(_no_control_chars)]
AttributeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
AttributeValue = Annotated[str, StringConstraints(max_length=500), AfterValidator(_no_control_chars)]
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
