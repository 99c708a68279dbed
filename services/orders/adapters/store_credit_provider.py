"""Store credit as a payment provider (MNY-08): the payment ledger moves it like a card, so what it
plans for a card (authorize at submit, void or refund on change, cancel and return) holds for store
credit too, and the order's ledger stays the one truth about what paid for it.

- ``authorize`` redeems: the amount is taken from the customer's balance at once (a balance too
  small is a decline, and the order waits on the payment hold like a declined card);
- ``capture`` moves nothing (it was taken at authorize);
- ``void`` and ``refund`` give back to the customer's balance what the redemption took.
Each answer is a store credit movement on the same transaction as the order, named from the
idempotency key: asked again with the same key, the same answer, and nothing moves twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts.envelope import Event
from contracts.orders import CreditKind, MoneyCause, StoreCreditIssuedV1, StoreCreditRedeemedV1
from services.orders.adapters.deps import Ctx
from services.orders.adapters.store_credit_store import PgStoreCredit, customer_of
from services.orders.application.payments import AuthorizeRequest, PaymentProvider, ProviderAnswer, Providers
from services.orders.domain.credit import CreditMovement
from services.runtime.db import Connection

NAME = "store_credit"
_PREFIX = "sc-"


def _movement_id(key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"oms-store-credit:{key}")


@dataclass
class StoreCreditProvider:
    """On one message's transaction: its connection, clock, actor and outbox, and why the ledger
    moves the money (``cause``, told on the credit's own events)."""

    conn: Connection
    emit: Callable[[Event], None]
    agent: str
    now: datetime
    cause: MoneyCause
    name: str = NAME

    async def authorize(self, request: AuthorizeRequest, key: str) -> ProviderAnswer:
        mid = _movement_id(key)
        credit = PgStoreCredit(self.conn)
        if await credit.movement(mid) is not None:
            return ProviderAnswer("succeeded", f"{_PREFIX}{mid}")
        owner = await customer_of(self.conn, request.order_id)
        if owner is None:
            return ProviderAnswer("declined", reason="unknown order")
        account = await credit.account(owner["customer_id"], request.currency, for_update=True)
        if not account.can_pay(request.amount):
            return ProviderAnswer("declined", reason=f"store credit balance {account.balance} {request.currency}")
        movement = self._movement(mid, "redeemed", owner["customer_id"], request.amount, request.currency, request)
        await credit.add(movement)
        self._tell(movement, account.balance - request.amount)
        return ProviderAnswer("succeeded", f"{_PREFIX}{mid}")

    async def capture(
        self, authorization: str, amount: Decimal, currency: str, *, final: bool, key: str
    ) -> ProviderAnswer:
        return ProviderAnswer("succeeded", authorization)  # taken when it was redeemed

    async def void(
        self, authorization: str, amount: Decimal, currency: str, *, whole: bool, key: str
    ) -> ProviderAnswer:
        return await self._give_back(authorization, amount, currency, key, "released")

    async def refund(self, authorization: str, amount: Decimal, currency: str, *, key: str) -> ProviderAnswer:
        return await self._give_back(authorization, amount, currency, key, "refunded")

    async def _give_back(
        self, authorization: str, amount: Decimal, currency: str, key: str, how: str
    ) -> ProviderAnswer:
        """``how``: ``released`` (a cancel or a change, before anything shipped) or ``refunded``
        (after: a return, an appeasement); the reason starts with it."""
        mid = _movement_id(key)
        credit = PgStoreCredit(self.conn)
        if await credit.movement(mid) is not None:
            return ProviderAnswer("succeeded", f"{_PREFIX}{mid}")
        redeemed = await credit.movement(uuid.UUID(authorization.removeprefix(_PREFIX)))
        if redeemed is None:
            return ProviderAnswer("declined", reason=f"no store credit redemption {authorization}")
        account = await credit.account(redeemed.customer_id, currency, for_update=True)
        movement = self._movement(mid, "given_back", redeemed.customer_id, amount, currency, redeemed, how)
        await credit.add(movement)
        self._tell(movement, account.balance + amount)
        return ProviderAnswer("succeeded", f"{_PREFIX}{mid}")

    def _movement(
        self,
        mid: uuid.UUID,
        kind: CreditKind,
        customer_id: uuid.UUID,
        amount: Decimal,
        currency: str,
        about: AuthorizeRequest | CreditMovement,
        how: str = "paid for",
    ) -> CreditMovement:
        number = about.order_number
        what = f"{how} order" if kind == "redeemed" else f"{how} from order"
        return CreditMovement(
            movement_id=mid,
            customer_id=customer_id,
            kind=kind,
            amount=amount,
            currency=currency,
            source="order",
            reason=f"{what} {number}",
            by=self.agent,
            at=self.now,
            order_id=about.order_id,
            order_number=number,
        )

    def _tell(self, m: CreditMovement, balance: Decimal) -> None:
        common: dict[str, object] = {
            "customer_id": m.customer_id,
            "movement_id": m.movement_id,
            "amount": m.amount,
            "currency": m.currency,
            "source": m.source,
            "reason": m.reason,
            "order_id": m.order_id,
            "order_number": m.order_number,
            "balance": balance,
            "by": m.by,
            "occurred_at": m.at,
            "cause": self.cause,
        }
        if m.kind == "redeemed":
            self.emit(StoreCreditRedeemedV1.model_validate(common))
        else:
            self.emit(StoreCreditIssuedV1.model_validate({**common, "kind": "given_back"}))


@dataclass(frozen=True)
class WithStoreCredit:
    """The service's providers, and store credit on this message's transaction."""

    others: Providers
    store_credit: StoreCreditProvider

    def for_method(self, method: str) -> PaymentProvider | None:
        return self.store_credit if method == NAME else self.others.for_method(method)

    def named(self, name: str) -> PaymentProvider:
        return self.store_credit if name == NAME else self.others.named(name)


def with_store_credit(ctx: Ctx, cause: MoneyCause) -> WithStoreCredit:
    """MNY-08: store credit moves on the message's own transaction, next to the order's ledger."""
    provider = StoreCreditProvider(ctx.conn, ctx.emit, ctx.actor.agent_id, ctx.now, cause)
    return WithStoreCredit(ctx.deps.providers, provider)
