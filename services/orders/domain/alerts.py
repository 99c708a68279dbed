"""The system's alert rules (SRV-05), pure: evaluated on every cart change, at submit and on every
change after submit.

- ``total_over``: the order total is above the threshold configured for its currency;
- ``address_mismatch``: a line ships to another country than the billing address's;
- ``order_velocity``: the customer already has ``max_orders`` orders submitted within the window,
  so this one would be one more than allowed.

A finding is raised once per order (its ``key`` names it: the same mismatch, the same threshold);
once a person cleared it, it is not raised again. A content finding (total, address) that no longer
holds is cleared by the system, recorded like a CSR's clearing (and raised again if it comes back);
the velocity finding and CSR flags stay until someone clears them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts.orders import AlertView, OrderView
from services.orders.domain.holds import alert_id
from services.orders.domain.policy import ShopPolicy

SELF_CLEARING = ("total_over", "address_mismatch")
SYSTEM = "system"


@dataclass(frozen=True)
class AlertRules:
    total_over: dict[str, Decimal]
    address_mismatch: bool
    max_orders: int
    window_minutes: int

    @classmethod
    def of(cls, settings: ShopPolicy) -> AlertRules:
        return cls(
            total_over=dict(settings.alert_total_over),
            address_mismatch=settings.alert_address_mismatch,
            max_orders=settings.alert_max_orders,
            window_minutes=settings.alert_orders_window_minutes,
        )


@dataclass(frozen=True)
class Finding:
    rule: str
    key: str
    message: str


def findings(order: OrderView, recent_orders: int, rules: AlertRules) -> list[Finding]:
    """What the rules find on ``order``; ``recent_orders`` is how many other orders the customer
    submitted within the rules' window."""
    found = []
    threshold = rules.total_over.get(order.currency)
    if threshold is not None and order.lines and order.totals.total > threshold:
        found.append(
            Finding(
                "total_over",
                f"total_over:{threshold}",
                f"the total {order.totals.total} {order.currency} is above {threshold} {order.currency}",
            )
        )
    mismatch = _country_mismatch(order) if rules.address_mismatch else None
    if mismatch is not None:
        found.append(mismatch)
    if rules.max_orders and recent_orders >= rules.max_orders:
        found.append(
            Finding(
                "order_velocity",
                "order_velocity",
                f"the customer has {recent_orders} other orders within {rules.window_minutes} minutes"
                f" (more than {rules.max_orders} is unusual)",
            )
        )
    return found


def _country_mismatch(order: OrderView) -> Finding | None:
    billing = order.billing_address
    if billing is None:
        return None
    targets = [ln.ship_to or order.ship_to for ln in order.lines]
    elsewhere = sorted({t.address.country for t in targets if t is not None} - {billing.country})
    if not elsewhere:
        return None
    return Finding(
        "address_mismatch",
        f"address_mismatch:{billing.country}:{','.join(elsewhere)}",
        f"billed in {billing.country} but shipped to {', '.join(elsewhere)}",
    )


def apply(order: OrderView, found: list[Finding], now: datetime) -> tuple[OrderView, list[AlertView]]:
    """The order with new findings raised and vanished content findings cleared by the system;
    also the alerts raised now."""
    keys = {f.key for f in found}
    # A finding someone looked at (or that is still open) is not raised again; one the system
    # cleared because it no longer held is raised again when it comes back.
    known = {a.key for a in order.alerts if not a.cleared or a.cleared_by != SYSTEM}
    seen = [a.key for a in order.alerts]
    cleared = {"cleared": True, "cleared_by": SYSTEM, "cleared_at": now, "clear_note": "no longer applies"}
    alerts = [
        a.model_copy(update=cleared)
        if a.source == "system" and not a.cleared and a.rule in SELF_CLEARING and a.key not in keys
        else a
        for a in order.alerts
    ]
    raised = [
        AlertView(
            alert_id=alert_id(order, f"{f.key}#{seen.count(f.key) + 1}"),
            source="system",
            rule=f.rule,
            key=f.key,
            message=f.message,
            raised_by=SYSTEM,
            raised_at=now,
        )
        for f in found
        if f.key not in known
    ]
    if alerts == order.alerts and not raised:
        return order, []
    return order.model_copy(update={"alerts": [*alerts, *raised]}), raised
