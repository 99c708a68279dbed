"""What a user of the client or the ``csr`` command line can get wrong or run into.

Each error carries the exit code the command line ends with, so a script can tell apart a refusal
by the system (1), a mistake in what was typed or configured (2) and a system that did not answer
(3) without reading the text.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contracts.envelope import ReplyV1

EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


class ClientError(Exception):
    """Base of every error the client raises on purpose."""

    exit_code = EXIT_USAGE
    kind = "error"

    def json_details(self) -> dict[str, Any]:
        """What a script reading ``--json`` gets besides the kind and the message."""
        return {}


class UsageError(ClientError):
    """Something the user typed or configured cannot work; nothing was sent. ``usage`` is the
    command's usage line when the mistake was in how it was called."""

    kind = "usage"

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class Unexpected(ClientError):
    """A failure nobody foresaw: said in one line, never as a traceback."""

    exit_code = 4
    kind = "unexpected"


class ConfigError(UsageError):
    kind = "config"


class UnknownMessageType(UsageError):
    kind = "unknown_message_type"

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else "; `csr messages` lists them all"
        super().__init__(f"no command or query named {name!r}{hint}")
        self.name = name
        self.suggestions = list(suggestions)


class InvalidInput(UsageError):
    """The values given do not make a valid message; ``field_errors`` says where."""

    kind = "invalid_input"

    def __init__(self, summary: str, field_errors: Sequence[tuple[str, str]] = ()) -> None:
        lines = [summary] + [f"  {field}: {message}" for field, message in field_errors]
        super().__init__("\n".join(lines))
        self.summary = summary
        self.field_errors = list(field_errors)


class BrokerUnavailable(ClientError):
    exit_code = EXIT_UNAVAILABLE
    kind = "broker_unavailable"


class ReplyTimeout(ClientError):
    """Nothing answered in time. The command may still be applied later: retrying it with the
    same message id is safe."""

    exit_code = EXIT_UNAVAILABLE
    kind = "reply_timeout"

    def __init__(
        self, message_type: str, topic: str, timeout: float, attempts: int = 1, message_id: uuid.UUID | None = None
    ) -> None:
        service = topic.rsplit(".", 2)[-2] if topic.count(".") >= 1 else topic
        sent = f"sent {attempts} times over {timeout:g}s" if attempts > 1 else f"waited {timeout:g}s"
        super().__init__(f"no reply to {message_type} on {topic} ({sent}): is the {service} service running?")
        self.message_type = message_type
        self.topic = topic
        self.timeout = timeout
        self.attempts = attempts
        self.message_id = message_id


class RequestRejected(ClientError):
    """The service answered and refused: ``code`` for programs, ``message`` for people."""

    exit_code = EXIT_REJECTED
    kind = "rejected"

    def __init__(self, reply: ReplyV1) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in reply.field_errors)
        super().__init__(f"{reply.code}: {reply.message}" + (f" ({detail})" if detail else ""))
        self.reply = reply
        self.code = reply.code
