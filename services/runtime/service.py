"""Builds a service from its definition: the FastStream app with its subscribers, the database and
its migrations, the producer, the outbox relay, background workers, and the HTTP endpoints
(/health, /ready, /metrics, /docs/asyncapi)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic

import asyncpg
from aiokafka import ConsumerRecord
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from faststream import AckPolicy
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import REGISTRY, make_asgi_app

from services.runtime import asyncapi, db, metrics, outbox, relay_wakeups
from services.runtime.consumer_lag import ConsumerLag, consumers_of
from services.runtime.dispatch import Dispatcher
from services.runtime.handling import D, Handlers
from services.runtime.identity import TokenVerifier
from services.runtime.kafka import Producer, broker_options, ensure_topics
from services.runtime.relay import OutboxRelay
from services.runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)


@dataclass
class Runtime(Generic[D]):
    """The live resources of a started service, handed to background workers."""

    settings: ServiceSettings
    pool: asyncpg.Pool
    producer: Producer
    relay: OutboxRelay
    dispatcher: Dispatcher[D]
    deps: D


Worker = Callable[["Runtime[Any]"], Coroutine[Any, Any, None]]
ScrapeHook = Callable[["Runtime[Any]"], Awaitable[None]]


@dataclass
class ServiceDefinition(Generic[D]):
    name: str
    description: str
    handlers: Handlers[D]
    migrations: Path
    make_deps: Callable[[ServiceSettings, asyncpg.Pool], Awaitable[D]]
    workers: list[Worker] = field(default_factory=list)
    # Run before each /metrics scrape (gauges read from the database); a failure is logged, not served.
    before_scrape: ScrapeHook | None = None


async def _raw_records(message: Any) -> tuple[ConsumerRecord[Any, Any], ...]:
    # The dispatcher decodes and validates itself, so a bad message becomes a reply and a dead
    # letter instead of an exception inside the framework.
    raw = message.raw_message
    return raw if isinstance(raw, tuple) else (raw,)


async def _lenient_headers(message: Any, parse: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream's batch parser decodes every header value as UTF-8 and raises on anything else,
    before the dispatcher sees the record: one record with a binary header value failed its batch
    again at every redelivery and stopped its partition for good. Header values that are not UTF-8
    are replaced (lossy) first; the dispatcher reads the value, and headers only for ids."""
    if isinstance(message, tuple):
        return await parse(tuple(_clean_headers(r) for r in message))
    return await parse(_clean_headers(message))


def _clean_headers(record: ConsumerRecord[Any, Any]) -> ConsumerRecord[Any, Any]:
    headers = tuple(record.headers or ())
    clean = tuple((k, (v or b"").decode("utf-8", errors="replace").encode()) for k, v in headers)
    return record if clean == headers else dataclasses.replace(record, headers=clean)


