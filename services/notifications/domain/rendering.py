"""E-mail templates: jinja2, a subject, a plain-text and an HTML variant per language.

Templates live in ``templates/<language>/<name>.{subject.txt,txt,html}``; a directory named by
``OMS_TEMPLATES_DIR`` is searched first, so a deployment overrides any file (or adds a template or
a language) without code changes. The HTML variant is autoescaped, undefined variables are errors (a
typo never sends an e-mail with a hole in it), and money and dates are formatted with Babel for the
customer's locale (``fr-CA`` uses the ``fr`` templates and Canadian French number formats).

Files whose name starts with ``_`` (the per-language ``_layout.html``) are building blocks, not
templates anyone can ask for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    UndefinedError,
    meta,
    select_autoescape,
)

BUILTIN = Path(__file__).parents[1] / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PARTS = ("subject.txt", "txt", "html")


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


def _babel_locale(tag: str) -> Locale:
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


def _helpers(locale: Locale, tag: str) -> dict[str, Any]:
    return {
        "full_name": lambda first, last: full_name(locale, first, last),
        # Arabic, Hebrew, Persian, Urdu...: the HTML variant is laid out right to left.
        "direction": "rtl" if locale.character_order == "right-to-left" else "ltr",
        "money": lambda amount, currency: format_currency(Decimal(str(amount)), currency, locale=locale),
        "date": lambda value: format_date(_as_datetime(value), format="long", locale=locale),
        "datetime": lambda value: format_datetime(_as_datetime(value), format="medium", locale=locale),
        "sign": lambda amount: (Decimal(str(amount)) > 0) - (Decimal(str(amount)) < 0),
        "negate": lambda amount: -Decimal(str(amount)),
        "locale_tag": tag,
    }


HELPERS = frozenset(_helpers(Locale.parse("en"), "en"))


class Renderer:
    def __init__(self, override_dir: Path | None = None, default_language: str = "en") -> None:
        self.directories = ([override_dir] if override_dir else []) + [BUILTIN]
        self.default_language = default_language
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in self.directories]),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def available(self, name: str, language: str) -> bool:
        try:
            self.env.get_template(f"{language}/{name}.subject.txt")
        except TemplateNotFound:
            return False
        return True

    def exists(self, name: str) -> bool:
        return name in self.names()

    def resolve_language(self, name: str, language: str | None) -> str:
        if not _NAME.match(name):
            raise UnknownTemplate(f"no template named {name!r}")
        for candidate in language_chain(language, self.default_language):
            if self.available(name, candidate):
                return candidate
        raise UnknownTemplate(f"no template named {name!r}")

    def names(self) -> dict[str, list[str]]:
        """Every template and the languages it exists in (override directory included)."""
        found: dict[str, set[str]] = {}
        for directory in self.directories:
            if not directory.is_dir():
                continue
            for subject in directory.glob("*/*.subject.txt"):
                name = subject.name.removesuffix(".subject.txt")
                if _NAME.match(name):
                    found.setdefault(name, set()).add(subject.parent.name)
        return {name: sorted(langs) for name, langs in sorted(found.items())}

    def variables(self, name: str) -> list[str]:
        """The variables a template uses (in its default-language files), helpers excluded."""
        lang = self.resolve_language(name, self.default_language)
        used: set[str] = set()
        assert self.env.loader is not None
        for part in _PARTS:
            try:
                source, _, _ = self.env.loader.get_source(self.env, f"{lang}/{name}.{part}")
            except TemplateNotFound:
                continue
            used |= meta.find_undeclared_variables(self.env.parse(source))
        return sorted(used - HELPERS)

    def render(self, name: str, language: str | None, context: dict[str, Any]) -> Rendered:
        lang = self.resolve_language(name, language)
        tag = formatting_locale(language, lang)
        values = {**context, **_helpers(_babel_locale(tag), tag)}
        try:
            subject = self.env.get_template(f"{lang}/{name}.subject.txt").render(values)
            text = self.env.get_template(f"{lang}/{name}.txt").render(values)
            html = self.env.get_template(f"{lang}/{name}.html").render(values)
        except TemplateNotFound as exc:
            raise UnknownTemplate(f"template {name!r} has no file {exc.name}") from None
        except UndefinedError as exc:
            raise MissingVariable(f"template {name!r} needs a value: {exc.message}") from None
        except Exception as exc:  # noqa: BLE001 - a broken override must become a clear error, not a crash
            raise TemplateError(f"template {name!r} could not be rendered: {exc}") from None
        # A subject is one header line: collapse any line breaks a value might have carried.
        return Rendered(lang, tag, " ".join(subject.split()), text, html)


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
