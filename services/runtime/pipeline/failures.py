"""What happens when a stage raises: the failure policy of the dispatcher (see its docstring),
with every wait taken from one :class:`HandlerRetry`.

Returning normally means the batch may be acknowledged (offsets committed). Raising means it must
be delivered again: the subscriber's NACK_ON_ERROR policy seeks back to it, and the inbox makes
the messages already committed harmless.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord

from contracts import errors
from services.runtime import metrics
from services.runtime.codec import DecodeFailure
from services.runtime.ordered_locks import OutOfOrder
from services.runtime.pipeline.decoding import Refuse
from services.runtime.pipeline.items import Records
from services.runtime.retry import OUTAGE
from services.runtime.retry import RetryPolicy as Backoff

logger = logging.getLogger(__name__)

# Infrastructure away (PostgreSQL, Kafka, the OIDC issuer's keys: identity.IssuerUnavailable is
# an OSError): retried indefinitely with backoff, never dead-lettered.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.LockNotAvailableError,
    OutOfOrder,
    asyncpg.IdleInTransactionSessionTimeoutError,  # this instance was frozen past the timeout
    asyncpg.AdminShutdownError,
)

# Two transactions touching the same rows (a product's stock, a customer's lock) in opposite
# order deadlock; PostgreSQL aborts one. Retrying that one at once usually wins.
# A lock not granted within lock_timeout (held by a frozen instance, say) is the same: the
# transaction rolled back whole, and trying again later wins once PostgreSQL ended the holder's.
# OutOfOrder only escapes the transaction stage from code that takes ordered locks outside it.
CONTENTION: tuple[type[BaseException], ...] = (
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.LockNotAvailableError,
    OutOfOrder,
)

Step = Callable[[Records], Awaitable[None]]


@dataclass(frozen=True)
class HandlerRetry:
    """How often a failing message is tried again, and how long to wait before each try. The wait
    while the infrastructure is away is the runtime's one backoff (services.runtime.retry), the same
    the outbox relay uses."""

    max_handler_attempts: int = 5  # a handler failing this often: the message is dead-lettered
    contention_attempts: int = 5  # lost lock races retried in place before the fetch is redelivered
    batch_transient_pause_s: float = 1.0
    outage: Backoff = OUTAGE

    def after_transient(self, attempt: int) -> float:
        """Exponential, capped: the infrastructure may be away for a while."""
        return self.outage.delay(attempt + 1)

    def after_failure(self, attempt: int) -> float:
        return 0.1 * attempt

    def after_lost_race(self, attempt: int) -> float:
        return random.uniform(0.0, 0.02 * attempt)  # jitter breaks the tie

    def gives_up(self, attempt: int) -> bool:
        return attempt >= self.max_handler_attempts


class FailurePolicy:
    def __init__(
        self,
        service: str,
        policy: HandlerRetry,
        dead_letter: Refuse,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.service = service
        self.policy = policy
        self.dead_letter = dead_letter
        self.sleep = sleep
        self._attempts: dict[tuple[str, int, int], int] = {}

    async def batch(self, records: Records, step: Step) -> None:
        """The whole fetch in one transaction; raising has all of it delivered again."""
        if len(records) == 1:
            await self.one(records[0], step)
            return
        try:
            await self.despite_contention(step, records)
        except TRANSIENT:
            logger.warning("infrastructure unavailable; the batch will be retried", exc_info=True)
            await self.sleep(self.policy.batch_transient_pause_s)
            raise
        except Exception:  # find the culprit one message at a time
            logger.warning("batch of %d failed; handling its messages one by one", len(records), exc_info=True)
            for record in records:
                await self.one(record, step)

    async def one(self, record: ConsumerRecord[Any, Any], step: Step) -> None:
        """One message; a message that keeps failing is dead-lettered so it cannot stop its partition."""
        where = (record.topic, record.partition, record.offset)
        attempt = self._attempts.get(where, 0) + 1
        try:
            await self.despite_contention(step, [record])
        except TRANSIENT:
            logger.warning("infrastructure unavailable; will retry %s", where, exc_info=True)
            self._attempts[where] = attempt
            await self.sleep(self.policy.after_transient(attempt))
            raise
        except Exception as exc:
            self._attempts[where] = attempt
            if not self.policy.gives_up(attempt):
                logger.exception("handler failed (attempt %d); will retry %s", attempt, where)
                await self.sleep(self.policy.after_failure(attempt))
                raise
            logger.exception("handler failed %d times; dead-lettering %s", attempt, where)
            failure = DecodeFailure(errors.INTERNAL_ERROR, f"processing failed: {type(exc).__name__}")
            await self.dead_letter(record, failure)
        self._attempts.pop(where, None)

    async def despite_contention(self, step: Step, records: Records) -> None:
        """A lost lock race (deadlock, serialization failure) rolled the transaction back whole, so
        running the same records again at once is safe, and spares a redelivery of the fetch."""
        attempts = self.policy.contention_attempts
        for attempt in range(1, attempts + 1):
            try:
                await step(records)
                return
            except CONTENTION:
                if attempt == attempts:
                    raise  # still losing: treated as transient, the fetch is delivered again
                metrics.CONTENTION_RETRIES.labels(self.service).inc()
                logger.info("lost a lock race with another transaction (attempt %d); retrying", attempt)
                await self.sleep(self.policy.after_lost_race(attempt))
