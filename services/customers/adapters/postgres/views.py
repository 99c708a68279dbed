"""The read side: rows of this service's tables as the contract's views (application.unit_of_work.Views).

Every list reads one row more than the page, to know whether there is a next page."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from contracts.customers import (
    AccountList,
    AccountSummary,
    AccountView,
    AddressEntry,
    AssetView,
    ContactEntry,
    ContactHistory,
    CustomerHistory,
    CustomerSummary,
    CustomerView,
    FindAccountsV1,
    FindCustomersV1,
    FoundCustomers,
    GetContactHistoryV1,
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
from services.customers.adapters.postgres import accounts, activity, customers, history, search
from services.runtime.db import Connection


def _window(page: Page) -> tuple[int, int]:
    """LIMIT and OFFSET: one row more than the page, to know whether there is a next page."""
    return page.size + 1, (page.number - 1) * page.size


def _fields(model: type[Any], row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in model.model_fields if name in row}


def _tickler_view(row: asyncpg.Record, now: datetime) -> TicklerView:
    return TicklerView(**_fields(TicklerView, row), overdue=row["status"] == "open" and row["due_at"] <= now)


class PostgresViews:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def customer(self, customer_id: uuid.UUID) -> CustomerView | None:
        customer = await customers.load(self._conn, customer_id)
        if customer is None:
            return None
        account = await accounts.summary(self._conn, customer.account_id) if customer.account_id else None
        addresses = await customers.address_rows(self._conn, customer.customer_id)
        values = {name: getattr(customer, name) for name in CustomerView.model_fields if hasattr(customer, name)}
        return CustomerView(
            **{**values, "addresses": [AddressEntry(**a) for a in addresses]},
            account=AccountSummary(**dict(account)) if account else None,
        )

    async def profile_changes(self, customer_id: uuid.UUID, page: Page) -> ProfileChanges:
        limit, offset = _window(page)
        rows = await customers.changes(self._conn, customer_id, limit, offset)
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
            for r in rows[: page.size]
        ]
        return ProfileChanges(customer_id=customer_id, changes=changes, has_more=len(rows) > page.size)

    async def found_customers(self, query: FindCustomersV1) -> FoundCustomers:
        rows = await search.find_customers(self._conn, query)
        return FoundCustomers(
            customers=[CustomerSummary(**_fields(CustomerSummary, r)) for r in rows[: query.page.size]],
            page=query.page.number,
            size=query.page.size,
            has_more=len(rows) > query.page.size,
        )

    async def found_accounts(self, query: FindAccountsV1) -> AccountList:
        limit, offset = _window(query.page)
        rows = await search.find_accounts(self._conn, query.text, limit, offset)
        found = [
            AccountView(**{**_fields(AccountView, r), "attributes": json.loads(r["attributes"])})
            for r in rows[: query.page.size]
        ]
        return AccountList(accounts=found, has_more=len(rows) > query.page.size)

    async def contact_history(self, query: GetContactHistoryV1) -> ContactHistory:
        limit, offset = _window(query.page)
        kinds = set(query.kinds or ["note", "email"])
        rows = await activity.contact_history(self._conn, query.customer_id, kinds, query.oldest_first, limit, offset)
        entries = [ContactEntry(**{**_fields(ContactEntry, r), "to": r["to_addr"]}) for r in rows[: query.page.size]]
        return ContactHistory(customer_id=query.customer_id, entries=entries, has_more=len(rows) > query.page.size)

    async def customer_history(self, customer_id: uuid.UUID, page: Page) -> CustomerHistory:
        limit, offset = _window(page)
        size = page.size
        orders = await history.orders_of(self._conn, customer_id, limit, offset)
        quotes = await history.quotes_of(self._conn, customer_id, limit, offset)
        returns = await history.returns_of(self._conn, customer_id, limit, offset)
        return CustomerHistory(
            customer_id=customer_id,
            orders=[OrderHistoryEntry(**_fields(OrderHistoryEntry, r)) for r in orders[:size]],
            quotes=[QuoteHistoryEntry(**_fields(QuoteHistoryEntry, r)) for r in quotes[:size]],
            returns=[ReturnHistoryEntry(**_fields(ReturnHistoryEntry, r)) for r in returns[:size]],
            has_more=max(len(orders), len(quotes), len(returns)) > size,
        )

    async def assets(self, customer_id: uuid.UUID, page: Page) -> tuple[list[AssetView], bool]:
        limit, offset = _window(page)
        rows = await history.assets_of(self._conn, customer_id, limit, offset)
        return [AssetView(**_fields(AssetView, r)) for r in rows[: page.size]], len(rows) > page.size

    async def ticklers(self, query: ListTicklersV1, now: datetime) -> TicklerList:
        limit, offset = _window(query.page)
        due_by = now if query.due_now else query.due_by
        rows = await activity.list_ticklers(
            self._conn,
            assigned_to=query.assigned_to,
            customer_id=query.customer_id,
            status=query.status,
            due_by=due_by,
            limit=limit,
            offset=offset,
        )
        return TicklerList(
            ticklers=[_tickler_view(r, now) for r in rows[: query.page.size]], has_more=len(rows) > query.page.size
        )

    async def tickler_history(self, customer_id: uuid.UUID, page: Page, now: datetime) -> TicklerHistory:
        limit, offset = _window(page)
        rows = await activity.customer_ticklers(self._conn, customer_id, limit, offset)
        shown = rows[: page.size]
        actions: dict[uuid.UUID, list[TicklerAction]] = {r["tickler_id"]: [] for r in shown}
        for a in await activity.tickler_actions(self._conn, list(actions)):
            actions[a["tickler_id"]].append(
                TicklerAction(action=a["action"], by=a["actor"], at=a["at"], detail=json.loads(a["detail"]))
            )
        return TicklerHistory(
            customer_id=customer_id,
            ticklers=[
                TicklerHistoryEntry(tickler=_tickler_view(r, now), actions=actions[r["tickler_id"]]) for r in shown
            ],
            has_more=len(rows) > page.size,
        )
