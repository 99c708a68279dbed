"""Appeasements and store credit (MNY-07, MNY-08): the use cases and the ports they need beyond
the orders unit of work.

- ``grant_appeasement``: goodwill on an order, refunded to what paid for it (through the payment
  ledger and its provider, keyed by the message id like every movement) or issued as store credit;
  the order gets a new version saying so, with the verified actor.
- ``issue_store_credit``: a supervisor gives a customer store credit.
Redeeming store credit at submit and giving it back on cancel or refund go through the payment
ledger like a card (``adapters/store_credit_provider.py``): store credit is one more provider.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from contracts import errors
from contracts.errors import Refused
from contracts.orders import (
    AppeasementGrantedV1,
    AppeasementResult,
    CreditSource,
    GrantAppeasementV1,
    IssueStoreCreditV1,
    MoneyCause,
    OrderView,
    StoreCreditIssuedV1,
    StoreCreditResult,
)
from services.orders.application import edit_locks
from services.orders.application.editing import load, save
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain.credit import AppeasementAsk, CreditAccount, CreditMovement, check_appeasement
from services.orders.domain.pricing import money


@dataclass(frozen=True)
class Appeasement:
    appeasement_id: uuid.UUID
    order_id: uuid.UUID
    customer_id: uuid.UUID
    amount: Decimal
    currency: str
    reason: str
    note: str | None
    payout: str
    granted_by: str
    granted_role: str
    at: datetime


class StoreCredit(Protocol):
    """Customers' store credit accounts (the movements, per customer and currency)."""

    async def account(self, customer_id: uuid.UUID, currency: str, *, for_update: bool = False) -> CreditAccount:
        """``for_update``: the customer's movements are serialized until the transaction ends."""

    async def add(self, movement: CreditMovement) -> None: ...


class Goodwill(Protocol):
    """Appeasements granted, and what the order's ledger has taken and not given back."""

    async def granted(self, appeasement_id: uuid.UUID) -> bool: ...
    async def record(self, appeasement: Appeasement) -> None: ...
    async def paid(self, order: OrderView) -> Decimal:
        """Captured minus refunded by the order's cards, over its payment ledger."""

    async def refund_to_cards(self, order: OrderView, amount: Decimal, reason: str) -> Decimal:
        """Refund ``amount`` to the cards that paid (latest capture first) through their provider;
        what the provider gave back."""


class CreditUnitOfWork(UnitOfWork, Protocol):
    @property
    def store_credit(self) -> StoreCredit: ...
    @property
    def goodwill(self) -> Goodwill: ...
    @property
    def appeasement_csr_limits(self) -> Mapping[str, Decimal]:
        """Per currency, the most a CSR may grant; above it (or without a limit) a supervisor."""


def exact(amount: Decimal, currency: str) -> Decimal:
    """The amount in the currency's minor unit; one finer than that is refused, not rounded."""
    kept = money(amount, currency)
    if kept != amount:
        raise Refused.field(
            errors.INVALID, "payload.amount.amount", f"{currency} amounts have no more decimals than {kept}"
        )
    return kept


async def issue(
    uow: CreditUnitOfWork,
    movement_id: uuid.UUID,
    customer_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    source: CreditSource,
    reason: str,
    cause: MoneyCause,
    order: OrderView | None = None,
) -> CreditAccount:
    """Credit added to the customer's account, and StoreCreditIssuedV1 with the balance after it."""
    account = await uow.store_credit.account(customer_id, currency, for_update=True)
    if account.knows(movement_id):
        raise Refused.field(errors.CONFLICT, "payload", f"store credit {movement_id} was issued already")
    movement = CreditMovement(
        movement_id=movement_id,
        customer_id=customer_id,
        kind="issued",
        amount=amount,
        currency=currency,
        source=source,
        reason=reason,
        by=uow.actor.agent_id,
        at=uow.now,
        order_id=order.order_id if order else None,
        order_number=order.order_number if order else None,
    )
    await uow.store_credit.add(movement)
    account = account.moved(movement)
    uow.emit(
        StoreCreditIssuedV1(
            customer_id=customer_id,
            movement_id=movement_id,
            amount=amount,
            currency=currency,
            source=source,
            reason=reason,
            order_id=movement.order_id,
            order_number=movement.order_number,
            balance=account.balance,
            by=movement.by,
            email=order.email if order else None,
            language=order.language if order else None,
            occurred_at=uow.now,
            cause=cause,
        )
    )
    return account


