"""Queries, answered from this service's own tables in a read-only transaction."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg

from contracts import errors
from contracts.customers import (
    AccountList,
    AccountSummary,
    AccountView,
    ActivityCodes,
    AddressEntry,
    AssetList,
    AssetView,
    ContactEntry,
    ContactHistory,
    CustomerHistory,
    CustomerSummary,
    CustomerView,
    FindAccountsV1,
    FindCustomersV1,
    FoundCustomers,
    GetActivityCodesV1,
    GetContactHistoryV1,
    GetCustomerHistoryV1,
    GetCustomerV1,
    GetProfileChangesV1,
    GetTicklerHistoryV1,
    ListAssetsV1,
    ListAssetsV2,
    ListTicklersV1,
    OrderHistoryEntry,
    Page,
    ProfileChange,
    ProfileChanges,
    QuoteHistoryEntry,
    ReturnHistoryEntry,
    TicklerAction,
    TicklerHistory,
    TicklerHistoryEntry,
    TicklerList,
    TicklerView,
)
from contracts.paging import ListPage
from services.customers.adapters.deps import Ctx
from services.customers.adapters.postgres import accounts as store_accounts
from services.customers.adapters.postgres import activity as store_activity
from services.customers.adapters.postgres import customers as store
from services.customers.adapters.postgres import history as store_history
from services.customers.adapters.postgres import search
from services.runtime.handling import Rejected


def _window(page: Page) -> tuple[int, int]:
    """LIMIT and OFFSET: one row more than the page, to know whether there is a next page."""
    return page.size + 1, (page.number - 1) * page.size


def _fields(model: type[Any], row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in model.model_fields if name in row}


async def get_customer(ctx: Ctx, query: GetCustomerV1) -> CustomerView:
    customer = await store.load(ctx.conn, query.customer_id)
    if customer is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.customer_id", f"no customer {query.customer_id}")
    account = await store_accounts.summary(ctx.conn, customer.account_id) if customer.account_id else None
    addresses = await store.address_rows(ctx.conn, customer.customer_id)
    values = {name: getattr(customer, name) for name in CustomerView.model_fields if hasattr(customer, name)}
    return CustomerView(
        **{**values, "addresses": [AddressEntry(**a) for a in addresses]},
        account=AccountSummary(**dict(account)) if account else None,
    )


async def get_profile_changes(ctx: Ctx, query: GetProfileChangesV1) -> ProfileChanges:
    limit, offset = _window(query.page)
    rows = await store.changes(ctx.conn, query.customer_id, limit, offset)
    changes = [
        ProfileChange(
            version=r["version"],
            changed_fields=list(r["changed_fields"]),
            before=json.loads(r["before"]),
            after=json.loads(r["after"]),
            reason=r["reason"],
            changed_by=r["changed_by"],
            changed_at=r["changed_at"],
        )
        for r in rows[: query.page.size]
    ]
    return ProfileChanges(customer_id=query.customer_id, changes=changes, has_more=len(rows) > query.page.size)


async def find_customers(ctx: Ctx, query: FindCustomersV1) -> FoundCustomers:
    if not search.criteria(query):
        raise Rejected(
            errors.INVALID,
            "give at least one criterion: logon id, first or last name, phone, e-mail, postal code or account",
        )
    rows = await search.find_customers(ctx.conn, query)
    return FoundCustomers(
        customers=[CustomerSummary(**_fields(CustomerSummary, r)) for r in rows[: query.page.size]],
        page=query.page.number,
        size=query.page.size,
        has_more=len(rows) > query.page.size,
    )


async def find_accounts(ctx: Ctx, query: FindAccountsV1) -> AccountList:
    limit, offset = _window(query.page)
    rows = await search.find_accounts(ctx.conn, query.text, limit, offset)
    accounts = [
        AccountView(**{**_fields(AccountView, r), "attributes": json.loads(r["attributes"])})
        for r in rows[: query.page.size]
    ]
    return AccountList(accounts=accounts, has_more=len(rows) > query.page.size)


async def get_activity_codes(ctx: Ctx, query: GetActivityCodesV1) -> ActivityCodes:
    settings = ctx.deps.settings
    return ActivityCodes(activity_codes=settings.activity_codes, result_codes=settings.result_codes)


async def _existing(ctx: Ctx, customer_id: uuid.UUID) -> None:
    if await store.load(ctx.conn, customer_id) is None:
        raise Rejected.field(errors.NOT_FOUND, "payload.customer_id", f"no customer {customer_id}")


async def get_contact_history(ctx: Ctx, query: GetContactHistoryV1) -> ContactHistory:
    await _existing(ctx, query.customer_id)
    limit, offset = _window(query.page)
    kinds = set(query.kinds or ["note", "email"])
    rows = await store_activity.contact_history(ctx.conn, query.customer_id, kinds, query.oldest_first, limit, offset)
    entries = [ContactEntry(**{**_fields(ContactEntry, r), "to": r["to_addr"]}) for r in rows[: query.page.size]]
    return ContactHistory(customer_id=query.customer_id, entries=entries, has_more=len(rows) > query.page.size)


async def get_customer_history(ctx: Ctx, query: GetCustomerHistoryV1) -> CustomerHistory:
    await _existing(ctx, query.customer_id)
    limit, offset = _window(query.page)
    size = query.page.size
    orders = await store_history.orders_of(ctx.conn, query.customer_id, limit, offset)
    quotes = await store_history.quotes_of(ctx.conn, query.customer_id, limit, offset)
    returns = await store_history.returns_of(ctx.conn, query.customer_id, limit, offset)
    return CustomerHistory(
        customer_id=query.customer_id,
        orders=[OrderHistoryEntry(**_fields(OrderHistoryEntry, r)) for r in orders[:size]],
        quotes=[QuoteHistoryEntry(**_fields(QuoteHistoryEntry, r)) for r in quotes[:size]],
        returns=[ReturnHistoryEntry(**_fields(ReturnHistoryEntry, r)) for r in returns[:size]],
        has_more=max(len(orders), len(quotes), len(returns)) > size,
    )


async def list_assets(ctx: Ctx, query: ListAssetsV1) -> AssetList:
    assets, has_more = await _assets(ctx, query.customer_id, query.page)
    return AssetList(customer_id=query.customer_id, assets=assets, has_more=has_more)


async def list_assets_v2(ctx: Ctx, query: ListAssetsV2) -> ListPage[AssetView]:
    """The same page as v1, in the common page shape (docs/contract.md)."""
    page = Page(number=query.page, size=query.page_size)
    assets, has_more = await _assets(ctx, query.customer_id, page)
    return ListPage[AssetView](items=assets, page=query.page, page_size=query.page_size, has_more=has_more)


async def _assets(ctx: Ctx, customer_id: uuid.UUID, page: Page) -> tuple[list[AssetView], bool]:
    await _existing(ctx, customer_id)
    limit, offset = _window(page)
    rows = await store_history.assets_of(ctx.conn, customer_id, limit, offset)
    return [AssetView(**_fields(AssetView, r)) for r in rows[: page.size]], len(rows) > page.size


def _tickler_view(row: asyncpg.Record, ctx: Ctx) -> TicklerView:
    return TicklerView(**_fields(TicklerView, row), overdue=row["status"] == "open" and row["due_at"] <= ctx.now)


async def list_ticklers(ctx: Ctx, query: ListTicklersV1) -> TicklerList:
    limit, offset = _window(query.page)
    due_by = ctx.now if query.due_now else query.due_by
    rows = await store_activity.list_ticklers(
        ctx.conn,
        assigned_to=query.assigned_to,
        customer_id=query.customer_id,
        status=query.status,
        due_by=due_by,
        limit=limit,
        offset=offset,
    )
    return TicklerList(
        ticklers=[_tickler_view(r, ctx) for r in rows[: query.page.size]], has_more=len(rows) > query.page.size
    )


async def get_tickler_history(ctx: Ctx, query: GetTicklerHistoryV1) -> TicklerHistory:
    await _existing(ctx, query.customer_id)
    limit, offset = _window(query.page)
    rows = await store_activity.customer_ticklers(ctx.conn, query.customer_id, limit, offset)
    page = rows[: query.page.size]
    actions: dict[uuid.UUID, list[TicklerAction]] = {r["tickler_id"]: [] for r in page}
    for a in await store_activity.tickler_actions(ctx.conn, list(actions)):
        actions[a["tickler_id"]].append(
            TicklerAction(action=a["action"], by=a["actor"], at=a["at"], detail=json.loads(a["detail"]))
        )
    return TicklerHistory(
        customer_id=query.customer_id,
        ticklers=[TicklerHistoryEntry(tickler=_tickler_view(r, ctx), actions=actions[r["tickler_id"]]) for r in page],
        has_more=len(rows) > query.page.size,
    )
