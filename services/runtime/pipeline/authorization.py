"""Stage 2b: may the verified actor send this message? Pure: no I/O, nothing recorded here."""

from __future__ import annotations

from typing import Any

from contracts import errors
from contracts.envelope import Actor, Envelope
from services.runtime.handling import Rejected

ACTOR_MISMATCH = "the envelope's actor does not match the access token"


def authorize(envelope: Envelope, message: Any, verified: Actor) -> tuple[Envelope, Rejected | None]:
    """The envelope as it is handled from here on, carrying the VERIFIED actor (so handlers, stored
    versions, notes, events and inbox rows record who really sent it), and the refusal if any.

    An envelope may leave its actor out; one that names an actor other than its token's is
    refused, not corrected: the sender believes it acts as someone it is not."""
    trusted = envelope.model_copy(update={"actor": verified})
    if envelope.actor is not None and envelope.actor != verified:
        return trusted, Rejected(errors.FORBIDDEN, ACTOR_MISMATCH)
    allowed_roles = type(message).ALLOWED_ROLES
    if verified.role not in allowed_roles:
        allowed = ", ".join(sorted(r.value for r in allowed_roles))
        message = f"role {verified.role.value} may not {envelope.type}; allowed: {allowed}"
        return trusted, Rejected(errors.FORBIDDEN, message)
    return trusted, None
