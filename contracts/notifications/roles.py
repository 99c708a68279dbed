"""Who may send the notifications service's commands, beyond the envelope's role sets."""

from __future__ import annotations

from contracts.envelope import Role

SUPERVISOR_AND_SYSTEM = frozenset({Role.SUPERVISOR, Role.SYSTEM})
