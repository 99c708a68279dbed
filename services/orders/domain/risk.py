"""Typed holds from rules (MNY-09), pure.

At submit, on every change after submit and on an exchange (its new total), the rules look at the order:

- ``amount_over_limit``: the total is above the threshold of its currency (every currency the shop
  prices in has one: ``OMS_HOLD_AMOUNT_OVER``);
- ``country_mismatch``: a line ships to another country than the billing address's;
- ``block_list``: its e-mail, phone, a card's fingerprint or an address is on the block list.

Each finding puts a typed hold on the order (its type, a key naming the finding and a reason), kept
on the order for the record. A hold releases itself when what caused it is resolved: a change that
brings the total under the threshold or the addresses into one country, the block-list entry
removed. A supervisor may release one hold type explicitly; a released finding does not hold the
same order again. The hold set (``holds.with_holds``) shows every unreleased hold type, and an order
with any hold is not released to fulfilment.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.common import Address
from contracts.errors import Refused
from contracts.orders import BlockListKind, HoldType, OrderHoldChangedV1, OrderView, PaymentView, TypedHoldView

HOLD_TYPES = ("amount_over_limit", "country_mismatch", "block_list")
SELF_RESOLVING = ("amount_over_limit", "country_mismatch")
"""Found from the order's content: released by a change that makes them no longer true."""
SYSTEM = "system"
SCREENED = ("submitted", "partially_shipped")


@dataclass(frozen=True)
class RiskRules:
    amount_over: Mapping[str, Decimal]
    country_mismatch: bool


@dataclass(frozen=True)
class BlockListEntry:
    entry_id: uuid.UUID
    kind: BlockListKind
    value: str


@dataclass(frozen=True)
class HoldFinding:
    hold_type: HoldType
    key: str
    reason: str


# --- what the block list is compared with ------------------------------------------------------


def normalized(kind: str, value: str) -> str:
    """One spelling per value, so ``Jane@Example.com `` and ``jane@example.com`` are the same entry."""
    text = " ".join(value.split()).casefold()
    if kind == "phone":
        return ("+" if text.startswith("+") else "") + re.sub(r"\D", "", text)
    if kind == "address":
        return "|".join(part.strip() for part in text.split("|"))
    return text


def card_fingerprint(payment: PaymentView) -> str | None:
    """What the order keeps of a card (never its number) that names it: brand, last four, expiry."""
    if payment.method != "card" or not (payment.brand and payment.last4 and payment.expiry_month):
        return None
    return f"{payment.brand}:{payment.last4}:{payment.expiry_month:02d}/{payment.expiry_year}"


def address_key(address: Address) -> str:
    return normalized("address", f"{address.line1}|{address.postal_code}|{address.country}")


def screened_values(order: OrderView) -> list[tuple[str, str]]:
    """(kind, normalized value) of everything of the order the block list is compared with."""
    found: list[tuple[str, str]] = []
    if order.email:
        found.append(("email", normalized("email", order.email)))
    phones = [order.phone, *(a.phone for a in _addresses(order))]
    found += [("phone", normalized("phone", p)) for p in phones if p]
    cards = [card_fingerprint(p) for p in order.payments]
    found += [("card_fingerprint", normalized("card_fingerprint", f)) for f in cards if f]
    found += [("address", address_key(a)) for a in _addresses(order)]
    return sorted(set(found))


def _addresses(order: OrderView) -> list[Address]:
    targets = [order.ship_to, *(ln.ship_to for ln in order.lines)]
    found = [t.address for t in targets if t is not None]
    return [*found, order.billing_address] if order.billing_address is not None else found


# --- the rules ---------------------------------------------------------------------------------


