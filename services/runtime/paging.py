"""The common page shape (``contracts.paging.ListPage``, docs/contract.md) answered from the
handlers of the older shapes: each ``...V2`` list query asks what its ``V1`` asks and is answered
from the same store code, its result reshaped. Two older shapes exist:

- ``items``/``total``/``page``/``page_size`` (orders, notifications): the V2 class is a subclass
  of its V1, so the V1 handler takes it as it is; ``has_more`` follows from ``total``;
- a named list with ``has_more`` and a nested ``page: {number, size}`` (customers): the V2 is
  turned into its V1, and the named list becomes ``items`` (``total`` is not counted).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from contracts.envelope import Query
from contracts.paging import ListPage
from services.runtime.handling import Context

D = TypeVar("D")
V1 = TypeVar("V1", bound=Query)
V2 = TypeVar("V2", bound=Query)


class CountedPage(Protocol):
    """The orders' and notifications' older result: every match counted."""

    @property
    def items(self) -> list[Any]: ...
    @property
    def total(self) -> int: ...
    @property
    def page(self) -> int: ...
    @property
    def page_size(self) -> int: ...


def from_counted(
    v1: Callable[[Context[D], Any], Awaitable[CountedPage]],
) -> Callable[[Context[D], Query], Awaitable[ListPage[Any]]]:
    """A V2 handler from the V1 handler of a counted page (the V2 query is a V1)."""

    async def answer(ctx: Context[D], query: Query) -> ListPage[Any]:
        found = await v1(ctx, query)
        more = found.page * found.page_size < found.total
        return ListPage[Any](
            items=found.items, page=found.page, page_size=found.page_size, has_more=more, total=found.total
        )

    return answer


def from_has_more(
    v1_class: type[V1], v1: Callable[[Context[D], V1], Awaitable[BaseModel]], items: str
) -> Callable[[Context[D], Query], Awaitable[ListPage[Any]]]:
    """A V2 handler from the V1 handler of a ``has_more`` page whose list is named ``items``."""

    async def answer(ctx: Context[D], query: Query) -> ListPage[Any]:
        fields = query.model_dump(exclude={"page", "page_size"})
        page, size = getattr(query, "page"), getattr(query, "page_size")  # noqa: B009 - every V2 has them
        found = await v1(ctx, v1_class.model_validate({**fields, "page": {"number": page, "size": size}}))
        return ListPage[Any](
            items=getattr(found, items),
            page=page,
            page_size=size,
            has_more=getattr(found, "has_more"),  # noqa: B009
        )

    return answer
