"""What flows between the stages: one decoded message with its handler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from aiokafka import ConsumerRecord

from contracts.envelope import Envelope
from services.runtime.handling import Rejected

Records = Sequence[ConsumerRecord[Any, Any]]


@dataclass(frozen=True)
class Item:
    """A decoded message: its record (for the headers), envelope, typed payload and handler.

    ``refusal`` is a decision taken before handling (the verified actor may not send it): the
    message goes through the inbox like any other and gets this rejection as its reply."""

    record: ConsumerRecord[Any, Any]
    envelope: Envelope
    message: Any
    handler: Any
    refusal: Rejected | None = None

    def refused(self, envelope: Envelope, refusal: Rejected | None) -> Item:
        return replace(self, envelope=envelope, refusal=refusal)
