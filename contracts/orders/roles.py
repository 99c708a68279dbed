"""Who may send the orders service's commands, beyond the envelope's role sets."""

from __future__ import annotations

from contracts.envelope import Role

UPSTREAM = frozenset({Role.SYSTEM, Role.CHANNEL, Role.SUPERVISOR})
"""Catalog and stock are kept current by upstream systems (or a supervisor by hand)."""
PRICING_ADMINS = frozenset({Role.SYSTEM, Role.SUPERVISOR})
PAYMENT_SYSTEMS = frozenset({Role.SYSTEM, Role.CHANNEL})
FULFILMENT_SYSTEMS = frozenset({Role.SYSTEM, Role.CHANNEL})
"""Downstream fulfilment reports shipments and deliveries (SRV-11)."""
REFUNDERS = frozenset({Role.SYSTEM, Role.CHANNEL, Role.SUPERVISOR})
