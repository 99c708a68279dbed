from __future__ import annotations

from typing import Any

import pytest

from services.notifications.adapters.templates import Renderer
from services.notifications.domain.rendering import (
    MissingVariable,
    UnknownTemplate,
    formatting_locale,
)

LINES = [{"line_no": 1, "sku": "TENT-2P", "description": "Tent", "quantity": 2, "line_total": "300.00"}]
SAMPLES: dict[str, dict[str, Any]] = {
    "welcome": {"logon_id": "jane"},
    "password_reset": {"logon_id": "jane", "temporary_password": "Tmp-1", "expires_at": "2026-03-02T15:30:00+00:00"},
    "order_confirmation": {
        "order_number": "1000009",
        "placed_at": "2026-03-01T15:30:00+00:00",
        "lines": LINES,
        "currency": "EUR",
        "total": "1234.50",
    },
    "order_changed": {
        "order_number": "1000009",
        "changed_at": "2026-03-01T15:30:00+00:00",
        "lines": LINES,
        "currency": "EUR",
        "total": "300.00",
        "amount_due": "25.00",
        "reason": "one more",
    },
    "order_cancelled": {
        "order_number": "1000009",
        "cancelled_at": "2026-03-01T15:30:00+00:00",
        "reason": "twice",
        "refund_amount": "300.00",
        "currency": "EUR",
    },
    "shipment": {
        "order_number": "1000009",
        "shipped_at": "2026-03-01T15:30:00+00:00",
        "lines": LINES,
        "carrier": None,
        "tracking_number": None,
    },
    "order_comment": {"order_number": "1000009", "text": "Hello"},
    "quote": {
        "quote_number": "Q-1",
        "expires_at": "2026-03-31T00:00:00+00:00",
        "lines": LINES,
        "currency": "EUR",
        "total": "300.00",
    },
    "csr_message": {"message": "Hello"},
}
NAMES = {"first_name": "Jane", "last_name": "Doe"}


@pytest.mark.parametrize("language", ["en", "fr", "de"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_kind_renders_in_every_language_with_the_same_variables(name: str, language: str) -> None:
    rendered = Renderer().render(name, language, {**NAMES, **SAMPLES[name]})

    assert rendered.language == language
    assert rendered.subject and "\n" not in rendered.subject
    assert "Jane" in rendered.text
    assert rendered.html.startswith("<!doctype html>") and f'<html lang="{language}" dir="ltr">' in rendered.html


def test_every_built_in_template_is_in_three_languages_at_least() -> None:
    names = Renderer().names()

    assert set(SAMPLES) <= set(names)
    assert all({"en", "fr", "de"} <= set(names[n]) for n in SAMPLES)
    assert not any(n.startswith("_") for n in names)  # layouts are not templates


def test_money_and_dates_follow_the_locale() -> None:
    context = {**NAMES, **SAMPLES["order_confirmation"]}

    german = Renderer().render("order_confirmation", "de", context)
    french = Renderer().render("order_confirmation", "fr", context)
    english = Renderer().render("order_confirmation", "en-US", context)

    assert "Gesamt: 1.234,50\xa0€" in german.text and "vom 1. März 2026" in german.text
    assert "Total : 1\u202f234,50\xa0€" in french.text and "du 1 mars 2026" in french.text
    assert "Total: €1,234.50" in english.text and "of March 1, 2026" in english.text


def test_formatting_locale_keeps_the_region_only_with_the_same_language() -> None:
    assert formatting_locale("fr-CA", "fr") == "fr-CA"
    assert formatting_locale("es-MX", "en") == "en"
    assert formatting_locale(None, "de") == "de"


def test_amount_due_sign_picks_the_sentence() -> None:
    base = {**NAMES, **SAMPLES["order_changed"]}

    collect = Renderer().render("order_changed", "en", base).text
    refund = Renderer().render("order_changed", "en", {**base, "amount_due": "-7.5"}).text
    even = Renderer().render("order_changed", "en", {**base, "amount_due": "0"}).text

    assert "Still to pay: €25.00" in collect and "refunded" not in collect
    assert "To be refunded to you: €7.50" in refund and "Still to pay" not in refund
    assert "Still to pay" not in even and "refunded" not in even


def test_unknown_template_and_missing_variable_are_told_apart() -> None:
    with pytest.raises(UnknownTemplate):
        Renderer().render("nope", "en", {})
    with pytest.raises(UnknownTemplate):
        Renderer().render("../en/welcome", "en", {})
    with pytest.raises(MissingVariable, match="message"):
        Renderer().render("csr_message", "en", NAMES)


def test_variables_a_template_needs() -> None:
    assert Renderer().variables("csr_message") == ["first_name", "message"]
    assert Renderer().variables("welcome") == ["first_name", "last_name", "logon_id"]


ORDER = {
    "order_number": "1000017",
    "placed_at": "2026-03-01T10:00:00+00:00",
    "currency": "USD",
    "lines": [
        {
            "line_no": 1,
            "sku": "TENT",
            "description": "Tent",
            "quantity": 2,
            "unit_price": "150.00",
            "line_total": "300.00",
            "backordered_quantity": 1,
        },
        {
            "line_no": 2,
            "sku": "STOVE",
            "description": "Stove",
            "quantity": 1,
            "unit_price": "35.50",
            "line_total": "35.50",
        },
    ],
    "total": "338.46",
    "totals": {
        "merchandise": "335.50",
        "line_discounts": "0",
        "subtotal": "335.50",
        "discount_total": "20.00",
        "shipping": "8.45",
        "handling": "0",
        "tax": "14.51",
        "total": "338.46",
    },
    "discounts": [{"kind": "coupon", "code": "SPRING", "description": "Spring coupon", "amount": "20.00"}],
    "backorder_policy": "ship_complete",
}


def test_the_order_summary_shows_every_part_of_the_total_and_the_backorder_choice() -> None:
    text = Renderer().render("order_confirmation", "en", {**NAMES, **ORDER}).text

    for line in ("Subtotal: $335.50", "Spring coupon: -$20.00", "Shipping: $8.45", "Tax: $14.51", "Total: $338.46"):
        assert line in text
    assert "Handling" not in text  # nothing charged, nothing shown
    assert "(1 of these are backordered)" in text
    assert "Your order ships complete, as soon as the backordered items are in stock." in text


@pytest.mark.parametrize(
    ("language", "greeting", "direction"),
    [
        ("ja", "Doe Jane 様", "ltr"),
        ("ar", "Jane Doe", "rtl"),
        ("hu", "Dear Jane Doe,", "ltr"),
        ("en", "Dear Jane Doe,", "ltr"),
    ],
)
def test_the_name_is_written_as_the_language_writes_it_and_the_page_runs_its_way(
    language: str, greeting: str, direction: str
) -> None:
    for name in ("order_confirmation", "order_changed"):
        context = {**NAMES, **ORDER, "changed_at": ORDER["placed_at"], "reason": "r", "amount_due": "0"}
        rendered = Renderer().render(name, language, context)
        assert greeting in rendered.text.splitlines()[0]
        assert f'dir="{direction}"' in rendered.html
