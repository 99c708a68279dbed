"""docs/contract.md lists every paged query with its result's shape; a new one must be added."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from contracts.envelope import Kind
from contracts.registry import all_messages

DOC = Path(__file__).resolve().parents[2] / "docs" / "contract.md"
PAGING = {"page", "page_size"}


def _paged_queries() -> dict[str, str]:
    """Query name -> result model name, for queries that take a page and return a list."""
    found = {}
    for cls in all_messages().values():
        result = getattr(cls, "RESULT", None)
        if cls.KIND != Kind.QUERY or result is None or not PAGING & set(cls.model_fields):
            continue
        if any(typing.get_origin(f.annotation) is list for f in result.model_fields.values()):
            found[f"{cls.TYPE}V{cls.VERSION}"] = result.__name__
    return found


def test_every_paged_query_is_in_the_inventory_with_its_result() -> None:
    rows = dict(re.findall(r"^\| `(\w+V\d+)` \| \w+ \| `([\w\[\]]+)` \|", DOC.read_text(), re.MULTILINE))
    queries = _paged_queries()

    assert queries, "no paged query found: the detection above is broken"
    assert queries == rows
