"""Kafka plumbing the services share: client security options, topic creation, and the producer
that the relay and the direct replies use (idempotent, acks=all)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from contracts.topics import ALL_TOPICS
from services.runtime.codec import OutgoingRecord
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)


def client_options(settings: ServiceSettings) -> dict[str, Any]:
    """Connection options common to producers, consumers and admin clients (TLS/SASL when set)."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
        if settings.kafka_ssl_certfile:
            context.load_cert_chain(
                str(settings.kafka_ssl_certfile),
                str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
            )
        options["ssl_context"] = context
    if settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
        )
    return options


async def ensure_topics(settings: ServiceSettings, extra: Iterable[tuple[str, int]] = ()) -> None:
    """Create every topic of the system with its partition count; existing topics are left alone."""
    wanted = [(settings.topic(t.name), t.partitions) for t in ALL_TOPICS] + list(extra)
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [new_topic(settings, name, partitions) for name, partitions in wanted if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # created concurrently by another service
                await admin.create_topics(missing)
            logger.info("created topics %s", [t.name for t in missing])
    finally:
        await admin.close()


def new_topic(settings: ServiceSettings, name: str, partitions: int) -> NewTopic:
    """A topic with the configured replication, and min.insync.replicas when one is set."""
    configs = {}
    if settings.kafka_min_insync_replicas is not None:
        configs["min.insync.replicas"] = str(settings.kafka_min_insync_replicas)
    return NewTopic(name, partitions, settings.kafka_replication_factor, topic_configs=configs)


class Producer:
    """An idempotent producer (acks=all) that sends batches and waits for every acknowledgement."""

    def __init__(self, settings: ServiceSettings, linger_ms: int = 2) -> None:
        self._settings = settings
        self._linger_ms = linger_ms
        self._producer = self._new()

    def _new(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            **client_options(self._settings),
            client_id=f"{self._settings.service_name}-{self._settings.instance_id}",
            enable_idempotence=True,
            acks="all",
            linger_ms=self._linger_ms,
            max_batch_size=256 * 1024,
            request_timeout_ms=15_000,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def restart(self) -> None:
        """A fresh producer after a failed send: aiokafka's can stay stuck on stale partition
        leadership (aio-libs/aiokafka#1018), and the outbox keeps whatever was not acknowledged."""
        with contextlib.suppress(Exception):
            await self._producer.stop()
        self._producer = self._new()
        await self._producer.start()

    async def send_batch(self, records: list[OutgoingRecord]) -> None:
        for outcome in await self.send_each(records):
            if outcome is not None:
                raise outcome

    async def send_each(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        """Send all; what became of each (None: acknowledged). Raises when one cannot even be queued."""
        futures = [
            await self._producer.send(
                r.topic,
                value=r.value,
                key=r.key.encode() if r.key is not None else None,
                headers=[(k, v.encode()) for k, v in r.headers.items()],
            )
            for r in records
        ]
        results = await asyncio.gather(*futures, return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in results]  # success: RecordMetadata

    async def send(self, record: OutgoingRecord) -> None:
        await self.send_batch([record])
