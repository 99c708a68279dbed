"""The simulator's loop: follow orders.events, send what the planner says is due, log what happened."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

from contracts.envelope import Message
from contracts.orders import RecordDeliveryV1, RecordShipmentV1
from contracts.topics import ORDERS_EVENTS
from csr.client.auth import TokenProvider
from csr.client.config import ClientConfig
from csr.client.oms_client import ClientError, OmsClient, follow
from fulfilment_sim.planner import Options, Planner, message_id

log = logging.getLogger("fulfilment_sim")
CLIENT_ID = "fulfilment"
"""The warehouse's own confidential client (role system); its secret is OMS_FULFILMENT_CLIENT_SECRET
(dev realm default ``fulfilment-dev-secret``)."""
TICK_S = 0.2


def _now() -> datetime:
    return datetime.now(UTC)


async def run(
    config: ClientConfig,
    options: Options,
    *,
    stop: asyncio.Event | None = None,
    token_provider: TokenProvider | None = None,
) -> None:
    """Ship released orders until ``stop`` is set (forever when None), as ``token_provider`` (by
    default the ``fulfilment`` client's credentials)."""
    stop = stop or asyncio.Event()
    planner = Planner(options)
    async with OmsClient(
        config.kafka_bootstrap,
        token_provider or config.client_credentials(CLIENT_ID),
        topic_prefix=config.topic_prefix,
        reply_topic=f"replies.fulfilment-sim-{uuid.uuid4().hex[:8]}",
        timeout=config.timeout,
        kafka_options=config.kafka_options,
    ) as client:
        # From the beginning: the log is the simulator's memory, so a restart ships what was
        # released and not shipped, and nothing twice.
        events = follow(
            config.kafka_bootstrap,
            [config.topic_prefix + ORDERS_EVENTS],
            from_beginning=True,
            options=config.kafka_options,
        )
        reader = asyncio.create_task(_read(events, planner))
        log.info("following %s%s (warehouse %s)", config.topic_prefix, ORDERS_EVENTS, options.warehouse or "any")
        try:
            while not stop.is_set():
                if reader.done():
                    reader.result()  # the event stream failed: let it raise
                due: list[RecordShipmentV1 | RecordDeliveryV1] = [
                    *planner.due_shipments(_now()),
                    *planner.due_deliveries(_now()),
                ]
                for command in due:
                    await _send(client, planner, command)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), TICK_S)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await events.aclose()


async def _read(events: AsyncGenerator[tuple[object, Message | None], None], planner: Planner) -> None:
    async for _, event in events:
        planner.observe(event, _now())


async def _send(client: OmsClient, planner: Planner, command: RecordShipmentV1 | RecordDeliveryV1) -> None:
    what = "shipment" if isinstance(command, RecordShipmentV1) else "delivery"
    try:
        reply = await client.send(command, message_id=message_id(command))
    except ClientError as exc:
        log.warning("%s %s of order %s: no answer (%s); will retry", what, command.shipment_id, command.order_id, exc)
        planner.retry(command, _now())
        return
    if reply.accepted:
        log.info("%s %s of order %s recorded", what, command.shipment_id, command.order_id)
    else:
        log.warning(
            "%s %s of order %s refused: %s %s", what, command.shipment_id, command.order_id, reply.code, reply.message
        )
