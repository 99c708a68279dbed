"""One page shape everywhere (docs/contract.md): every query that pages a list has a version
answered with ``contracts.paging.ListPage``, asking what the older version asked; the older one
is published as deprecated, and every service answers both."""

from __future__ import annotations

import json
import typing
from pathlib import Path

from contracts.envelope import Message, Query
from contracts.paging import ListPage
from contracts.registry import all_messages
from services.customers.app import create_service as customers
from services.notifications.app import create_service as notifications
from services.orders.app import create_service as orders

DOCS = Path(__file__).resolve().parents[2] / "docs"
KEPT = {"GetCustomerHistoryV1"}  # three lists (orders, quotes, returns) in one answer: docs/contract.md
PAGING = {"page", "page_size"}


def _name(cls: type[Message]) -> str:
    return f"{cls.TYPE}V{cls.VERSION}"


def _paged_queries() -> list[type[Query]]:
    found = []
    for cls in all_messages().values():
        result = getattr(cls, "RESULT", None)
        if not issubclass(cls, Query) or result is None or not PAGING & set(cls.model_fields):
            continue
        if any(typing.get_origin(f.annotation) is list for f in result.model_fields.values()):
            found.append(cls)
    return found


def _is_page(result: type | None) -> bool:
    return isinstance(result, type) and issubclass(result, ListPage)


def test_every_paged_query_has_a_version_in_the_common_page_shape() -> None:
    queries = _paged_queries()
    latest = {c.TYPE: c for c in sorted(queries, key=lambda c: c.VERSION)}
    older = [c for c in latest.values() if not _is_page(c.RESULT) and _name(c) not in KEPT]

    assert len(latest) >= 12
    assert older == [], f"paged queries without a ListPage version: {[_name(c) for c in older]}"


def test_each_new_version_asks_what_the_old_one_asked() -> None:
    registry = all_messages()
    checked = 0
    for cls in _paged_queries():
        older = registry.get((cls.TYPE, cls.VERSION - 1))
        if not _is_page(cls.RESULT) or older is None:
            continue
        assert set(cls.model_fields) - PAGING == set(older.model_fields) - PAGING, _name(cls)
        assert getattr(older, "ALLOWED_ROLES", None) == cls.ALLOWED_ROLES, _name(cls)
        checked += 1
    assert checked >= 12


def test_the_older_versions_are_published_as_deprecated_and_every_service_answers_both() -> None:
    handled = {_name(c) for s in (customers(), orders(), notifications()) for c in s.handlers.queries}
    for cls in _paged_queries():
        assert _name(cls) in handled, f"no service answers {_name(cls)}"
        schema = json.loads((DOCS / "schemas" / f"{_name(cls)}.json").read_text())
        newer = all_messages().get((cls.TYPE, cls.VERSION + 1))
        assert schema.get("deprecated", False) is (newer is not None), _name(cls)
        if newer is not None:
            assert schema["x-deprecated"].startswith(f"use {_name(newer)}")
