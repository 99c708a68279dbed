"""Card numbers: checksum, brand, expiry; only token, brand, last four and expiry come out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.common import luhn_ok
from contracts.orders import OrderErrors
from services.orders.domain.cards import brand_of, expired, inspect_card
from services.runtime.handling import Rejected

NOW = datetime(2026, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4111111111111111", "visa"),
        ("4222222222222", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3530111333300000", None),  # JCB: not accepted
        ("30569309025904", None),  # Diners
    ],
)
def test_brand_by_prefix_and_length(number: str, brand: str | None) -> None:
    assert luhn_ok(number)
    assert brand_of(number) == brand


def test_only_what_may_be_kept_comes_out() -> None:
    facts = inspect_card("4111 1111-1111 1111", 3, 2026, NOW, "payload.card_number")

    assert (facts.brand, facts.last4, facts.expiry_month, facts.expiry_year) == ("visa", "1111", 3, 2026)
    assert facts.token.startswith("tok_") and "4111111111111111" not in repr(facts)
    assert inspect_card("4111111111111111", 3, 2026, NOW, "f").token != facts.token  # a token, not a hash


@pytest.mark.parametrize(
    ("number", "month", "year", "code"),
    [
        ("4111111111111112", 12, 2030, OrderErrors.INVALID_CARD_NUMBER),  # checksum
        ("41111111111", 12, 2030, OrderErrors.INVALID_CARD_NUMBER),  # too short
        ("4111x11111111111", 12, 2030, OrderErrors.INVALID_CARD_NUMBER),
        ("3530111333300000", 12, 2030, OrderErrors.UNSUPPORTED_CARD_BRAND),
        ("4111111111111111", 2, 2026, OrderErrors.CARD_EXPIRED),  # good through the end of February
        ("4111111111111111", 12, 2025, OrderErrors.CARD_EXPIRED),
    ],
)
def test_bad_cards_are_refused_without_quoting_the_number(number: str, month: int, year: int, code: str) -> None:
    with pytest.raises(Rejected) as refused:
        inspect_card(number, month, year, NOW, "payload.payment.card_number")

    assert refused.value.code == code
    assert number not in refused.value.message and number[:12] not in str(refused.value.field_errors)


def test_a_card_is_good_through_its_expiry_month() -> None:
    assert not expired(3, 2026, NOW)
    assert expired(2, 2026, NOW)
