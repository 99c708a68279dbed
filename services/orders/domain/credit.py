"""Store credit and appeasements (MNY-07, MNY-08), pure.

A customer's store credit in one currency is an account of movements, never a number kept and
overwritten: issued and given-back credit adds, redeemed credit takes; the balance is their sum, so
every movement can be explained and none is lost when two happen at once (the adapter serializes
the movements of one customer). An appeasement is goodwill on an order; the rules below say who may
grant how much, and how much may go back to the card.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from contracts import errors
from contracts.envelope import Role
from contracts.errors import Refused
from contracts.orders import CreditKind, CreditSource, OrderErrors, OrderView

ZERO = Decimal("0")
APPEASABLE = frozenset({"submitted", "partially_shipped", "shipped", "complete", "cancelled"})
"""Goodwill is for an order the customer placed: not a cart, a quote or a voided cart."""


@dataclass(frozen=True)
class CreditMovement:
    movement_id: uuid.UUID
    customer_id: uuid.UUID
    kind: CreditKind
    amount: Decimal  # positive; ``kind`` says which way
    currency: str
    source: CreditSource
    reason: str
    by: str
    at: datetime
    order_id: uuid.UUID | None = None
    order_number: str | None = None

    @property
    def signed(self) -> Decimal:
        return -self.amount if self.kind == "redeemed" else self.amount


@dataclass(frozen=True)
class CreditAccount:
    """One customer's store credit in one currency."""

    customer_id: uuid.UUID
    currency: str
    movements: tuple[CreditMovement, ...] = field(default_factory=tuple)

    @property
    def balance(self) -> Decimal:
        return sum((m.signed for m in self.movements), ZERO)

    def knows(self, movement_id: uuid.UUID) -> CreditMovement | None:
        return next((m for m in self.movements if m.movement_id == movement_id), None)

    def moved(self, movement: CreditMovement) -> CreditAccount:
        return replace(self, movements=(*self.movements, movement))

    def can_pay(self, amount: Decimal) -> bool:
        return amount <= self.balance


def require_balance(account: CreditAccount, amount: Decimal, field_name: str) -> None:
    """Refuses (``insufficient_store_credit``) more than the balance; nothing is taken yet.

    The amount asked is the sender's and is not quoted (docs/security.md: a rejection names the
    field and the rule, never the value sent). The balance is: it is the customer's own record,
    which the same staff may read anyway (GetStoreCreditV1), and it is what the CSR needs to ask
    for an amount that fits."""
    if not account.can_pay(amount):
        raise Refused.field(
            OrderErrors.INSUFFICIENT_STORE_CREDIT,
            field_name,
            f"more than the customer's store credit of {account.balance} {account.currency}",
        )


@dataclass(frozen=True)
class AppeasementAsk:
    """What a grant asks for, and who asks (the verified actor's role)."""

    amount: Decimal
    currency: str
    payout: str
    role: Role


def check_appeasement(
    order: OrderView, ask: AppeasementAsk, csr_limits: Mapping[str, Decimal], paid: Decimal | None
) -> None:
    """MNY-07: on a placed order, in its currency; a CSR only up to the limit of the currency (none
    configured: a supervisor only); to the card at most what was captured and not yet refunded
    (``paid``, known for payout card). Refuses with the first rule broken."""
    if order.status not in APPEASABLE:
        raise Refused(errors.INVALID_STATE, f"order {order.order_id} is a {order.status}: nothing to appease yet")
    if ask.currency != order.currency:
        raise Refused.field(
            OrderErrors.CURRENCY_MISMATCH,
            "payload.amount.currency",
            f"the order is in {order.currency}, the appeasement in {ask.currency}",
        )
    limit = csr_limits.get(ask.currency)
    if ask.role != Role.SUPERVISOR and (limit is None or ask.amount > limit):
        raise Refused.field(
            OrderErrors.SUPERVISOR_REQUIRED,
            "payload.amount.amount",
            f"above the CSR limit of {limit} {ask.currency}: a supervisor must grant it"
            if limit is not None
            else f"no CSR limit is configured for {ask.currency}: a supervisor must grant it",
        )
    if ask.payout == "card" and paid is not None and ask.amount > paid:
        raise Refused.field(
            OrderErrors.EXCEEDS_PAID,
            "payload.amount.amount",
            f"only {paid} {ask.currency} was captured and not refunded: give the rest as store credit",
        )