async def grant_appeasement(uow: CreditUnitOfWork, cmd: GrantAppeasementV1) -> AppeasementResult:
    """MNY-07: the rules (domain/credit.check_appeasement), then the money, the record, the order's
    new version (its history, with the verified actor) and AppeasementGrantedV1."""
    if await uow.goodwill.granted(cmd.appeasement_id):
        raise Refused.field(errors.CONFLICT, "payload.appeasement_id", f"appeasement {cmd.appeasement_id} was granted")
    order = await load(uow, cmd.order_id)
    ask = AppeasementAsk(cmd.amount.amount, cmd.amount.currency, cmd.payout, uow.actor.role)
    paid = await uow.goodwill.paid(order) if cmd.payout == "card" else None
    check_appeasement(order, ask, uow.appeasement_csr_limits, paid)
    amount = exact(cmd.amount.amount, order.currency)
    held = await uow.locks.live(order.order_id)
    await edit_locks.claim(uow, order)  # another agent working the order refuses it (SRV-06)
    what = f"appeasement of {amount} {order.currency} ({cmd.reason}{': ' + cmd.note if cmd.note else ''})"
    refunded, balance = Decimal(0), None
    if cmd.payout == "card":
        refunded = await uow.goodwill.refund_to_cards(order, amount, what)
    else:
        account = await issue(
            uow,
            cmd.appeasement_id,
            order.customer_id,
            amount,
            order.currency,
            "appeasement",
            what,
            "appeasement",
            order,
        )
        balance = account.balance
    await uow.goodwill.record(
        Appeasement(
            cmd.appeasement_id,
            order.order_id,
            order.customer_id,
            amount,
            order.currency,
            cmd.reason,
            cmd.note,
            cmd.payout,
            uow.actor.agent_id,
            uow.actor.role.value,
            uow.now,
        )
    )
    saved = await save(uow, order, "appeasement_granted", f"{what} as {cmd.payout.replace('_', ' ')}")
    if held is None:  # taken for this grant only (like a submit's): a supervisor asked next finds it free
        await edit_locks.release(uow, saved)
    number = saved.order_number or str(saved.order_id)
    uow.emit(
        AppeasementGrantedV1(
            appeasement_id=cmd.appeasement_id,
            order_id=saved.order_id,
            order_number=number,
            customer_id=saved.customer_id,
            amount=amount,
            currency=saved.currency,
            reason=cmd.reason,
            note=cmd.note,
            payout=cmd.payout,
            granted_by=uow.actor.agent_id,
            granted_role=uow.actor.role.value,
            email=saved.email,
            language=saved.language,
            occurred_at=uow.now,
        )
    )
    return AppeasementResult(
        appeasement_id=cmd.appeasement_id,
        order_id=saved.order_id,
        order_number=number,
        amount=amount,
        currency=saved.currency,
        payout=cmd.payout,
        refunded=refunded,
        store_credit_balance=balance,
    )


async def issue_store_credit(uow: CreditUnitOfWork, cmd: IssueStoreCreditV1) -> StoreCreditResult:
    """MNY-08: a supervisor's store credit for a customer, in one currency."""
    amount = exact(cmd.amount.amount, cmd.amount.currency)
    reason = f"issued by a supervisor: {cmd.reason}"
    account = await issue(
        uow, cmd.credit_id, cmd.customer_id, amount, cmd.amount.currency, "supervisor", reason, "supervisor"
    )
    return StoreCreditResult(
        movement_id=cmd.credit_id,
        customer_id=cmd.customer_id,
        amount=amount,
        currency=cmd.amount.currency,
        balance=account.balance,
    )