class ServiceHost(Generic[D]):
    """Starts and stops one service's resources around the FastStream broker."""

    def __init__(self, definition: ServiceDefinition[D], settings: ServiceSettings) -> None:
        self.definition = definition
        self.settings = settings
        self.runtime: Runtime[D] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        settings = self.settings
        # The relay's dead letters: outbox rows it parked, with their reason (services/runtime/relay.py).
        await ensure_topics(settings, extra=[(settings.topic(f"{settings.service_name}.outbox.dlq"), 1)])
        await db.ensure_database(settings)
        pool = await db.create_pool(settings)
        await db.migrate(pool, self.definition.migrations)
        producer = Producer(settings)
        await producer.start()
        relay = OutboxRelay(settings, pool, producer)
        deps = await self.definition.make_deps(settings, pool)
        verifier = TokenVerifier(settings)
        await verifier.keys.warm_up()  # the issuer may still be starting: then fetched at first use
        dispatcher = Dispatcher(settings, pool, producer, relay, self.definition.handlers, deps, verifier=verifier)
        self.runtime = Runtime(settings, pool, producer, relay, dispatcher, deps)
        self._tasks = [asyncio.create_task(relay.run(), name="outbox-relay")]
        self._tasks.append(asyncio.create_task(relay_wakeups.listen(settings, relay.wake), name="outbox-wakeups"))
        self._tasks += [asyncio.create_task(w(self.runtime), name=w.__name__) for w in self.definition.workers]
        logger.info("%s started", settings.service_name)

    async def stop(self) -> None:
        """Runs after the broker stopped consuming: let the relay publish what is committed, then close."""
        if self.runtime is None:
            return
        self.runtime.relay.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(self.runtime.relay.flush(), 5)
        except Exception:  # noqa: BLE001 - whatever is left is published by the next leader
            logger.warning("outbox not flushed at shutdown; the next relay leader publishes it")
        await self.runtime.producer.stop()
        await self.runtime.pool.close()
        self.runtime = None

    def dispatcher(self) -> Dispatcher[D]:
        if self.runtime is None:
            raise RuntimeError("service not started")
        return self.runtime.dispatcher

    async def refresh_metrics(self) -> None:
        """Before each /metrics scrape: the outbox's gauges (every service), then the service's own hook."""
        if self.runtime is None:
            return
        runtime, hook = self.runtime, self.definition.before_scrape
        refreshes = [self.refresh_outbox_metrics()] + ([hook(runtime)] if hook is not None else [])
        for refresh in refreshes:  # one failing does not keep the other from running
            try:
                await asyncio.wait_for(refresh, 3)
            except Exception:  # noqa: BLE001 - the scrape still answers, with the last values
                logger.warning("could not refresh the %s metrics before a scrape", self.settings.service_name)

    async def health(self) -> dict[str, Any]:
        """Liveness and detail: started, database reachable, and the outbox's numbers (refreshing
        the outbox metrics). Parked rows are reported here and in the metrics, not failed on: they
        need an operator, and restarting the process would not help."""
        checks: dict[str, Any] = {"started": self.runtime is not None}
        if self.runtime is not None:
            lease = self.runtime.relay.lease
            checks["relay_leader"] = lease is not None  # this instance relays the outbox now
            checks["relay_lease_token"] = lease.token if lease is not None else None
            try:
                stats = await self.refresh_outbox_metrics()
                checks["outbox_backlog"] = stats.backlog
                checks["outbox_oldest_age_s"] = round(stats.oldest_age_s, 3)
                checks["outbox_parked"] = stats.parked
                checks["database"] = True
            except Exception:  # noqa: BLE001 - reported, not raised
                checks["database"] = False
        return checks

    async def refresh_outbox_metrics(self) -> outbox.OutboxStats:
        if self.runtime is None:
            raise RuntimeError("service not started")
        async with self.runtime.pool.acquire(timeout=2) as conn:
            stats = await outbox.stats(conn)
        service = self.settings.service_name
        metrics.OUTBOX_BACKLOG.labels(service).set(stats.backlog)
        metrics.OUTBOX_OLDEST_AGE.labels(service).set(stats.oldest_age_s)
        metrics.OUTBOX_PARKED_ROWS.labels(service).set(stats.parked)
        return stats


def outbox_flowing(checks: dict[str, Any], max_age_s: float) -> bool:
    """Readiness of the outbox: what was committed leaves within ``max_age_s``. A relay that cannot
    publish (a broker refusing the service, a stuck row) makes the service not ready although it is
    alive; parked rows do not, since the rest flows past them."""
    return bool(checks.get("database")) and float(checks.get("outbox_oldest_age_s", 0.0)) <= max_age_s


def build_app(definition: ServiceDefinition[D], settings: ServiceSettings) -> AsgiFastStream:
    host: ServiceHost[D] = ServiceHost(definition, settings)
    options = broker_options(settings)
    broker = KafkaBroker(
        options.pop("bootstrap_servers"),
        client_id=f"{settings.service_name}-{settings.instance_id}",
        apply_types=False,
        middlewares=[KafkaPrometheusMiddleware(registry=REGISTRY, app_name=settings.service_name)],
        graceful_timeout=20.0,
        # FastStream logs through our JSON handler; its per-message lines only at DEBUG, because
        # at a thousand messages a second they cost more than they tell.
        logger=logging.getLogger("oms.broker"),
        log_level=logging.DEBUG,
        **options,
    )
    _subscribe(broker, host, definition, settings)

    async def checks() -> tuple[dict[str, Any], bool]:
        found = await host.health()
        found["kafka"] = await broker.ping(timeout=2)
        return found, bool(found["started"] and found.get("database") and found["kafka"])

    @get(include_in_schema=False)
    async def health(scope: Any) -> AsgiResponse:
        found, alive = await checks()
        return _json_response(found, alive)

    @get(include_in_schema=False)
    async def ready(scope: Any) -> AsgiResponse:
        found, alive = await checks()
        found["outbox_flowing"] = outbox_flowing(found, settings.ready_outbox_max_age_s)
        return _json_response(found, alive and found["outbox_flowing"])

    exposition = make_asgi_app()
    # The AsyncAPI document as JSON, the same as docs/asyncapi/<service>.json (FastStream's own
    # page would load its renderer from a CDN; the readable pages are `csr docs --serve`).
    document = json.dumps(asyncapi.document(definition.name, definition.description, definition.handlers)).encode()

    @get(include_in_schema=False)
    async def asyncapi_document(scope: Any) -> AsgiResponse:
        return AsgiResponse(document, 200, headers={"content-type": "application/json"})

    lag = ConsumerLag(settings.service_name, settings.topic_prefix)

    async def scrape(scope: Any, receive: Any, send: Any) -> None:
        await host.refresh_metrics()
        try:
            await asyncio.wait_for(lag.refresh(consumers_of(broker.subscribers)), 3)
        except Exception:  # noqa: BLE001 - the scrape still answers, with the last values
            logger.warning("could not read the consumer lag of %s before a scrape", settings.service_name)
        await exposition(scope, receive, send)

    return AsgiFastStream(
        broker,
        asgi_routes=[
            ("/health", health),
            ("/ready", ready),
            ("/metrics", scrape),
            ("/docs/asyncapi", asyncapi_document),
        ],
        logger=logging.getLogger("oms.app"),
        on_startup=[host.start],
        after_shutdown=[host.stop],
    )


