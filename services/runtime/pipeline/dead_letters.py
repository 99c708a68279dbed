"""Records that cannot be handled: copied (redacted) to ``<topic>.dlq`` and answered."""

from __future__ import annotations

import logging
from typing import Any

from aiokafka import ConsumerRecord

from services.runtime import metrics
from services.runtime.codec import DecodeFailure
from services.runtime.kafka import Producer
from services.runtime.pipeline.replying import deliver
from services.runtime.replies import Letters

logger = logging.getLogger(__name__)


class DeadLetters:
    def __init__(self, service: str, letters: Letters, producer: Producer) -> None:
        self.service = service
        self.letters = letters
        self.producer = producer

    async def refuse(self, record: ConsumerRecord[Any, Any], failure: DecodeFailure) -> None:
        """The dead letter holds the redacted key and value only, never the record's headers:
        the ``authorization`` header (an access token) must not be copied anywhere."""
        metrics.DEAD_LETTERS.labels(self.service, failure.code).inc()
        logger.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, failure.code)
        await self.producer.send_batch([self.letters.dead_letter(record, failure)])
        reply = self.letters.failure_reply(record, failure)
        await deliver(self.producer, self.service, [reply] if reply else [])
