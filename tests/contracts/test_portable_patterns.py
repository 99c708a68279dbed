"""Every regular expression the published schemas carry compiles in the engines other teams use.

JSON Schema patterns are ECMA-262, but clients validate with their platform's engine: Go and Rust
use RE2, which refuses a repeat count above 1000 (a Go client could not compile ``{80,2000}``), and
none of RE2, .NET or Java's engines agree on look-around or back-references. So a pattern keeps to
the common subset: no back-references, no look-around, no possessive or lazy quantifiers, and every
repeat count at most 1000 (a long bound is the schema's ``maxLength``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
RE2_MAX_REPEAT = 1000
REPEAT = re.compile(r"(?<!\\)\{(\d+)(?:,(\d*))?\}")
NOT_PORTABLE = re.compile(r"\(\?[=!<]|\\[1-9]|[*+?}]\+|(?<!\\)\(\?P?<")


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def _all_patterns() -> set[str]:
    found: set[str] = set()
    for path in SCHEMAS.glob("*.json"):
        found.update(_patterns(json.loads(path.read_text())))
    return found


def test_the_schemas_carry_patterns_to_check() -> None:
    assert any(p.startswith("^sealed:") for p in _all_patterns())


@pytest.mark.parametrize("pattern", sorted(_all_patterns()))
def test_a_published_pattern_compiles_in_re2_and_the_others(pattern: str) -> None:
    for match in REPEAT.finditer(pattern):
        for bound in match.groups():
            assert not bound or int(bound) <= RE2_MAX_REPEAT, f"{pattern!r}: repeat {match.group(0)} > 1000"
    assert not NOT_PORTABLE.search(pattern), f"{pattern!r}: look-around, back-reference or possessive"
    re.compile(pattern)


def test_the_check_catches_what_go_refused() -> None:
    assert any(int(b) > RE2_MAX_REPEAT for m in REPEAT.finditer("[a-z]{80,2000}") for b in m.groups() if b)
