"""Re-authorization before an authorization expires (MNY-02), pure.

A card authorization does not last for ever (Stripe's expire after about 7 days): an order still to
ship whose authorization is older than the configured age has it replaced. What it still holds is
authorized anew on the same instruction first; only once that succeeded is the old one voided, so
the order is never left without the money secured. The ledger records both movements; their
idempotency keys derive from the old authorization (``request_id``), so a worker that crashed and
runs again asks the provider the same two questions and gets the same answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.orders.domain.ledger import Authorization, PaymentLedger, PlannedMovement

STILL_TO_SHIP = ("submitted", "partially_shipped")


@dataclass(frozen=True)
class Renewal:
    """One authorization to replace: its new authorization, then the void of the old one."""

    old: Authorization
    authorize: PlannedMovement
    void: PlannedMovement

    def request_id(self, order_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(order_id, f"reauthorize:{self.old.reference}")


def due(
    ledger: PaymentLedger,
    status: str,
    now: datetime,
    max_age: timedelta,
    expiring: Collection[str],
    usable: Collection[uuid.UUID],
) -> list[Renewal]:
    """The authorizations of an order still to ship, made by a provider whose authorizations expire,
    older than ``max_age`` and still holding money, of an instruction still usable."""
    if status not in STILL_TO_SHIP:
        return []
    made = {m.authorization: m for m in ledger.movements if m.kind == "authorize" and m.counts and m.authorization}
    renewals = []
    for auth in ledger.authorizations():
        movement = made.get(auth.reference)
        if movement is None or movement.provider not in expiring or auth.payment_id not in usable:
            continue
        if auth.held <= 0 or now - movement.at < max_age:
            continue
        renewals.append(
            Renewal(
                old=auth,
                authorize=PlannedMovement(auth.payment_id, "authorize", auth.held),
                void=PlannedMovement(auth.payment_id, "void", auth.held, auth.reference, whole=auth.captured == 0),
            )
        )
    return renewals
