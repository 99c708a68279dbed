"""The customer's timeline from other services' events: orders, quotes and returns (CUS-11),
assets (CUS-14) and e-mails sent (CUS-10). Nothing here calls another service."""

from __future__ import annotations

from decimal import Decimal

from contracts.customers import AssetsAddedV1, AssetView
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
from services.customers.adapters.deps import Ctx
from services.customers.adapters.postgres import activity as store_activity
from services.customers.adapters.postgres import history as store_history
from services.customers.domain import history


async def on_order_placed(ctx: Ctx, event: OrderPlacedV1) -> None:
    await store_history.upsert_order(ctx.conn, history.placed(event))


async def on_order_changed(ctx: Ctx, event: OrderChangedV1) -> None:
    await store_history.upsert_order(ctx.conn, history.changed(event))


async def on_order_cancelled(ctx: Ctx, event: OrderCancelledV1) -> None:
    status, version, at = history.cancelled_status(event)
    if not await store_history.cancel_order(ctx.conn, event.order_id, status, version, at):
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
        await store_history.upsert_order(ctx.conn, entry)


async def on_quote_saved(ctx: Ctx, event: QuoteSavedV1) -> None:
    await store_history.upsert_quote(ctx.conn, event)


async def on_return_created(ctx: Ctx, event: ReturnCreatedV1) -> None:
    await store_history.insert_return(ctx.conn, event)


async def on_return_updated(ctx: Ctx, event: ReturnUpdatedV1) -> None:
    # Same partition (the order) as ReturnCreatedV1, so the return's row is there already.
    await store_history.advance_return(ctx.conn, event.return_id, event.status)


async def on_trackable_items_fulfilled(ctx: Ctx, event: TrackableItemsFulfilledV1) -> None:
    added = await store_history.insert_assets(ctx.conn, history.assets(event))
    if added:
        ctx.emit(
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


async def on_email_sent(ctx: Ctx, event: EmailSentV1) -> None:
    if event.customer_id is not None:  # an e-mail to no known customer is no customer's history
        await store_activity.insert_email(ctx.conn, event)
