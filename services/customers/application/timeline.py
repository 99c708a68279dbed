"""The customer's timeline from other services' events: orders, quotes and returns (CUS-11),
assets (CUS-14) and e-mails sent (CUS-10), and the queries that read it. Nothing here calls
another service: their events carry all it needs."""

from __future__ import annotations

import uuid
from decimal import Decimal

from contracts.customers import (
    AssetList,
    AssetsAddedV1,
    AssetView,
    CustomerHistory,
    GetCustomerHistoryV1,
    ListAssetsV1,
    ListAssetsV2,
    Page,
)
from contracts.notifications import EmailSentV1
from contracts.orders import (
    OrderCancelledV1,
    OrderChangedV1,
    OrderPlacedV1,
    QuoteSavedV1,
    ReturnCreatedV1,
    ReturnUpdatedV1,
    TrackableItemsFulfilledV1,
)
from contracts.paging import ListPage
from services.customers.application.records import known_customer
from services.customers.application.unit_of_work import UnitOfWork
from services.customers.domain import history


async def on_order_placed(uow: UnitOfWork, event: OrderPlacedV1) -> None:
    await uow.timeline.upsert_order(history.placed(event))


async def on_order_changed(uow: UnitOfWork, event: OrderChangedV1) -> None:
    await uow.timeline.upsert_order(history.changed(event))


async def on_order_cancelled(uow: UnitOfWork, event: OrderCancelledV1) -> None:
    status, version, at = history.cancelled_status(event)
    if not await uow.timeline.cancel_order(event.order_id, status, version, at):
        # Cancelled before its placement reached us: keep what the cancellation tells.
        entry = history.OrderEntry(
            event.order_id,
            event.customer_id,
            event.order_number,
            status,
            event.currency,
            Decimal(0),
            0,
            version,
            at,
            at,
        )
        await uow.timeline.upsert_order(entry)


async def on_quote_saved(uow: UnitOfWork, event: QuoteSavedV1) -> None:
    await uow.timeline.upsert_quote(event)


async def on_return_created(uow: UnitOfWork, event: ReturnCreatedV1) -> None:
    await uow.timeline.add_return(event)


async def on_return_updated(uow: UnitOfWork, event: ReturnUpdatedV1) -> None:
    # Same partition (the order) as ReturnCreatedV1, so the return's row is there already.
    await uow.timeline.advance_return(event.return_id, event.status)


async def on_trackable_items_fulfilled(uow: UnitOfWork, event: TrackableItemsFulfilledV1) -> None:
    added = await uow.timeline.add_assets(history.assets(event))
    if added:
        uow.emit(
            AssetsAddedV1(
                customer_id=event.customer_id,
                order_id=event.order_id,
                order_number=event.order_number,
                assets=[
                    AssetView(
                        asset_id=a.asset_id,
                        sku=a.sku,
                        name=a.name,
                        quantity=a.quantity,
                        serial_number=a.serial_number,
                        order_id=a.order_id,
                        order_number=a.order_number,
                        acquired_at=a.acquired_at,
                        status="active",
                    )
                    for a in added
                ],
            )
        )


async def on_email_sent(uow: UnitOfWork, event: EmailSentV1) -> None:
    if event.customer_id is not None:  # an e-mail to no known customer is no customer's history
        await uow.activity.add_email(event)


async def get_customer_history(uow: UnitOfWork, query: GetCustomerHistoryV1) -> CustomerHistory:
    await known_customer(uow, query.customer_id)
    return await uow.views.customer_history(query.customer_id, query.page)


async def list_assets(uow: UnitOfWork, query: ListAssetsV1) -> AssetList:
    assets, has_more = await _assets(uow, query.customer_id, query.page)
    return AssetList(customer_id=query.customer_id, assets=assets, has_more=has_more)


async def list_assets_v2(uow: UnitOfWork, query: ListAssetsV2) -> ListPage[AssetView]:
    """The same page as v1, in the common page shape (docs/contract.md)."""
    page = Page(number=query.page, size=query.page_size)
    assets, has_more = await _assets(uow, query.customer_id, page)
    return ListPage[AssetView](items=assets, page=query.page, page_size=query.page_size, has_more=has_more)


async def _assets(uow: UnitOfWork, customer_id: uuid.UUID, page: Page) -> tuple[list[AssetView], bool]:
    await known_customer(uow, customer_id)
    return await uow.views.assets(customer_id, page)
