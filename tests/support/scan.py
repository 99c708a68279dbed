"""Reading back everything a run wrote, to search it for secrets: every record of every topic of
the run's prefix and every row of every table of its databases (tests/e2e/test_zz_secrets_scan.py,
tests/e2e/test_hostile_input.py)."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.support.system import System

INPUT_TOPICS = (".commands", ".queries")
"""What clients wrote, not what the system wrote: some tests put a card number there on purpose."""


async def topic_records(system: System) -> list[tuple[str, int, str]]:
    """(topic, offset, text) of every record on every topic of the run."""
    consumer = AIOKafkaConsumer(**system.stack.kafka_admin_options(), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        topics = sorted(t for t in await consumer.topics() if t.startswith(system.prefix))
        await consumer._client.set_topics(topics)
        partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[tuple[str, int, str]] = []
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=2000, max_records=5000)
            for tp, records in batches.items():
                for record in records:
                    headers = " ".join(
                        f"{k}={v.decode(errors='replace')}"
                        for k, v in record.headers or ()
                        if not (k == "authorization" and tp.topic.endswith(INPUT_TOPICS))  # where it belongs
                    )
                    key = (record.key or b"").decode(errors="replace")
                    text = (record.value or b"").decode(errors="replace")
                    found.append((tp.topic, record.offset, f"{key} {headers} {text}"))
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return found
    finally:
        await consumer.stop()


async def table_rows(system: System) -> list[tuple[str, str]]:
    """(service.table, row as text) of every row of every table of the three databases."""
    rows: list[tuple[str, str]] = []
    for service in system.services:
        conn = await system.db(service)
        try:
            columns = await conn.fetch(
                "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
                " JOIN information_schema.tables t USING (table_schema, table_name)"
                " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
                " ORDER BY c.table_name, c.ordinal_position"
            )
            by_table: dict[str, list[str]] = {}
            for c in columns:
                column = '"' + c["column_name"].replace('"', '""') + '"'
                # bytea as its bytes (the outbox keeps the records it will publish), not as hex digits
                as_text = f"encode({column}, 'escape')" if c["data_type"] == "bytea" else f"{column}::text"
                by_table.setdefault(c["table_name"], []).append(as_text)
            for table, texts in by_table.items():
                quoted = '"' + table.replace('"', '""') + '"'
                sql = f"SELECT concat_ws(' ', {', '.join(texts)}) AS r FROM {quoted}"  # noqa: S608 - catalog names
                rows += [(f"{service}.{table}", row["r"]) for row in await conn.fetch(sql)]
        finally:
            await conn.close()
    return rows
