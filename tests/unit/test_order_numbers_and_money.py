from __future__ import annotations

from decimal import Decimal

import pytest

from services.orders.domain.order import money, order_number


def _luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@pytest.mark.parametrize("sequence", [100000, 100001, 123456, 999999, 1000000])
def test_order_numbers_carry_a_check_digit(sequence: int) -> None:
    number = order_number(sequence)
    assert number.startswith(str(sequence))
    assert _luhn_valid(number)


def test_a_misheard_digit_is_caught() -> None:
    number = order_number(100042)
    misheard = number[:2] + str((int(number[2]) + 1) % 10) + number[3:]
    assert not _luhn_valid(misheard)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.125", "USD", "0.12"),
        ("0.135", "USD", "0.14"),
        ("149.995", "EUR", "150.00"),
        ("10", "USD", "10.00"),
        ("1000.5", "JPY", "1000"),  # no minor unit: half-even to the yen
        ("1001.5", "JPY", "1002"),
        ("2.0005", "KWD", "2.000"),  # three decimals: the fils
        ("2.0015", "BHD", "2.002"),
        ("7.45", "CLF", "7.4500"),
    ],
)
def test_money_rounds_half_even_to_the_currencys_minor_unit(amount: str, currency: str, expected: str) -> None:
    rounded = money(Decimal(amount), currency)
    assert rounded == Decimal(expected)
    assert str(rounded) == expected  # the exponent too: "1000" yen, not "1000.00"
