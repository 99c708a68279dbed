"""E-mail templates: jinja2, a subject, a plain-text and an HTML variant per language.

Templates live in ``templates/<language>/<name>.{subject.txt,txt,html}``; a directory named by
``OMS_TEMPLATES_DIR`` is searched first, so a deployment overrides any file without code changes.
The HTML variant is autoescaped, undefined variables are errors (a typo never sends an e-mail with
a hole in it), and money and dates are formatted for the language with Babel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

BUILTIN = Path(__file__).parent / "templates"


class TemplateError(Exception):
    """A template is missing, or a variable it uses was not given."""


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    text: str
    html: str


def _babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def language_chain(language: str | None, default: str) -> list[str]:
    """``fr-CA`` falls back to ``fr``, then to the default language."""
    chain: list[str] = []
    if language:
        parts = language.split("-")
        chain += ["-".join(parts[: i + 1]) for i in range(len(parts) - 1, -1, -1)]
    for fallback in (default, "en"):
        if fallback not in chain:
            chain.append(fallback)
    return chain


class Renderer:
    def __init__(self, override_dir: Path | None = None, default_language: str = "en") -> None:
        loaders = [FileSystemLoader(str(override_dir))] if override_dir else []
        self.default_language = default_language
        self.env = Environment(
            loader=ChoiceLoader([*loaders, FileSystemLoader(str(BUILTIN))]),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def available(self, name: str, language: str) -> bool:
        try:
            self.env.get_template(f"{language}/{name}.subject.txt")
        except TemplateNotFound:
            return False
        return True

    def resolve_language(self, name: str, language: str | None) -> str:
        for candidate in language_chain(language, self.default_language):
            if self.available(name, candidate):
                return candidate
        raise TemplateError(f"no template named {name!r}")

    def render(self, name: str, language: str | None, context: dict[str, Any]) -> Rendered:
        lang = self.resolve_language(name, language)
        locale = _babel_locale(lang)
        helpers = {
            "money": lambda amount, currency: format_currency(Decimal(str(amount)), currency, locale=locale),
            "date": lambda value: format_date(_as_datetime(value), format="long", locale=locale),
            "datetime": lambda value: format_datetime(_as_datetime(value), format="medium", locale=locale),
        }
        values = {**context, **helpers}
        try:
            subject = self.env.get_template(f"{lang}/{name}.subject.txt").render(values)
            text = self.env.get_template(f"{lang}/{name}.txt").render(values)
            html = self.env.get_template(f"{lang}/{name}.html").render(values)
        except TemplateNotFound as exc:
            raise TemplateError(f"template file missing: {exc.name}") from None
        except Exception as exc:  # noqa: BLE001 - jinja2's UndefinedError and friends: a variable was not given
            raise TemplateError(f"template {name!r} could not be rendered: {exc}") from None
        # A subject is one header line: collapse any line breaks a value might have carried.
        return Rendered(lang, " ".join(subject.split()), text, html)


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
