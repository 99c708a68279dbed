"""One page shape everywhere (PLT-11, docs/contract.md): every paged list query has a V2 answered
as a ``ListPage``, beside its V1, by every service, on the real stack. A V2 pages through what its
V1 finds, and says ``has_more`` (and ``total`` where counted) consistently with it."""

from __future__ import annotations

import uuid

import pytest

from contracts.customers import (
    ContactEntry,
    CustomerSummary,
    FindCustomersV1,
    FindCustomersV2,
    FoundCustomers,
    GetContactHistoryV2,
    GetProfileChangesV2,
    GetTicklerHistoryV2,
    ListTicklersV2,
    Page,
    ProfileChange,
    TicklerHistoryEntry,
    TicklerView,
)
from contracts.notifications import EmailHistoryPage, EmailView, GetEmailHistoryV1, GetEmailHistoryV2
from contracts.orders import (
    CatalogPage,
    FindOrdersV2,
    FindQuotesV2,
    FindReturnsV2,
    ListPendingOrdersV2,
    OrderSummaryView,
    PendingOrderView,
    ProductView,
    QuoteSummaryView,
    ReturnSummaryView,
    SearchCatalogV1,
    SearchCatalogV2,
)
from contracts.paging import ListPage
from csr.client import OmsClient
from tests.support.customers import ok, register, tag


@pytest.mark.capability("PLT-11", "CUS-03")
async def test_find_customers_pages_in_the_common_shape_beside_v1(csr: OmsClient) -> None:
    family = f"Pager{tag()}"
    for given in ("Ann", "Bea", "Cid"):
        await register(csr, first_name=given, last_name=family)

    first = await ok(csr, FindCustomersV2(last_name=family, page_size=2), ListPage[CustomerSummary])
    second = await ok(csr, FindCustomersV2(last_name=family, page=2, page_size=2), ListPage[CustomerSummary])
    old = await ok(csr, FindCustomersV1(last_name=family, page=Page(number=1, size=2)), FoundCustomers)

    assert (first.page, first.page_size, first.has_more, first.total, len(first.items)) == (1, 2, True, None, 2)
    assert (second.page, second.has_more, len(second.items)) == (2, False, 1)
    assert {c.first_name for c in first.items + second.items} == {"Ann", "Bea", "Cid"}
    assert old.customers == first.items


@pytest.mark.capability("PLT-11")
async def test_every_customer_list_answers_a_page(csr: OmsClient) -> None:
    customer_id, _ = await register(csr)

    changes = await ok(csr, GetProfileChangesV2(customer_id=customer_id), ListPage[ProfileChange])
    contacts = await ok(csr, GetContactHistoryV2(customer_id=customer_id), ListPage[ContactEntry])
    ticklers = await ok(csr, ListTicklersV2(customer_id=customer_id, status="all"), ListPage[TicklerView])
    history = await ok(csr, GetTicklerHistoryV2(customer_id=customer_id), ListPage[TicklerHistoryEntry])

    for page in (changes, contacts, ticklers, history):
        assert (page.page, page.page_size, page.total) == (1, 20, None)
    assert changes.items and not changes.has_more  # the registration is the first change


@pytest.mark.capability("PLT-11", "ORD-01")
async def test_the_catalog_and_order_lists_answer_pages_with_their_total(csr: OmsClient) -> None:
    old = await ok(csr, SearchCatalogV1(page_size=1), CatalogPage)
    first = await ok(csr, SearchCatalogV2(page_size=1), ListPage[ProductView])

    assert first.items == old.items and first.total == old.total
    assert first.has_more is (old.total > 1)
    nobody = uuid.uuid4()
    for query, item in (
        (FindOrdersV2(customer_id=nobody), OrderSummaryView),
        (FindQuotesV2(customer_id=nobody), QuoteSummaryView),
        (FindReturnsV2(customer_id=nobody), ReturnSummaryView),
        (ListPendingOrdersV2(), PendingOrderView),
    ):
        page = await ok(csr, query, ListPage[item])  # type: ignore[valid-type]  # a type from the loop
        assert page.total is not None and page.has_more is (page.page * page.page_size < page.total), query


@pytest.mark.capability("PLT-11", "NTF-06")
async def test_the_email_history_answers_a_page_beside_v1(supervisor: OmsClient) -> None:
    old = await ok(supervisor, GetEmailHistoryV1(status="failed", page_size=1), EmailHistoryPage)
    page = await ok(supervisor, GetEmailHistoryV2(status="failed", page_size=1), ListPage[EmailView])

    assert page.total == old.total and [e.email_id for e in page.items] == [e.email_id for e in old.items]
    assert page.has_more is (old.total > 1)