def findings(order: OrderView, rules: RiskRules, blocked: Sequence[BlockListEntry]) -> list[HoldFinding]:
    found = []
    threshold = rules.amount_over.get(order.currency)
    if threshold is not None and order.totals.total > threshold:
        found.append(
            HoldFinding(
                "amount_over_limit",
                f"amount_over_limit:{order.currency}:{threshold}",
                f"the total {order.totals.total} {order.currency} is above the limit of {threshold} {order.currency}",
            )
        )
    countries = _countries(order) if rules.country_mismatch else None
    if countries is not None:
        billed, shipped = countries
        found.append(
            HoldFinding(
                "country_mismatch",
                f"country_mismatch:{billed}:{','.join(shipped)}",
                f"billed in {billed} but shipped to {', '.join(shipped)}",
            )
        )
    for entry in blocked:
        found.append(
            HoldFinding(
                "block_list", entry_key(entry.entry_id), f"its {entry.kind.replace('_', ' ')} is on the block list"
            )
        )
    return found


def _countries(order: OrderView) -> tuple[str, list[str]] | None:
    billing = order.billing_address
    if billing is None:
        return None
    targets = [ln.ship_to or order.ship_to for ln in order.lines]
    elsewhere = sorted({t.address.country for t in targets if t is not None} - {billing.country})
    return (billing.country, elsewhere) if elsewhere else None


def active(order: OrderView) -> list[TypedHoldView]:
    return [h for h in order.typed_holds if not h.released]


def screen(order: OrderView, found: Sequence[HoldFinding], now: datetime) -> tuple[OrderView, list[TypedHoldView]]:
    """The order with a hold for each new finding and its content holds that no longer apply
    released by the system; also every hold placed or released now. Only orders still to ship."""
    if order.status not in SCREENED:
        return order, []
    keys = {f.key for f in found}
    known = {h.key for h in order.typed_holds}  # placed once: a released finding does not hold again
    resolved = {"released": True, "released_by": SYSTEM, "released_at": now, "release_note": "no longer applies"}
    changed: list[TypedHoldView] = []
    kept = []
    for hold in order.typed_holds:
        if not hold.released and hold.hold_type in SELF_RESOLVING and hold.key not in keys:
            hold = hold.model_copy(update=resolved)
            changed.append(hold)
        kept.append(hold)
    placed = [
        TypedHoldView(hold_type=f.hold_type, key=f.key, reason=f.reason, placed_by=SYSTEM, placed_at=now)
        for f in found
        if f.key not in known
    ]
    if not changed and not placed:
        return order, []
    return order.model_copy(update={"typed_holds": [*kept, *placed]}), [*changed, *placed]


def release(
    order: OrderView, hold_type: HoldType, note: str, agent: str, now: datetime, *, key: str | None = None
) -> tuple[OrderView, list[TypedHoldView]]:
    """Release the order's unreleased holds of ``hold_type`` (only the one of ``key`` when given)."""
    wanted = [h for h in active(order) if h.hold_type == hold_type and (key is None or h.key == key)]
    if not wanted:
        name = order.order_number or str(order.order_id)
        raise Refused.field(errors.INVALID_STATE, "payload.hold_type", f"order {name} has no {hold_type} hold on")
    done = {"released": True, "released_by": agent, "released_at": now, "release_note": note}
    holds = [h.model_copy(update=done) if h in wanted else h for h in order.typed_holds]
    return order.model_copy(update={"typed_holds": holds}), [h.model_copy(update=done) for h in wanted]


def entry_key(entry_id: uuid.UUID) -> str:
    return f"block_list:{entry_id}"


def changed_events(order: OrderView, changed: Sequence[TypedHoldView]) -> list[OrderHoldChangedV1]:
    """One event per hold placed or released, for the order's version that did it."""
    return [
        OrderHoldChangedV1(
            order_id=order.order_id,
            order_number=order.order_number or str(order.order_id),
            customer_id=order.customer_id,
            version=order.version,
            hold_type=h.hold_type,
            key=h.key,
            change="released" if h.released else "placed",
            reason=h.release_note if h.released and h.release_note else h.reason,
            by=(h.released_by or SYSTEM) if h.released else h.placed_by,
            at=(h.released_at or h.placed_at) if h.released else h.placed_at,
        )
        for h in changed
    ]


def described(changed: Sequence[TypedHoldView]) -> str:
    """For the version's reason: what was placed and released, with why."""
    return "; ".join(
        f"{h.hold_type} hold {'released' if h.released else 'placed'}: {h.release_note if h.released else h.reason}"
        for h in changed
    )
