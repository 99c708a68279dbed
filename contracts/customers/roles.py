"""Who may send the customers service's commands, beyond the envelope's role sets."""

from __future__ import annotations

from contracts.envelope import Role

CHANNELS_ONLY = frozenset({Role.CHANNEL})
