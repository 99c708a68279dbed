"""Replies sent straight to the requester's topic, not through the outbox: query answers, refusals
at the gate or at decoding, the stored reply re-sent to a repeated message.

A reply Kafka will not take (the requester's topic does not exist, this service may not write it, a
name the broker refuses) is the requester's problem alone. Raising would have the message delivered
again, fail again, and hold up its partition for good; so it is logged and counted
(``oms_replies_undeliverable_total``) and the message is done. Its effects, if any, are committed,
and a command's reply stays in the inbox for a retry from a topic that works. Only a broker that
cannot be reached raises: then the message is delivered again, as for any outage."""

from __future__ import annotations

import logging

from services.runtime import metrics, parking
from services.runtime.codec import OutgoingRecord
from services.runtime.kafka import Producer

logger = logging.getLogger(__name__)


async def deliver(producer: Producer, service: str, replies: list[OutgoingRecord]) -> None:
    if not replies:
        return
    for record, outcome in zip(replies, await _outcomes(producer, replies), strict=True):
        if outcome is None:
            continue
        failure = parking.classify(outcome)
        if failure.kind == "infrastructure":
            raise outcome
        metrics.REPLIES_UNDELIVERABLE.labels(service, failure.reason).inc()
        logger.warning("reply to %s not delivered (%s): %s", record.topic, failure.reason, type(outcome).__name__)


async def _outcomes(producer: Producer, replies: list[OutgoingRecord]) -> list[BaseException | None]:
    try:
        return await producer.send_each(replies)
    except Exception as exc:  # noqa: BLE001 - not even queued: the same verdict for each
        return [exc for _ in replies]
