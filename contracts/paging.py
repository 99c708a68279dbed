"""One shape for every paged list (docs/contract.md): the request names ``page`` and
``page_size``; the result is a :class:`ListPage` of items. Queries move to it as new versions
beside the old ones (``ListAssetsV2`` first)."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

PageNumber = Annotated[int, Field(ge=1, le=10_000, description="1-based page number")]
PageSize = Annotated[int, Field(ge=1, le=100, description="items per page")]


class ListPage(BaseModel, Generic[T]):
    """One page of a list: its items, which page it is, whether another follows, and how many
    there are in all where counting them is cheap (``null`` where it is not)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: list[T]
    page: PageNumber
    page_size: PageSize
    has_more: bool = Field(description="true when a next page exists")
    total: int | None = Field(default=None, ge=0, description="every match on all pages; null when not counted")
