"""Stage 2a: commands and queries must carry a valid access token (header ``authorization``,
``Bearer <JWT>``); the actor is the token's, never the envelope's word for it.

A message without a valid token is turned away here: it gets a rejected reply (code
``unauthenticated``, or ``forbidden`` for a valid token without an OMS role), is counted and logged
(never with the token), and is NOT claimed in the inbox. Claiming it would record as sent what
nobody proved to have sent, and would bind its message id to that refusal: the sender's retry of
the same message with a fresh token (the first had expired) would get the stored refusal again
instead of being handled, and anyone could use up message ids without any token at all. It is not
dead-lettered either: it is a refusal, not a message the service failed to process.

A verified actor that may not send the message (role, or an envelope actor that disagrees with
the token) goes on to the inbox with its refusal, as a refused command always did: a genuine
identity's refused attempt is part of the audit trail, and a repeat gets the same answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from services.runtime import metrics
from services.runtime.handling import Rejected
from services.runtime.identity import Identity, Refused, bearer_token
from services.runtime.kafka import Producer
from services.runtime.pipeline.authorization import ACTOR_MISMATCH, authorize
from services.runtime.pipeline.items import Item
from services.runtime.pipeline.replying import deliver
from services.runtime.pipeline.tracing import traced
from services.runtime.replies import Letters

logger = logging.getLogger(__name__)


class Verifier(Protocol):
    async def verify(self, token: str) -> Identity: ...


@dataclass(frozen=True)
class TurnedAway:
    """A message refused at the gate, and why (``refused.reason`` is a fixed word for metrics)."""

    item: Item
    refused: Refused


class Gate:
    def __init__(self, service: str, verifier: Verifier, letters: Letters, producer: Producer) -> None:
        self.service = service
        self.verifier = verifier
        self.letters = letters
        self.producer = producer

    async def admit(self, items: list[Item]) -> tuple[list[Item], list[TurnedAway]]:
        """Items with their verified actor (and a refusal where it may not act), and those turned away."""
        admitted: list[Item] = []
        turned_away: list[TurnedAway] = []
        for item in items:
            try:
                identity = await self.verifier.verify(bearer_token(item.record.headers))
            except Refused as refused:
                turned_away.append(TurnedAway(item, refused))
                continue
            envelope, refusal = authorize(item.envelope, item.message, identity.actor)
            if refusal is not None:
                self._count_refusal(refusal.code, "actor_mismatch" if refusal.message == ACTOR_MISMATCH else "role")
            admitted.append(item.refused(envelope, refusal))
        return admitted, turned_away

    async def answer(self, turned_away: list[TurnedAway]) -> None:
        """Reply to each message turned away (nothing else is written anywhere)."""
        records = []
        for away in turned_away:
            envelope = away.item.envelope
            with traced(envelope):
                logger.info("%s refused at the gate: %s (%s)", envelope.type, away.refused.code, away.refused.reason)
            metrics.MESSAGES.labels(self.service, envelope.type, "rejected").inc()
            self._count_refusal(away.refused.code, away.refused.reason)
            reply = self.letters.rejected(envelope, Rejected(away.refused.code, away.refused.message))
            records += self.letters.reply_records(envelope, reply)
        await deliver(self.producer, self.service, records)

    def _count_refusal(self, code: str, reason: str) -> None:
        metrics.ACCESS_REFUSED.labels(self.service, code, reason).inc()
