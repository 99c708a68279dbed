"""The payment ledger of one order (MNY-04): every movement of money against its payment
instructions, and what follows from them. It is the one truth about money after the sale: what a
change or a cancel says to collect or to give back is computed here, and is what is then done.

Pure: movements are planned here and recorded here; the provider that carries them out and the
table that keeps them live in the adapters.

Per authorization (one provider authorization of one instruction):
- ``held``  = authorized - captured - voided: reserved on the customer's card, not yet taken;
- ``paid``  = captured - refunded: taken and not given back.
What the order has ``secured`` is held + paid. Giving money back voids what is held first (the
customer was never charged for it), then refunds what was paid, latest first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal

from contracts.orders import MoneyCause

MovementKind = Literal["authorize", "capture", "void", "refund"]
MovementStatus = Literal["succeeded", "declined", "pending"]
"""``pending``: the provider could not be reached; retried with the same idempotency key."""

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Instruction:
    """What the ledger needs of a payment instruction (contracts' PaymentView, reduced)."""

    payment_id: uuid.UUID
    method: str
    amount: Decimal
    token: str | None = None
    usable: bool = True  # False: declined, nothing is asked of it


@dataclass(frozen=True)
class PlannedMovement:
    """A movement to ask of the provider: ``authorization`` names the provider's authorization a
    capture, void or refund works on; ``whole`` says a void releases the whole authorization."""

    payment_id: uuid.UUID
    kind: MovementKind
    amount: Decimal
    authorization: str | None = None
    final: bool = False  # a capture that takes all that is left of its authorization
    whole: bool = False  # a void of everything the authorization still holds, nothing captured


@dataclass(frozen=True)
class Movement:
    """A movement as recorded: the plan, the key it was asked with, and the provider's answer."""

    movement_id: uuid.UUID
    payment_id: uuid.UUID
    kind: MovementKind
    amount: Decimal
    reason: str
    cause: MoneyCause  # why it moved, for the events' readers: ``reason`` is words for people
    idempotency_key: str
    provider: str
    status: MovementStatus
    at: datetime
    authorization: str | None = None  # for authorize: the provider's reference once it answered
    reference: str | None = None
    decline_reason: str | None = None
    attempts: int = 1

    @property
    def counts(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class Authorization:
    payment_id: uuid.UUID
    reference: str
    authorized: Decimal
    captured: Decimal = ZERO
    voided: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def held(self) -> Decimal:
        return self.authorized - self.captured - self.voided

    @property
    def paid(self) -> Decimal:
        return self.captured - self.refunded


@dataclass(frozen=True)
class Totals:
    authorized: Decimal = ZERO
    captured: Decimal = ZERO
    voided: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def held(self) -> Decimal:
        return self.authorized - self.captured - self.voided

    @property
    def paid(self) -> Decimal:
        return self.captured - self.refunded

    @property
    def secured(self) -> Decimal:
        return self.held + self.paid


def movement_id(message_id: uuid.UUID, seq: int, planned: PlannedMovement) -> uuid.UUID:
    """The same message asking the same movement always names it the same (a redelivery too)."""
    return uuid.uuid5(message_id, f"{seq}:{planned.kind}:{planned.payment_id}:{planned.authorization or ''}")


def idempotency_key(message_id: uuid.UUID, seq: int, planned: PlannedMovement) -> str:
    """What the provider is asked with: derived from our message id and the movement, so a
    redelivered command (or a retry after an outage) can never move the money twice."""
    return f"oms-{movement_id(message_id, seq, planned)}"


@dataclass(frozen=True)
class PaymentLedger:
    order_id: uuid.UUID
    currency: str
    movements: tuple[Movement, ...] = field(default_factory=tuple)

    def recorded(self, movement: Movement) -> PaymentLedger:
        """The ledger with ``movement`` added, or replacing the one of the same id (a retry's answer)."""
        kept = tuple(m for m in self.movements if m.movement_id != movement.movement_id)
        return replace(self, movements=(*kept, movement))

    def knows(self, key: str) -> Movement | None:
        return next((m for m in self.movements if m.idempotency_key == key), None)

    @property
    def pending(self) -> list[Movement]:
        return [m for m in self.movements if m.status == "pending"]

    def authorizations(self, payment_id: uuid.UUID | None = None) -> list[Authorization]:
        """Every succeeded authorization in the order it was made, with what was done with it."""
        found: dict[str, Authorization] = {}
        for m in self.movements:
            if not m.counts or m.authorization is None:
                continue
            if m.kind == "authorize":
                found[m.authorization] = Authorization(m.payment_id, m.authorization, m.amount)
                continue
            auth = found.get(m.authorization)
            if auth is None:
                continue
            if m.kind == "capture":
                auth = replace(auth, captured=auth.captured + m.amount)
            elif m.kind == "void":
                auth = replace(auth, voided=auth.voided + m.amount)
            else:
                auth = replace(auth, refunded=auth.refunded + m.amount)
            found[m.authorization] = auth
        return [a for a in found.values() if payment_id is None or a.payment_id == payment_id]

    def totals(self, payment_id: uuid.UUID | None = None) -> Totals:
        auths = self.authorizations(payment_id)
        return Totals(
            authorized=sum((a.authorized for a in auths), ZERO),
            captured=sum((a.captured for a in auths), ZERO),
            voided=sum((a.voided for a in auths), ZERO),
            refunded=sum((a.refunded for a in auths), ZERO),
        )

    def awaits_authorization(self, payment_id: uuid.UUID) -> bool:
        return any(
            m.payment_id == payment_id and m.kind == "authorize" and m.status == "pending" for m in self.movements
        )

    def capturing(self, authorization: str | None) -> Decimal:
        """Captures of ``authorization`` the provider has not answered yet: taken once it does."""
        return sum((m.amount for m in self.pending if m.kind == "capture" and m.authorization == authorization), ZERO)

    @property
    def awaiting(self) -> Decimal:
        """Authorizations asked for whose provider has not answered yet."""
        return sum((m.amount for m in self.pending if m.kind == "authorize"), ZERO)

    def declined(self, payment_id: uuid.UUID) -> Movement | None:
        return next(
            (
                m
                for m in self.movements
                if m.payment_id == payment_id and m.kind == "authorize" and m.status == "declined"
            ),
            None,
        )


# --- planning -------------------------------------------------------------------------------------


def plan_authorizations(instructions: Iterable[Instruction], ledger: PaymentLedger) -> list[PlannedMovement]:
    """At submit: each usable instruction is authorized for its amount, once (an instruction
    already authorized, declined or waiting for the provider is not asked again)."""
    asked = {m.payment_id for m in ledger.movements if m.kind == "authorize"}
    return [
        PlannedMovement(i.payment_id, "authorize", i.amount)
        for i in instructions
        if i.usable and i.amount > 0 and i.payment_id not in asked
    ]


def plan_collect(amount: Decimal, instructions: Sequence[Instruction]) -> list[PlannedMovement]:
    """More to secure after a change: a further authorization of the last usable instruction."""
    usable = [i for i in instructions if i.usable]
    if amount <= 0 or not usable:
        return []
    return [PlannedMovement(usable[-1].payment_id, "authorize", amount)]


def plan_capture(amount: Decimal, ledger: PaymentLedger, *, everything: bool = False) -> list[PlannedMovement]:
    """Take ``amount`` (or all that is held, for the last shipment) from the authorizations, oldest
    first: a partial capture per shipment."""
    planned = []
    left = amount
    for auth in ledger.authorizations():
        take = auth.held if everything else min(auth.held, left)
        if take <= 0:
            continue
        planned.append(PlannedMovement(auth.payment_id, "capture", take, auth.reference, final=take == auth.held))
        left -= take
        if left <= 0 and not everything:
            break
    return planned


def plan_release(amount: Decimal | None, ledger: PaymentLedger) -> list[PlannedMovement]:
    """Give ``amount`` back (None: everything secured, as on a cancel): void what is held, latest
    authorization first (the customer was never charged for it), then refund what was paid."""
    auths = list(reversed(ledger.authorizations()))
    left = sum((a.held + a.paid for a in auths), ZERO) if amount is None else amount
    planned = []
    for auth in auths:
        give = min(auth.held, left)
        if give > 0:
            whole = give == auth.held and auth.captured == 0
            planned.append(PlannedMovement(auth.payment_id, "void", give, auth.reference, whole=whole))
            left -= give
    for auth in auths:
        give = min(auth.paid, left)
        if give > 0:
            planned.append(PlannedMovement(auth.payment_id, "refund", give, auth.reference))
            left -= give
    return planned


def plan_refund(amount: Decimal, ledger: PaymentLedger) -> list[PlannedMovement]:
    """Give back ``amount`` of what was taken (a return received: its units were paid for when
    they shipped), latest capture first; what is still held stays for what has not shipped."""
    planned = []
    left = amount
    for auth in reversed(ledger.authorizations()):
        # A capture still pending (the provider was away when it shipped) is money taken all the
        # same: left out, the refund of a return received meanwhile would be lost.
        give = min(auth.paid + ledger.capturing(auth.reference), left)
        if give > 0:
            planned.append(PlannedMovement(auth.payment_id, "refund", give, auth.reference))
            left -= give
    return planned


def plan_release_of(payment_id: uuid.UUID, ledger: PaymentLedger) -> list[PlannedMovement]:
    """Everything one instruction holds, voided (an outside system declined it after all)."""
    return [
        PlannedMovement(a.payment_id, "void", a.held, a.reference, whole=a.captured == 0)
        for a in ledger.authorizations(payment_id)
        if a.held > 0
    ]


def amount_due(new_total: Decimal, ledger: PaymentLedger) -> Decimal:
    """After a change: positive, to collect; negative, to give back. Only what the ledger has
    secured counts: an instruction nobody authorized yet secures nothing."""
    return new_total - ledger.totals().secured


def released(movements: Iterable[Movement]) -> Decimal:
    """What movements gave back to the customer: refunds, and voids of money a provider held on her
    card. A void of the manual (invoice) method gives nothing back: nothing was billed yet."""
    return sum(
        (
            m.amount
            for m in movements
            if m.counts and (m.kind == "refund" or (m.kind == "void" and m.provider != "manual"))
        ),
        ZERO,
    )
