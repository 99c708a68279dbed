"""No card number anywhere (ORD-08): after every order flow of the run, not one full test card number
is in any table of the orders database, any orders or reply topic (dead letters included), or the
orders service's log.

The file name sorts after the other order tests, so a full run scans what all of them left; the
test also runs every card through the flows itself, so it proves the same when run alone."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.envelope import Role
from contracts.orders import (
    AddPaymentInstructionV1,
    OrderLineInput,
    PlaceOrderV2,
    RecordPaymentResultV1,
    ShipTo,
    SubmitOrderV1,
)
from csr.client import OmsClient
from tests.e2e.test_orders_payments import HOSTILE
from tests.support.orders import (
    CARDS,
    JCB,
    NOT_A_CARD,
    accepted,
    add_product,
    address,
    card,
    ready_cart,
    send_with,
    view,
)
from tests.support.system import System

EVERY_CARD = [*CARDS.values(), NOT_A_CARD, JCB, HOSTILE]


async def _every_card_through_the_flows(feed: OmsClient, csr: OmsClient, channel: OmsClient) -> None:
    sku = await add_product(feed, on_hand=1000)
    for number in CARDS.values():
        order_id = await ready_cart(csr, [(sku, 1)], number=number)
        accepted(await csr.send(SubmitOrderV1(order_id=order_id)))
        command = PlaceOrderV2(
            currency="USD",
            lines=[OrderLineInput(sku=sku, quantity=1)],
            ship_to=ShipTo(address=address(), shipping_mode="standard"),
            payments=[card(channel, number)],
        )
        accepted(await channel.send(command))
    for bad in (NOT_A_CARD, JCB):
        order_id = await ready_cart(csr, [(sku, 1)])
        await csr.send(AddPaymentInstructionV1(order_id=order_id, payment=card(csr, bad)))
        await csr.send(AddPaymentInstructionV1(order_id=order_id, payment=card(csr, CARDS["visa"], month=1, year=2020)))
    hostile = AddPaymentInstructionV1(order_id=order_id, payment=card(csr))
    await send_with(csr, hostile, payment={**hostile.payment.model_dump(mode="json"), "card_number": HOSTILE})


async def _declined_and_replaced(csr: OmsClient, gateway: OmsClient, feed: OmsClient) -> None:
    order_id = await ready_cart(csr, [(await add_product(feed), 1)], number=CARDS["discover"])
    accepted(await csr.send(SubmitOrderV1(order_id=order_id)))
    payment_id = (await view(csr, order_id)).order.payments[0].payment_id
    accepted(await gateway.send(RecordPaymentResultV1(order_id=order_id, payment_id=payment_id, outcome="declined")))


async def _tables_holding(system: System, numbers: list[str]) -> list[str]:
    conn = await system.db("orders")
    try:
        columns = await conn.fetch(
            """SELECT table_name, column_name, data_type FROM information_schema.columns
               WHERE table_schema = 'public'
                 AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY')"""
        )
        found = []
        for c in columns:
            table, column = c["table_name"].replace('"', '""'), c["column_name"].replace('"', '""')
            as_text = f"encode(\"{column}\", 'escape')" if c["data_type"] == "bytea" else f'"{column}"::text'
            for number in numbers:
                sql = f'SELECT count(*) FROM "{table}" WHERE position($1 in {as_text}) > 0'  # noqa: S608 - catalog names
                if await conn.fetchval(sql, number):
                    found.append(f"{table}.{column}: {number[:4]}...")
        assert len(columns) > 20, "the scan must see the orders tables"
        return found
    finally:
        await conn.close()


async def _topics_holding(system: System, numbers: list[str]) -> list[str]:
    consumer = AIOKafkaConsumer(**system.stack.kafka_admin_options(), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        topics = sorted(
            t for t in await consumer.topics() if t.startswith((system.prefix + "orders.", system.prefix + "replies."))
        )
        assert system.prefix + "orders.commands.dlq" in topics and system.prefix + "orders.events" in topics
        await consumer._client.set_topics(topics)  # load their partitions into the consumer's metadata
        partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[str] = []
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=2000)
            for tp, records in batches.items():
                for record in records:
                    text = (record.value or b"").decode(errors="replace")
                    for number in numbers:
                        # The careless channel put HOSTILE on the commands topic itself; nothing else may hold it.
                        if number in text and not (number == HOSTILE and tp.topic == system.prefix + "orders.commands"):
                            found.append(f"{tp.topic}@{record.offset}: {number[:4]}...")
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return found
    finally:
        await consumer.stop()


@pytest.mark.capability("ORD-08")
async def test_no_card_number_in_any_table_topic_or_log(
    system: System, feed: OmsClient, csr: OmsClient, channel: OmsClient
) -> None:
    async with system.client("payment-gateway", Role.SYSTEM) as gateway:
        await _every_card_through_the_flows(feed, csr, channel)
        await _declined_and_replaced(csr, gateway, feed)
    log = system.services["orders"].log_path.read_text(errors="replace")

    assert await _tables_holding(system, EVERY_CARD) == []
    assert await _topics_holding(system, EVERY_CARD) == []
    assert [n[:4] for n in EVERY_CARD if n in log] == []
    assert "dead-lettering" in log  # the log read is the one that saw the hostile message
