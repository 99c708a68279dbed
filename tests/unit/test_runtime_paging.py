"""The V2 list queries are answered by their V1 handlers, reshaped into the common page shape:
``has_more`` from the counted total, or the V1's own ``has_more``; the V1 handler receives what
the V2 asked, with the page moved into the V1's shape."""

from __future__ import annotations

from typing import Any

from contracts.customers import AccountList, FindAccountsV1, FindAccountsV2
from contracts.orders import FindOrdersV1, FindOrdersV2, OrderPage
from services.runtime.paging import from_counted, from_has_more

CTX: Any = object()  # the adapters hand the context through untouched


async def test_a_counted_page_says_has_more_while_matches_remain_past_it() -> None:
    seen: list[FindOrdersV1] = []

    async def find_orders(ctx: Any, query: FindOrdersV1) -> OrderPage:
        seen.append(query)
        return OrderPage(items=[], total=45, page=query.page, page_size=query.page_size)

    answer = from_counted(find_orders)
    middle = await answer(CTX, FindOrdersV2(page=2, page_size=20))
    last = await answer(CTX, FindOrdersV2(page=3, page_size=20))

    assert (middle.page, middle.page_size, middle.total, middle.has_more) == (2, 20, 45, True)
    assert (last.has_more, last.total) == (False, 45)
    assert isinstance(seen[0], FindOrdersV2)  # the V2 is a V1: its filters reach the store as they are


async def test_a_has_more_page_moves_the_page_into_the_v1_and_names_its_list_items() -> None:
    seen: list[FindAccountsV1] = []

    async def find_accounts(ctx: Any, query: FindAccountsV1) -> AccountList:
        seen.append(query)
        # The list is handed through untouched, whatever it holds.
        return AccountList.model_construct(accounts=["first", "second"], has_more=True)  # type: ignore[list-item]

    page = await from_has_more(FindAccountsV1, find_accounts, "accounts")(
        CTX, FindAccountsV2(text="acme", page=3, page_size=2)
    )

    assert type(seen[0]) is FindAccountsV1
    assert (seen[0].text, seen[0].page.number, seen[0].page.size) == ("acme", 3, 2)
    assert (page.items, page.page, page.page_size, page.has_more, page.total) == (["first", "second"], 3, 2, True, None)
