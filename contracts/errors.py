"""Rejection codes a program can act on. A reply's ``code`` is one of these (or a more specific
code documented by the command that returns it); ``message`` says the same for a person."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.envelope import FieldError

UNDECODABLE = "undecodable"  # not JSON, or no valid envelope
UNKNOWN_MESSAGE_TYPE = "unknown_message_type"  # type/version not in contracts
INVALID = "invalid"  # payload failed validation; see field_errors
UNAUTHENTICATED = "unauthenticated"  # no valid access token: missing, malformed, expired, badly signed...
FORBIDDEN = "forbidden"  # the token's role may not send this, or the envelope's actor is not the token's
NOT_FOUND = "not_found"  # the aggregate named does not exist
CONFLICT = "conflict"  # uniqueness violated (e.g. logon id taken)
STALE_VERSION = "stale_version"  # expected version is not the current one
INVALID_STATE = "invalid_state"  # the aggregate is not in a state that allows this
LOCKED = "locked"  # another agent holds the edit lock
LIMIT_EXCEEDED = "limit_exceeded"  # beyond a configured limit
INTERNAL_ERROR = "internal_error"  # the service failed repeatedly on this message; it is dead-lettered

DESCRIPTIONS: dict[str, str] = {
    UNDECODABLE: "The message could not be decoded as a JSON envelope.",
    UNKNOWN_MESSAGE_TYPE: "No message of that type and version exists in the contracts.",
    INVALID: "The payload failed validation; field_errors says where.",
    UNAUTHENTICATED: "The message carries no valid access token (missing, malformed, expired, signed by an"
    " unknown key or with a refused algorithm, or issued by another issuer or for another audience).",
    FORBIDDEN: "The access token's role is not allowed to send this message, it carries no OMS role, or the"
    " envelope's actor is not the token's.",
    NOT_FOUND: "The referenced record does not exist.",
    CONFLICT: "The request conflicts with an existing record.",
    STALE_VERSION: "The record changed since the version the request expected.",
    INVALID_STATE: "The record's state does not allow this action.",
    LOCKED: "Another agent holds the edit lock on this record.",
    LIMIT_EXCEEDED: "The request exceeds a configured limit.",
    INTERNAL_ERROR: "The service could not process the message; it was dead-lettered.",
}


class Refused(Exception):
    """A command or query refused with one of the codes above: nothing it did is kept, and the
    sender is told why. Raised by a service's domain rules (which know no runtime) and by its
    handlers; the runtime turns it into the rejection reply."""

    def __init__(self, code: str, message: str, field_errors: Iterable[FieldError] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field_errors = list(field_errors)

    @classmethod
    def field(cls, code: str, field_name: str, message: str) -> Refused:
        return cls(code, message, [FieldError(field=field_name, code=code, message=message)])
