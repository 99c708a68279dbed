"""The rules of rendering an e-mail: which template language serves a customer's language, which
locale numbers and dates are written for, how a name is written, and the helpers every template
may use (money and dates formatted with Babel for the customer's locale: ``fr-CA`` uses the ``fr``
templates and Canadian French number formats). The templates themselves are read and rendered by
the jinja2 adapter (adapters/templates.py); :class:`Templates` is what the rules need of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency


class TemplateError(Exception):
    """A template could not be rendered."""


class UnknownTemplate(TemplateError):
    """No template of that name, in any language."""


class MissingVariable(TemplateError):
    """The template uses a variable that was not given."""


@dataclass(frozen=True)
class Rendered:
    language: str  # of the template used
    locale: str  # numbers and dates were formatted for this one; rendering again with it gives the same
    subject: str
    text: str
    html: str


class Templates(Protocol):
    """The e-mail templates, as the rules use them."""

    def render(self, name: str, language: str | None, context: dict[str, Any]) -> Rendered: ...


def babel_locale(tag: str) -> Locale:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def language_chain(language: str | None, default: str) -> list[str]:
    """``fr-CA`` falls back to ``fr``, then to the default language, then to English."""
    chain: list[str] = []
    if language:
        parts = language.split("-")
        chain += ["-".join(parts[: i + 1]) for i in range(len(parts) - 1, -1, -1)]
    for fallback in (default, "en"):
        if fallback not in chain:
            chain.append(fallback)
    return chain


def formatting_locale(requested: str | None, template_language: str) -> str:
    """Format numbers and dates for the customer's own locale when the template is in their language
    (``fr-CA`` with the ``fr`` template); otherwise for the template's language, so an English
    fallback text never carries French number formats."""
    if requested and requested.split("-")[0] == template_language.split("-")[0]:
        return requested
    return template_language


# Languages that write the family name first ("Sato Haruki", "Kovács János"); the others write
# the given name first. CLDR has no person-name data in the Babel release we use.
_FAMILY_NAME_FIRST = frozenset({"ja", "zh", "ko", "hu", "vi", "mn"})


def full_name(locale: Locale, first: str | None, last: str | None) -> str:
    """The customer's name as the language writes it: family name first in Japanese, Chinese,
    Korean, Hungarian, Vietnamese and Mongolian, given name first elsewhere."""
    parts = [last, first] if locale.language in _FAMILY_NAME_FIRST else [first, last]
    return " ".join(p for p in parts if p)


def helpers(locale: Locale, tag: str) -> dict[str, Any]:
    return {
        "full_name": lambda first, last: full_name(locale, first, last),
        # Arabic, Hebrew, Persian, Urdu...: the HTML variant is laid out right to left.
        "direction": "rtl" if locale.character_order == "right-to-left" else "ltr",
        "money": lambda amount, currency: format_currency(Decimal(str(amount)), currency, locale=locale),
        "date": lambda value: format_date(as_datetime(value), format="long", locale=locale),
        "datetime": lambda value: format_datetime(as_datetime(value), format="medium", locale=locale),
        "sign": lambda amount: (Decimal(str(amount)) > 0) - (Decimal(str(amount)) < 0),
        "negate": lambda amount: -Decimal(str(amount)),
        "locale_tag": tag,
    }


HELPERS = frozenset(helpers(Locale.parse("en"), "en"))


def as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
