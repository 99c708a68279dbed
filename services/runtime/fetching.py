"""How the services' batch subscribers wait for records.

FastStream's Kafka batch subscriber (0.6/0.7, ``BatchSubscriber.get_msg``) waits up to
``batch_timeout_ms`` for records and, when none came, SLEEPS another ``batch_timeout_ms`` before
fetching again. A command that arrives during that sleep waits for it: up to 200 ms (the default)
per hop, on every quiet topic, which is most of a CSR's command-to-reply time at low load (the same
flaw as zendesk/ruby-kafka#823). Waiting is aiokafka's job: ``getmany`` returns as soon as a record
is in, so the sleep is dropped and the wait itself is the long poll.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from faststream.kafka.subscriber.usecase import BatchSubscriber

# How long one empty poll waits before the loop polls again (no sleep in between).
POLL_MS = 100


async def _get_msg_without_idle_sleep(self: BatchSubscriber, consumer: Any) -> tuple[Any, ...]:
    assert consumer, "You should setup subscriber at first."
    messages = await consumer.getmany(timeout_ms=self.batch_timeout_ms, max_records=self.max_records)
    return tuple(chain(*messages.values()))


def drop_idle_sleep() -> None:
    """Patch the batch subscriber once, before any subscriber starts (idempotent)."""
    BatchSubscriber.get_msg = _get_msg_without_idle_sleep  # type: ignore[method-assign]
