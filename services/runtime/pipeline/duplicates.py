"""Stage 4: a repeated command (a client's retry, a redelivery, or a second copy in one fetch)
changes nothing and is answered with the reply stored for the first copy, on the reply topic THIS
copy names: a client that retries with a new reply topic (it restarted) hears the answer.

The stored reply goes only to the agent who sent the message: a copy sent by another verified
agent gets a refusal instead, so knowing a message id does not let anyone read its reply."""

from __future__ import annotations

import logging

from contracts import errors
from contracts.envelope import Envelope
from services.runtime import metrics
from services.runtime.codec import encode
from services.runtime.handling import Rejected, actor_of
from services.runtime.inbox import StoredReply
from services.runtime.kafka import Producer
from services.runtime.pipeline.replying import deliver
from services.runtime.replies import Letters

logger = logging.getLogger(__name__)

NOT_YOURS = "this message id was already used by another agent"


class Duplicates:
    def __init__(self, service: str, letters: Letters, producer: Producer) -> None:
        self.service = service
        self.letters = letters
        self.producer = producer

    async def answer(self, copy: Envelope, stored: StoredReply | None) -> None:
        logger.info("duplicate %s %s: original reply re-sent", copy.type, copy.message_id)
        metrics.MESSAGES.labels(self.service, copy.type, "duplicate").inc()
        if not copy.reply_to or stored is None or not stored.reply.get("envelope"):
            return
        if stored.actor_id != actor_of(copy).agent_id:
            refusal = self.letters.rejected(copy, Rejected(errors.FORBIDDEN, NOT_YOURS))
            await deliver(self.producer, self.service, [encode(refusal, copy.reply_to, None)])
            return
        reply = Envelope.model_validate(stored.reply["envelope"])
        await deliver(self.producer, self.service, [encode(reply, copy.reply_to, None)])
