"""E-mail templates: jinja2, a subject, a plain-text and an HTML variant per language.

Templates live in ``templates/<language>/<name>.{subject.txt,txt,html}``; a directory named by
``OMS_TEMPLATES_DIR`` is searched first, so a deployment overrides any file (or adds a template or
a language) without code changes. The HTML variant is autoescaped and undefined variables are
errors (a typo never sends an e-mail with a hole in it); the language, locale and helper rules are
the domain's (domain/rendering.py).

Files whose name starts with ``_`` (the per-language ``_layout.html``) are building blocks, not
templates anyone can ask for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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

from services.notifications.domain.rendering import (
    HELPERS,
    MissingVariable,
    Rendered,
    TemplateError,
    UnknownTemplate,
    babel_locale,
    formatting_locale,
    helpers,
    language_chain,
)

BUILTIN = Path(__file__).parents[1] / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PARTS = ("subject.txt", "txt", "html")

__all__ = ["BUILTIN", "Renderer", "TemplateError"]


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
        # The name asked for is the sender's and is not quoted; the field says which one it was.
        if not _NAME.match(name):
            raise UnknownTemplate("no template has this name")
        for candidate in language_chain(language, self.default_language):
            if self.available(name, candidate):
                return candidate
        raise UnknownTemplate("no template has this name")

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
        values = {**context, **helpers(babel_locale(tag), tag)}
        try:
            subject = self.env.get_template(f"{lang}/{name}.subject.txt").render(values)
            text = self.env.get_template(f"{lang}/{name}.txt").render(values)
            html = self.env.get_template(f"{lang}/{name}.html").render(values)
        except TemplateNotFound as exc:
            raise UnknownTemplate(f"template {name!r} has no file {exc.name}") from None
        except UndefinedError as exc:
            raise MissingVariable(f"template {name!r} needs a value: {exc.message}") from None
        except Exception as exc:  # noqa: BLE001 - a broken override must become a clear error, not a crash
            # The error's own words may quote a value it was given (a variable the sender chose):
            # the kind of error is enough to find the broken override in the template.
            raise TemplateError(f"template {name!r} could not be rendered ({type(exc).__name__})") from None
        # A subject is one header line: collapse any line breaks a value might have carried.
        return Rendered(lang, tag, " ".join(subject.split()), text, html)
