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
from aiokafka.errors import (
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)
from faststream.security import BaseSecurity, SASLOAuthBearer, SASLPlaintext, SASLScram256, SASLScram512

from contracts.topics import ALL_TOPICS
from oidc.client_credentials import ClientCredentialsTokenProvider, client_credentials
from services.runtime.codec import OutgoingRecord
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)
# Failures to queue a record that concern its topic only: the other topics of a batch still go.
_TOPIC_REFUSALS = (UnknownTopicOrPartitionError, InvalidTopicError, TopicAuthorizationFailedError)


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
    if settings.kafka_sasl_mechanism == "OAUTHBEARER":
        options["sasl_mechanism"] = "OAUTHBEARER"
        options["sasl_oauth_token_provider"] = _token_provider(settings)
    elif settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
        )
    return options


def broker_options(settings: ServiceSettings) -> dict[str, Any]:
    """The same connection options in FastStream's shape: it takes TLS and SASL as one ``security``
    object (and the OAUTHBEARER token provider beside it), not as aiokafka's keyword arguments."""
    options = client_options(settings)
    protocol = options.pop("security_protocol")
    ssl_context = options.pop("ssl_context", None)
    mechanism = options.pop("sasl_mechanism", None)
    username = options.pop("sasl_plain_username", None) or ""
    password = options.pop("sasl_plain_password", None) or ""
    use_ssl = protocol in ("SSL", "SASL_SSL")
    security: BaseSecurity | None = None
    if mechanism == "OAUTHBEARER":
        security = SASLOAuthBearer(ssl_context=ssl_context, use_ssl=use_ssl)
    elif mechanism in _SASL_PASSWORD:
        security = _SASL_PASSWORD[mechanism](username, password, ssl_context=ssl_context, use_ssl=use_ssl)
    elif use_ssl:
        security = BaseSecurity(ssl_context=ssl_context, use_ssl=True)
    return {**options, "security": security}


_SASL_PASSWORD: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
    "PLAIN": SASLPlaintext,
    "SCRAM-SHA-256": SASLScram256,
    "SCRAM-SHA-512": SASLScram512,
}


