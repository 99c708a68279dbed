"""Hostile input for the end-to-end suite: probes (raw Kafka records) built from the contracts and
their golden examples, a rig that puts thousands of them on the real topics and collects what the
services answered, and a checksum of every table to prove that nothing changed.

What a probe must get is decided by the same decoder the services run
(:func:`services.runtime.codec.decode`): a record it refuses must be dead-lettered with that exact
reason (and answered with that code when it names a reply topic); a record it accepts reaches a
handler, which must answer it without crashing.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts import errors
from contracts.envelope import Actor, DeadLetterV1, Envelope, Kind, Message, ReplyV1, Role
from contracts.registry import all_messages
from contracts.topics import (
    CUSTOMERS_COMMANDS,
    CUSTOMERS_EVENTS,
    CUSTOMERS_QUERIES,
    NOTIFICATIONS_COMMANDS,
    NOTIFICATIONS_EVENTS,
    NOTIFICATIONS_QUERIES,
    ORDERS_COMMANDS,
    ORDERS_EVENTS,
    ORDERS_QUERIES,
    dlq,
    is_reply_topic,
)
from services.runtime.codec import DecodeFailure, decode
from tests.support.system import System, eventually

GOLDEN = Path(__file__).resolve().parents[1] / "contracts" / "golden"
REQUEST_TOPICS = (
    CUSTOMERS_COMMANDS,
    CUSTOMERS_QUERIES,
    ORDERS_COMMANDS,
    ORDERS_QUERIES,
    NOTIFICATIONS_COMMANDS,
    NOTIFICATIONS_QUERIES,
)
MISDIRECTION_TARGETS = (CUSTOMERS_EVENTS, ORDERS_EVENTS, NOTIFICATIONS_EVENTS)
"""Topics a hostile reply_to names, which must never receive a reply."""
KIND_OF_TOPIC = {t: Kind.COMMAND if t.endswith(".commands") else Kind.QUERY for t in REQUEST_TOPICS}

# --- hostile values --------------------------------------------------------------------------

SQL_INJECTION = [
    "' OR '1'='1",
    "'; DROP TABLE customers; --",
    "x'); DELETE FROM orders; --",
    "1; SELECT pg_sleep(30); --",
    "' UNION SELECT password_hash, null FROM customers --",
    '" OR ""="',
    "%' OR 1=1 --",
    "$1::text",
    "\\'; COPY (SELECT 1) TO PROGRAM 'id'; --",
]
TEMPLATE_INJECTION = [
    "{{ 7*7 }}",
    "{{ config.items() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for x in range(99999999) %}{{ x }}{% endfor %}",
    "{% include '/etc/passwd' %}",
    "{{ self._TemplateReference__context }}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "<script>alert(1)</script>",
]
CRLF = [
    "jane@example.com\r\nBcc: victim@example.com",
    "Jane\r\nBcc: victim@example.com",
    "x\r\n\r\n<html>injected</html>",
    "line\nbreak",
    "carriage\rreturn",
    "%0d%0aBcc: victim@example.com",
    # every other character str.splitlines() breaks a line at
    "Jane\u2028Bcc: victim@example.com",
    "Jane\u2029Bcc: victim@example.com",
    "Jane\x85Bcc: victim@example.com",
    "Jane\vBcc: victim@example.com",
    "Jane\fBcc: victim@example.com",
    "Jane\x1cBcc: victim@example.com",
]
# Card numbers (Luhn-valid, used by no other test, so the scan at the end of the hostile run can
# look for them everywhere) in the forms a person or a hostile sender writes them.
HOSTILE_PANS = ["4539578763621486", "5200828282837716", "371449635398431", "6011000999902426", "3566002020360505"]
PAN_FORMS = [
    HOSTILE_PANS[0],
    "4539 5787 6362 1486",
    "5200-8282-8283-7716",
    "amex 3714 496353 98431 exp 12/29",
    "order 3 6011 0009 9990 2426",
    "x3566002020360505y",
]
UNICODE = [
    "\x00",
    "a\x00b",
    "\ud800",  # a lone high surrogate: no UTF-8 form
    "x\udfffy",  # a lone low surrogate
    "\u202eevil\u202c",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero width characters and a BOM
    "e" + "\u0301" * 5000,  # a very long combining sequence
    "Z\u0336\u0334\u0335" * 30,
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "\uffff\ufffe",
    "\x1b[31mred\x1b[0m",
    "ﬁ\u0130\u0131ß",  # case-mapping traps
]
HUGE_STRING = "x" * 20_000
HOSTILE_STRINGS = SQL_INJECTION + TEMPLATE_INJECTION + CRLF + UNICODE + [HUGE_STRING, ""]
WRONG_TYPES: list[Any] = [{"nested": {"deeper": [1]}}, [1, "two"], True, 1.5, "a string", None, 7]
OUT_OF_RANGE: list[Any] = [
    -1,
    0,
    2**31,
    2**63,
    -(2**63) - 1,
    10**30,
    -(10**30),
    1e308,
    -1e-308,
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "0.000000000000000000001",
    "99999999999999999999.99999",
]


# --- golden examples and paths into them ---------------------------------------------------


def request_classes(topic: str) -> list[type[Message]]:
    """Every command or query of ``topic`` in the contracts (a message added later is included)."""
    kind = KIND_OF_TOPIC[topic]
    return sorted(
        (c for c in all_messages().values() if kind == c.KIND and getattr(c, "TOPIC", None) == topic),
        key=lambda c: c.__name__,
    )


def golden(cls: type[Message]) -> dict[str, Any]:
    """The message's golden example (a fresh copy, free to change)."""
    return copy.deepcopy(_golden_text(cls))


