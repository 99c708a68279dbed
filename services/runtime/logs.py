"""Structured logs: one JSON object per line, carrying the message and correlation ids of the
message being handled, so one request can be followed across the three services.

A line's text and any exception in it are masked for card numbers (as replies and dead letters
are): a rule's message or a driver's error may quote a value a sender chose, and a log is read by
more people, and kept longer, than a reply."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from contracts.common import mask_card_numbers

trace: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("trace", default={})  # noqa: B039


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": mask_card_numbers(record.getMessage()),
        }
        entry.update(trace.get())
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = mask_card_numbers(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class MaskingFormatter(logging.Formatter):
    """The plain-text format, masked like the JSON one."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_card_numbers(super().format(record))


def configure(service: str, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stdout)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(MaskingFormatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(logging.WARNING)


def log(logger: logging.Logger, level: int, msg: str, **fields: Any) -> None:
    logger.log(level, msg, extra={"fields": fields})
