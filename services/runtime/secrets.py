"""Secrets a channel sealed to the deployment's key (contracts.sealing), opened by a service.

One function for every service: the refusal a wrong or unopenable value gets is the same wherever
it arrives, and no service writes its own copy of the rule."""

from __future__ import annotations

from contracts import errors
from contracts.envelope import FieldError
from contracts.errors import Refused
from contracts.sealing import SealingError, open_sealed


def open_secret(sealing_key: str | None, sealed: str, field_name: str) -> str:
    """The clear text of ``sealed``, in memory only: never store, log or publish what this returns.

    Refused (``invalid``) when the service has no key or the value cannot be opened; the field
    error's code says what is wrong (``sealed_*``). The message never echoes the sealed value."""
    if sealing_key is None:
        raise Refused.field(errors.INVALID, field_name, "this service has no sealing key configured")
    try:
        return open_sealed(sealed, sealing_key)
    except SealingError as exc:
        # the reply's code stays "invalid"; the field error's code says what is wrong (sealed_*)
        raise Refused(
            errors.INVALID, str(exc), [FieldError(field=field_name, code=exc.code, message=str(exc))]
        ) from None