def _token_provider(settings: ServiceSettings) -> ClientCredentialsTokenProvider:
    missing = [
        f"OMS_{name.upper()}"
        for name in ("oidc_issuer", "oidc_client_id", "oidc_client_secret")
        if not getattr(settings, name)
    ]
    if missing:
        raise ValueError(f"OMS_KAFKA_SASL_MECHANISM=OAUTHBEARER needs {', '.join(missing)}")
    assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret  # for mypy
    return client_credentials(
        settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret.get_secret_value()
    )


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
    """An idempotent producer (acks=all) that sends batches and waits for every acknowledgement.

    A send that fails replaces the underlying producer before the next one: after a broker
    restart or a leadership change aiokafka's idempotent producer can stay stuck (stale partition
    leadership, aio-libs/aiokafka#1018; OutOfOrderSequenceNumber, after which every later send
    fails), and under load the hostile-input suite saw the orders service's dead letters fail for
    good that way. What was not acknowledged stays where it came from (the outbox, a batch that is
    delivered again), so a replaced producer loses nothing.
    """

    def __init__(self, settings: ServiceSettings, linger_ms: int = 2, metadata_wait_s: float = 5.0) -> None:
        self._settings = settings
        self._linger_ms = linger_ms
        self._metadata_wait_s = metadata_wait_s
        self._producer = self._new()
        self._started = False
        self._starting = asyncio.Lock()
        self._stopped = False
        self.replaced = 0  # how many times a failed producer was replaced (also logged)

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
        await self._ready()

    async def stop(self) -> None:
        self._stopped = True
        await self._producer.stop()

    async def _ready(self) -> AIOKafkaProducer:
        """The current producer, started (a start that fails leaves a fresh one for the next try)."""
        async with self._starting:
            if self._stopped:
                raise KafkaError("the producer was stopped")
            if not self._started:
                try:
                    await self._producer.start()
                except BaseException:
                    await self._replace(self._producer)
                    raise
                self._started = True
            return self._producer

    async def _replace(self, failed: AIOKafkaProducer) -> None:
        if self._producer is not failed:
            return  # another send replaced it already
        self._producer, self._started = self._new(), False
        self.replaced += 1
        logger.warning("Kafka producer replaced after a failed send")
        with contextlib.suppress(Exception):
            await failed.stop()

    async def send_batch(self, records: list[OutgoingRecord]) -> None:
        for outcome in await self.send_each(records):
            if outcome is not None:
                raise outcome

    async def send_each(self, records: list[OutgoingRecord]) -> list[BaseException | None]:
        """Send all; what became of each (None: acknowledged). Raises only when the producer cannot
        start. A record that cannot even be queued (a topic Kafka refuses or does not know, a
        record too large) gets its own failure and the others are still sent: one such record
        used to fail every batch it was in, for ever."""
        producer = await self._ready()
        queued: dict[int, asyncio.Future[Any] | BaseException] = {}
        known = _known_topics(producer, {r.topic for r in records})
        # Records to topics the producer knows go first, and are on their way while the metadata
        # of the others is fetched: once per topic, all at once, for at most metadata_wait_s
        # (aiokafka would wait its request timeout, 15 s, per record and one after the other, and
        # a reply to a topic that does not exist held every other row of the batch that long).
        # The order within a topic, hence within a key, is kept.
        first = [i for i, r in enumerate(records) if r.topic in known]
        later = [i for i, r in enumerate(records) if r.topic not in known]
        refused_topics: dict[str, BaseException] = {}
        if await self._queue(producer, records, first, refused_topics, queued):
            refused_topics.update(await self._look_up(producer, {records[i].topic for i in later}))
            await self._queue(producer, records, later, refused_topics, queued)
        else:
            queued.update(dict.fromkeys(later, queued[first[-1]]))
        pending = {i: q for i, q in queued.items() if not isinstance(q, BaseException)}
        results = dict(zip(pending, await asyncio.gather(*pending.values(), return_exceptions=True), strict=True))
        outcomes = [_failure(results[i]) if i in results else _failure(queued[i]) for i in range(len(records))]
        if any(outcomes):
            await self._replace(producer)
        return outcomes

    @staticmethod
    async def _queue(
        producer: AIOKafkaProducer,
        records: list[OutgoingRecord],
        indices: list[int],
        refused_topics: dict[str, BaseException],
        queued: dict[int, asyncio.Future[Any] | BaseException],
    ) -> bool:
        """Queue those records; False when the producer itself failed (the rest get its failure)."""
        for position, i in enumerate(indices):
            r = records[i]
            if r.topic in refused_topics:
                queued[i] = refused_topics[r.topic]
                continue
            try:
                queued[i] = await producer.send(
                    r.topic,
                    value=r.value,
                    key=r.key.encode() if r.key is not None else None,
                    headers=[(k, v.encode()) for k, v in r.headers.items()],
                )
            except Exception as refused:  # noqa: BLE001 - this record's outcome, decided by the caller
                queued[i] = refused
                if isinstance(refused, _TOPIC_REFUSALS):
                    refused_topics[r.topic] = refused
                elif isinstance(refused, KafkaError) and not isinstance(refused, MessageSizeTooLargeError):
                    # Not about this record (a full buffer, a closed producer): the rest would
                    # fail alike. Anything else (too large, a header that is not text) is its own.
                    queued.update(dict.fromkeys(indices[position + 1 :], refused))
                    return False
        return True

    async def send(self, record: OutgoingRecord) -> None:
        await self.send_batch([record])

    async def _look_up(self, producer: AIOKafkaProducer, topics: set[str]) -> dict[str, BaseException]:
        """Fetch the metadata of topics the producer does not know yet; those that failed, and why."""

        async def look_up(topic: str) -> BaseException | None:
            try:
                await asyncio.wait_for(producer.partitions_for(topic), self._metadata_wait_s)
                return None
            except TimeoutError:
                missing: BaseException = UnknownTopicOrPartitionError(
                    f"no metadata for {topic[:300]!r} within {self._metadata_wait_s}s"
                )
                return missing
            except Exception as failed:  # noqa: BLE001 - the topic's outcome, for its records
                return failed

        ordered = sorted(topics)
        found = await asyncio.gather(*(look_up(t) for t in ordered))
        return {t: failure for t, failure in zip(ordered, found, strict=True) if failure is not None}


def _known_topics(producer: AIOKafkaProducer, topics: set[str]) -> set[str]:
    cluster = getattr(getattr(producer, "client", None), "cluster", None)
    if cluster is None:  # a stand-in producer in unit tests
        return topics
    return {t for t in topics if cluster.partitions_for_topic(t)}


def _failure(result: object) -> BaseException | None:
    """A delivery's outcome: its exception, or None for aiokafka's RecordMetadata (acknowledged)."""
    return result if isinstance(result, BaseException) else None
