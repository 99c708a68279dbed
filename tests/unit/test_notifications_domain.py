from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notifications.domain import rules as domain


def test_format_chain_per_email_then_csr_then_customer_then_default() -> None:
    assert domain.choose_format("text", "html", "html", "html") == "text"
    assert domain.choose_format(None, "text", "html", "html") == "text"
    assert domain.choose_format(None, None, "text", "html") == "text"
    assert domain.choose_format(None, None, None, "text") == "text"
    assert domain.choose_format(None, None, None, "html") == "html"


def test_language_chain() -> None:
    assert domain.choose_language("de", "fr", "en") == "de"
    assert domain.choose_language(None, "fr-CA", "en") == "fr-CA"
    assert domain.choose_language(None, None, "en") == "en"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("jane@example.com", True),
        ("jane.doe+orders@sub.example.co.uk", True),
        ("not-an-address", False),
        ("jane@example.com\r\nBcc: evil@example.com", False),
        ("jane@example.com, evil@example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_only_a_single_plain_address_is_valid(value: str | None, valid: bool) -> None:
    assert (domain.valid_address(value) is not None) is valid


def test_a_named_address_becomes_the_plain_address() -> None:
    # What goes into RCPT TO and the To header is the normalized address alone.
    assert domain.valid_address("Jane <jane@example.com>") == "jane@example.com"


@pytest.mark.parametrize(
    "body",
    [
        "<p>x</p><script>alert(1)</script>",
        "<SCRIPT src=x></SCRIPT>",
        "<iframe src=x></iframe>",
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        "<meta http-equiv=refresh content='0;url=https://evil.example'>",
        '<img src=x onerror="alert(1)">',
        "<p ONCLICK=alert(1)>x</p>",
        '<a href="javascript:alert(1)">x</a>',
        "<a href=' JavaScript:alert(1)'>x</a>",
        '<img src="data:text/html;base64,xx">',
        "<form action=x><input></form>",
    ],
)
def test_scripts_and_handlers_in_written_html_are_refused(body: str) -> None:
    assert domain.unsafe_html(body) is not None


@pytest.mark.parametrize(
    "body",
    [
        "<p>Your order <strong>1000009</strong> ships <em>Monday</em>.</p>",
        '<a href="https://example.com/orders/1">order</a> <img src="https://example.com/logo.png" alt="logo">',
        "<p>Use the description field; one = two</p>",
    ],
)
def test_ordinary_email_html_is_accepted(body: str) -> None:
    assert domain.unsafe_html(body) is None


def test_text_becomes_escaped_html_paragraphs() -> None:
    html = domain.text_to_html("Hello <Jane> & co,\nsecond line\n\n\nNew paragraph")

    assert "<p>Hello &lt;Jane&gt; &amp; co,<br>\nsecond line</p>" in html
    assert "<p>New paragraph</p>" in html
    assert "<Jane>" not in html


def test_html_becomes_text_without_tags_styles_or_scripts() -> None:
    html = (
        "<html><head><style>p {color: red}</style><title>T</title></head><body>"
        "<p>Invoice <strong>INV-1</strong>&nbsp;is&amp;was attached.</p><p>Line one<br>line two</p>"
        "<table><tr><td>a</td><td>b</td></tr></table></body></html>"
    )

    text = domain.html_to_text(html)

    assert text == "Invoice INV-1\xa0is&was attached.\n\nLine one\nline two\n\nab\n"


def test_oversized_names_the_first_body_over_the_limit() -> None:
    assert domain.oversized({"body_text": "x" * 10, "body_html": "y" * 11}, 10) == "body_html"
    assert domain.oversized({"body_text": None, "body_html": "y" * 10}, 10) is None


def test_retention_cutoff_and_paging() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    assert domain.retention_cutoff(now, 90) == datetime(2025, 12, 1, 12, 0, tzinfo=UTC)  # 31 + 31 + 28 = 90 days
    assert domain.retention_cutoff(now, 0) == now
    assert domain.offset(1, 20) == 0
    assert domain.offset(3, 20) == 40