@functools.cache
def _golden_text(cls: type[Message]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{cls.TYPE}V{cls.VERSION}.json").read_text())
    return data


Path_ = tuple[str | int, ...]


def paths(node: Any, prefix: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every value in a JSON document with its path, the document itself excluded."""
    children: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    for key, value in children:
        yield (*prefix, key), value
        yield from paths(value, (*prefix, key))


def replaced(doc: Any, path: Path_, value: Any) -> Any:
    out = copy.deepcopy(doc)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def removed(doc: Any, path: Path_) -> Any:
    out = copy.deepcopy(doc)
    target = out
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return out


def added(doc: Any, path: Path_, key: str, value: Any) -> Any:
    out = copy.deepcopy(doc)
    target = out
    for step in path:
        target = target[step]
    if isinstance(target, dict):
        target[key] = value
    elif isinstance(target, list):
        target.append(value)
    return out


# --- probes ------------------------------------------------------------------------------------


@dataclass
class Probe:
    """One record to put on a topic, and what the service must do with it."""

    name: str
    topic: str  # without the run's prefix
    value: bytes | None
    message_id: uuid.UUID = field(default_factory=uuid.uuid4)
    key: bytes | None = None
    headers: list[tuple[str, bytes]] | None = None
    refused: str | None = None  # the decoder's code when it refuses the record, else None
    answered: bool = True  # a reply is due (a reply topic and, when refused, a readable envelope)
    card_number: bool = False  # holds a card number: sent only if the decoder refuses it
    # The authorization headers of a probe about tokens, made from a genuine token of the user its
    # envelope names (None: that genuine token as ``Bearer``, the way every other probe goes out).
    auth: Callable[[str], list[tuple[str, bytes]]] | None = None
    expected_code: str | None = None  # a reply refused with this code is due, and no dead letter

    def classify(self, reply_topic: str, prefix: str) -> Probe:
        """What the service's own decoder makes of the record decides what it must answer."""
        try:
            decode(self.value, {KIND_OF_TOPIC[self.topic]}, prefix)
        except DecodeFailure as failure:
            self.refused = failure.code
            address = failure.reply_to or (failure.envelope.reply_to if failure.envelope else None)
            self.answered = address == reply_topic
        else:
            self.answered = _reply_address(self.value) == reply_topic
        return self


def _reply_address(value: bytes | None) -> str | None:
    raw = json.loads(value or b"{}")
    return raw.get("reply_to") if isinstance(raw, dict) else None


def envelope_dict(
    cls: type[Message], payload: Any, actor: Actor, reply_to: str, message_id: uuid.UUID
) -> dict[str, Any]:
    return {
        "message_id": str(message_id),
        "type": cls.TYPE,
        "version": cls.VERSION,
        "kind": cls.KIND.value,
        "occurred_at": "2026-01-01T00:00:00Z",
        "correlation_id": str(uuid.uuid4()),
        "causation_id": None,
        "actor": actor.model_dump(mode="json"),
        "reply_to": reply_to,
        "payload": payload,
    }


def to_bytes(document: Any) -> bytes:
    # ensure_ascii keeps lone surrogates as \\ud800 escapes, which is how a hostile sender gets them
    # through; allow_nan lets NaN and Infinity through as the bare tokens Python's parser accepts.
    return json.dumps(document, ensure_ascii=True, allow_nan=True).encode()


def actor_for(cls: type[Message]) -> Actor:
    """An actor the message allows, so the probe gets past the role check to the decoder's verdict."""
    allowed: frozenset[Role] = getattr(cls, "ALLOWED_ROLES", frozenset(Role))
    for role in (Role.CSR, Role.SUPERVISOR, Role.SYSTEM, Role.CHANNEL):
        if role in allowed:
            return Actor(agent_id=f"hostile-{role.value}", role=role)
    raise AssertionError(f"{cls.__name__} allows no role")


def payload_probe(name: str, cls: type[Message], payload: Any, reply_to: str, **env: Any) -> Probe:
    message_id = uuid.uuid4()
    document = envelope_dict(cls, payload, actor_for(cls), reply_to, message_id) | env
    return Probe(name, cls.TOPIC, to_bytes(document), message_id, headers=[("message_id", str(message_id).encode())])


# --- results -------------------------------------------------------------------------------


@dataclass
class Outcome:
    replies: list[ReplyV1] = field(default_factory=list)
    letters: list[DeadLetterV1] = field(default_factory=list)
    misdirected: list[str] = field(default_factory=list)  # topics other than the reply topic that got a reply


def mishandled(probe: Probe, outcome: Outcome) -> str | None:
    """Why the service's answer to ``probe`` is wrong, or None when it is right."""
    if outcome.misdirected:
        return f"a reply was written to {sorted(set(outcome.misdirected))}"
    codes = [r.code for r in outcome.replies] + [letter.reason for letter in outcome.letters]
    if errors.INTERNAL_ERROR in codes:
        return f"crashed the handler: {codes}"
    if any(not (letter.reason and letter.message) for letter in outcome.letters):
        return "dead letter without a reason"
    # A redelivered record (a consumer-group rebalance on a loaded machine) is answered again with
    # the same verdict: repeats are allowed, different verdicts are not.
    letters = {letter.reason for letter in outcome.letters}
    replies = {(r.status, r.code) for r in outcome.replies}
    if probe.expected_code is not None:
        if letters:
            return f"expected no dead letter, got {sorted(letters)}"
        if replies != {("rejected", probe.expected_code)}:
            return f"expected a {probe.expected_code} rejection, got {sorted(replies, key=str)}"
        return None
    if probe.refused is not None:
        if letters != {probe.refused}:
            return f"expected a dead letter {probe.refused}, got {sorted(letters)}"
        if probe.answered and replies != {("rejected", probe.refused)}:
            return f"expected a {probe.refused} rejection, got {sorted(replies, key=str)}"
        return None
    if probe.answered and len(replies) != 1:
        return f"expected one answer, got {sorted(replies, key=str)}"
    return None


class Rig:
    """A raw producer and a listener for the replies and dead letters of one batch of probes.

    Each probe goes out with a valid access token of the user its envelope names
    (``hostile-<role>``, see :func:`actor_for`), so that it gets past authentication to the
    validation it targets; a probe that brings its own ``authorization`` header keeps it."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.logins = {role: system.identities.user(f"hostile-{role.value}", role) for role in Role}
        self.reply_topic = f"{system.prefix}replies.hostile-{uuid.uuid4().hex[:8]}"
        self.producer = AIOKafkaProducer(
            **system.stack.kafka_admin_options(),
            acks="all",
            enable_idempotence=True,
            max_request_size=2 * 1024 * 1024,
            linger_ms=5,
        )

    async def __aenter__(self) -> Rig:
        admin = AIOKafkaAdminClient(**self.system.stack.kafka_admin_options())
        await admin.start()
        try:
            await admin.create_topics([NewTopic(self.reply_topic, 3, 1)])
        finally:
            await admin.close()
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.producer.stop()

    async def run(self, probes: list[Probe], timeout: float = 600) -> dict[int, Outcome]:
        """Send every probe, then gather each one's replies and dead letters (by index)."""
        where: dict[tuple[str, int, int], int] = {}
        for start in range(0, len(probes), 500):
            chunk = probes[start : start + 500]
            futures = [
                await self.producer.send(
                    self.system.prefix + p.topic, value=p.value, key=p.key, headers=await self._headers(p)
                )
                for p in chunk
            ]
            for index, meta in enumerate(await asyncio.gather(*futures), start):
                where[(meta.topic, meta.partition, meta.offset)] = index
        by_id = {p.message_id: i for i, p in enumerate(probes)}
        return await self._collect(probes, where, by_id, timeout)

    async def _collect(
        self,
        probes: list[Probe],
        where: dict[tuple[str, int, int], int],
        by_id: dict[uuid.UUID, int],
        timeout: float,
    ) -> dict[int, Outcome]:
        outcomes = {i: Outcome() for i in range(len(probes))}
        # The event topics too: a reply_to naming one of them must not get a reply there.
        topics = [self.reply_topic] + [self.system.prefix + dlq(t) for t in REQUEST_TOPICS]
        topics += [self.system.prefix + t for t in MISDIRECTION_TARGETS]
        consumer = AIOKafkaConsumer(**self.system.stack.kafka_admin_options(), group_id=None, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer._client.set_topics(topics)  # load their partitions into the metadata
            partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            deadline = time.monotonic() + timeout
            quiet_since = time.monotonic()
            while time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
                for records in batches.values():
                    for record in records:
                        self._note(record.value, where, by_id, outcomes, record.topic)
                if batches:
                    quiet_since = time.monotonic()
                done = all(_complete(probes[i], o) for i, o in outcomes.items())
                # Once every probe is answered, a few quiet seconds show that no second answer follows.
                if done and time.monotonic() - quiet_since > 3:
                    break
        finally:
            await consumer.stop()
        return outcomes

    async def _headers(self, probe: Probe) -> list[tuple[str, bytes]]:
        headers = list(probe.headers or [])
        if any(name.lower() == "authorization" for name, _ in headers):
            return headers
        token = await self.logins[_claimed_role(probe.value)].access_token()
        if probe.auth is not None:
            return [*headers, *probe.auth(token)]
        return [*headers, ("authorization", f"Bearer {token}".encode())]

    @staticmethod
    def _note(
        value: bytes | None,
        where: dict[tuple[str, int, int], int],
        by_id: dict[uuid.UUID, int],
        outcomes: dict[int, Outcome],
        topic: str,
    ) -> None:
        envelope = Envelope.model_validate_json(value or b"")
        if envelope.type == "Reply" and envelope.causation_id in by_id and not is_reply_topic(topic):
            outcomes[by_id[envelope.causation_id]].misdirected.append(topic)
        elif envelope.type == "DeadLetter":
            letter = DeadLetterV1.model_validate(envelope.payload)
            index = where.get((letter.topic, letter.partition, letter.offset))
            if index is not None:
                outcomes[index].letters.append(letter)
        elif envelope.type == "Reply" and envelope.causation_id in by_id:
            outcomes[by_id[envelope.causation_id]].replies.append(ReplyV1.model_validate(envelope.payload))


def _claimed_role(value: bytes | None) -> Role:
    """The role the probe's envelope claims, when it names one; else csr."""
    try:
        raw = json.loads(value or b"{}")
        return Role(raw["actor"]["role"])
    except (ValueError, TypeError, KeyError, RecursionError):  # hostile JSON may be nested deep
        return Role.CSR


def _complete(probe: Probe, outcome: Outcome) -> bool:
    if probe.refused is not None and not outcome.letters:
        return False
    return not (probe.answered and not outcome.replies)


# --- the databases -------------------------------------------------------------------------

# A rejection is recorded in the inbox and outbox, by design; the relay's lease is renewed every few
# seconds whatever arrives (its expiry moves), so neither says anything about what a message changed.
RUNTIME_TABLES = ("inbox", "outbox", "schema_migrations", "relay_lease")


async def checksums(system: System) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the rows of every service table, by ``service.table``."""
    found: dict[str, tuple[int, str]] = {}
    for service in system.services:
        conn = await system.db(service)
        try:
            tables = await conn.fetch(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
            for row in tables:
                name = row["table_name"]
                if name in RUNTIME_TABLES:
                    continue
                quoted = '"' + name.replace('"', '""') + '"'
                digest_row = await conn.fetchrow(
                    f"SELECT count(*) AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS digest"  # noqa: S608
                    f" FROM {quoted} t"  # a catalog name, quoted
                )
                assert digest_row is not None
                found[f"{service}.{name}"] = (digest_row["n"], digest_row["digest"])
        finally:
            await conn.close()
    return found


async def settled_checksums(system: System, timeout: float = 60) -> dict[str, tuple[int, str]]:
    """Checksums once two readings in a row agree (earlier work's background effects are done)."""
    readings = [await checksums(system)]

    async def stable() -> dict[str, tuple[int, str]] | None:
        readings.append(await checksums(system))
        return readings[-1] if readings[-1] == readings[-2] else None

    settled: dict[str, tuple[int, str]] = await eventually(stable, timeout=timeout, interval=1.0)
    return settled
