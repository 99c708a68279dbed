from __future__ import annotations

from pathlib import Path

import pytest

from services.notifications.adapters.templates import Renderer
from services.notifications.domain.rendering import TemplateError, language_chain


def test_language_falls_back_from_region_to_language_to_default() -> None:
    assert language_chain("fr-CA", "en") == ["fr-CA", "fr", "en"]
    assert language_chain(None, "de") == ["de", "en"]


def test_html_is_autoescaped_and_text_is_not() -> None:
    rendered = Renderer().render("welcome", "en", {"first_name": "<b>Jo</b>", "last_name": "O'Neil", "logon_id": "jo"})
    assert "&lt;b&gt;Jo&lt;/b&gt;" in rendered.html
    assert "<b>Jo</b>" in rendered.text


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(TemplateError):
        Renderer().render("welcome", "en", {"first_name": "Jo"})


def test_unknown_template_is_an_error() -> None:
    with pytest.raises(TemplateError):
        Renderer().render("no_such_template", "en", {})


def test_override_directory_wins(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "welcome.subject.txt").write_text("Hello {{ first_name }}, from the override")
    rendered = Renderer(tmp_path).render("welcome", "en", {"first_name": "Jo", "last_name": "X", "logon_id": None})
    assert rendered.subject == "Hello Jo, from the override"


def test_subject_line_breaks_are_collapsed(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "welcome.subject.txt").write_text("Hi {{ first_name }}")
    rendered = Renderer(tmp_path).render(
        "welcome", "en", {"first_name": "A\r\nBcc: x@evil", "last_name": "", "logon_id": None}
    )
    assert "\n" not in rendered.subject
    assert "\r" not in rendered.subject