def _json_response(body: dict[str, Any], ok: bool) -> AsgiResponse:
    return AsgiResponse(json.dumps(body).encode(), 200 if ok else 503, headers={"content-type": "application/json"})


def _subscribe(
    broker: KafkaBroker, host: ServiceHost[D], definition: ServiceDefinition[D], settings: ServiceSettings
) -> None:
    # FastStream's public subscriber options only. The subscribers take raw records (the dispatcher
    # decodes and validates them; apply_types=False): the messages each topic carries are documented
    # by the service's own AsyncAPI document (services/runtime/asyncapi.py, served at /docs/asyncapi
    # and written to docs/asyncapi/), not by the subscribers' type hints.
    common: dict[str, Any] = {
        "group_id": settings.group_id,
        "ack_policy": AckPolicy.NACK_ON_ERROR,
        "no_reply": True,
        "decoder": _raw_records,
        "parser": _lenient_headers,
        "auto_offset_reset": "earliest",
        "batch": True,
        "max_records": settings.consume_batch_size,
        "batch_timeout_ms": settings.kafka_poll_ms,
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
    }
    handlers = definition.handlers
    name = definition.name
    if handlers.commands:

        async def on_command(record: Any) -> None:
            await host.dispatcher().on_commands(record)

        broker.subscriber(
            settings.topic(f"{name}.commands"),
            title=f"{name}.commands",
            description=f"Commands the {name} service handles; each is answered on its reply_to topic.",
            **common,
            **_membership(settings, "commands"),
        )(on_command)
    if handlers.queries:

        async def on_query(record: Any) -> None:
            await host.dispatcher().on_queries(record)

        broker.subscriber(
            settings.topic(f"{name}.queries"),
            title=f"{name}.queries",
            description=f"Queries the {name} service answers on their reply_to topic.",
            **common,
            **_membership(settings, "queries"),
        )(on_query)
    for topic in sorted(handlers.event_topics()):

        async def on_event(record: Any) -> None:
            await host.dispatcher().on_events(record)

        broker.subscriber(
            settings.topic(topic),
            title=f"{topic} -> {name}",
            description=f"Events the {name} service follows. {TOLERANT_READERS}",
            **common,
            **_membership(settings, topic),
        )(on_event)


def _membership(settings: ServiceSettings, subscriber: str) -> dict[str, Any]:
    """How one subscriber (a consumer of its own in the service's group) shares partitions.

    Round robin, not sticky. Kafka's consumer in Python (aiokafka) rebalances eagerly (no
    cooperative protocol, KIP-429), and its sticky assignor loses partitions in a group like ours,
    where each subscriber of a process follows other topics: it never records the generation of an
    assignment, so after a member dies and its successor rejoins, two members claim the same
    partition at generation -1 and the assignment can leave it to nobody (aio-libs/aiokafka#1176).
    Our three-instance faults run saw exactly that: ``orders.queries`` partition 2 had no owner
    for twenty minutes, the customers' ``orders.events`` 0 and 1 for twelve. Round robin hands out
    every partition at every rebalance; what it moves, it moves at once, and the inbox makes a
    redelivered batch harmless. Instances of the previous release also list round robin, so a
    rolling upgrade agrees on it. With static membership (restarts in place keep their
    partitions), group.instance.id is unique per consumer: instance id and subscriber."""
    options: dict[str, Any] = {"partition_assignment_strategy": (RoundRobinPartitionAssignor,)}
    if settings.kafka_static_membership:
        options["group_instance_id"] = f"{settings.instance_id}.{subscriber}"[:249]
    return options


TOLERANT_READERS = (
    "Readers ignore fields they do not know, at any depth (a producer may add an optional field without a "
    "new version; docs/contract.md). Commands and queries refuse unknown fields."
)
