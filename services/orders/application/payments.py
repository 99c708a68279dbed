"""Moving money (MNY-01..): the payment-provider port, and carrying out what the ledger planned.

Every movement is asked of its provider with an idempotency key derived from the message being
handled and the movement (``ledger.idempotency_key``): a redelivered command, or a command retried
after a crash between the provider's answer and our commit, asks again with the same key, and the
provider answers what it answered the first time instead of moving the money twice. A provider that
cannot be reached is asked again a few times (the runtime's retry policy); then the movement is
kept ``pending`` with its key, the order waits on the ``payment_pending`` hold, and the payment
worker asks again later, still with the same key.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

from contracts.envelope import Event
from contracts.orders import MoneyCause, OrderView, ShipmentRecord
from services.orders.domain.ledger import (
    Instruction,
    Movement,
    PaymentLedger,
    PlannedMovement,
    idempotency_key,
    movement_id,
)

EXTERNAL = "external"
"""An authorization an outside payment system reported (RecordPaymentResultV1): nothing here asked for it."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or failed on its side: the same request may succeed later."""


@dataclass(frozen=True)
class ProviderAnswer:
    outcome: Literal["succeeded", "declined"]
    reference: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class AuthorizeRequest:
    """What a provider needs to authorize one instruction; ``moto``: a card a CSR typed in on the
    customer's behalf (a mail or telephone order), which card networks treat differently."""

    order_id: uuid.UUID
    order_number: str
    payment_id: uuid.UUID
    token: str | None
    amount: Decimal
    currency: str
    moto: bool


class PaymentProvider(Protocol):
    name: str

    async def authorize(self, request: AuthorizeRequest, key: str) -> ProviderAnswer: ...

    async def capture(
        self, authorization: str, amount: Decimal, currency: str, *, final: bool, key: str
    ) -> ProviderAnswer: ...

    async def void(
        self, authorization: str, amount: Decimal, currency: str, *, whole: bool, key: str
    ) -> ProviderAnswer: ...

    async def refund(self, authorization: str, amount: Decimal, currency: str, *, key: str) -> ProviderAnswer: ...


class Providers(Protocol):
    def for_method(self, method: str) -> PaymentProvider | None:
        """The provider that authorizes this method; None: an outside system reports the result."""

    def named(self, name: str) -> PaymentProvider:
        """The provider that made an authorization, for what follows on it (capture, void, refund)."""


class PaymentLedgerRepository(Protocol):
    async def load(self, order_id: uuid.UUID, currency: str) -> PaymentLedger: ...

    async def save(self, order_id: uuid.UUID, currency: str, movement: Movement, message_id: uuid.UUID) -> None:
        """Insert the movement, or replace the one with its id (a retry's answer)."""

    async def is_moto(self, payment_id: uuid.UUID) -> bool: ...


class Backoff(Protocol):
    """The runtime's retry policy (services/runtime/retry.py), as far as moving money needs it."""

    def delay(self, attempt: int) -> float: ...

    def exhausted(self, attempts: int) -> bool: ...


@dataclass(frozen=True)
class MoneyRequest:
    """Which order, in the name of which message, why (in words, and as a ``cause``), and when."""

    order_id: uuid.UUID
    order_number: str
    currency: str
    message_id: uuid.UUID
    reason: str
    cause: MoneyCause
    now: datetime


@dataclass(frozen=True)
class Mover:
    repository: PaymentLedgerRepository
    providers: Providers
    backoff: Backoff
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def carry_out(
        self,
        ledger: PaymentLedger,
        planned: Sequence[PlannedMovement],
        instructions: Mapping[uuid.UUID, Instruction],
        request: MoneyRequest,
    ) -> tuple[PaymentLedger, list[Movement]]:
        """Ask for each planned movement; record each answer (or its pending state) in the ledger."""
        done = []
        for seq, plan in enumerate(planned):
            key = idempotency_key(request.message_id, seq, plan)
            movement = ledger.knows(key)
            instruction = instructions.get(plan.payment_id)
            provider = movement.provider if movement else self._provider_for(plan, instruction, ledger)
            if provider == EXTERNAL and plan.kind == "authorize":
                continue  # an outside system authorizes it and reports (RecordPaymentResultV1)
            unanswered = movement is None or movement.status == "pending"
            if unanswered and plan.kind == "refund" and ledger.capturing(plan.authorization):
                # What it gives back is not taken yet: the payment worker asks once the capture is answered.
                movement = movement or self._new(plan, seq, key, request, provider)
            elif movement is None or movement.status == "pending":
                movement = await self._ask(plan, seq, key, instruction, request, movement, provider)
            else:
                done.append(movement)
                continue
            await self.repository.save(request.order_id, request.currency, movement, request.message_id)
            ledger = ledger.recorded(movement)
            done.append(movement)
        return ledger, done

    async def retry(self, movement: Movement, instruction: Instruction | None, request: MoneyRequest) -> Movement:
        """Ask once more for a pending movement, with its own key; the answer is recorded."""
        plan = PlannedMovement(movement.payment_id, movement.kind, movement.amount, movement.authorization)
        try:
            answer = await self._call(plan, movement.idempotency_key, instruction, request, movement.provider)
        except ProviderUnavailable:
            answer = None
        updated = _answered(movement, answer, request.now, movement.attempts + 1)
        await self.repository.save(request.order_id, request.currency, updated, request.message_id)
        return updated

    async def _ask(
        self,
        plan: PlannedMovement,
        seq: int,
        key: str,
        instruction: Instruction | None,
        request: MoneyRequest,
        earlier: Movement | None,
        provider: str,
    ) -> Movement:
        base = earlier or self._new(plan, seq, key, request, provider)
        attempts = base.attempts
        while True:
            attempts += 1
            try:
                answer = await self._call(plan, key, instruction, request, provider)
                return _answered(base, answer, request.now, attempts)
            except ProviderUnavailable:
                if self.backoff.exhausted(attempts):
                    return _answered(base, None, request.now, attempts)
                await self.sleep(self.backoff.delay(attempts))

    @staticmethod
    def _new(plan: PlannedMovement, seq: int, key: str, request: MoneyRequest, provider: str) -> Movement:
        """The movement before any answer: ``pending``, not asked yet."""
        return Movement(
            movement_id=movement_id(request.message_id, seq, plan),
            payment_id=plan.payment_id,
            kind=plan.kind,
            amount=plan.amount,
            reason=request.reason,
            cause=request.cause,
            idempotency_key=key,
            provider=provider,
            status="pending",
            at=request.now,
            authorization=plan.authorization,
            attempts=0,
        )

    def _provider_for(self, plan: PlannedMovement, instruction: Instruction | None, ledger: PaymentLedger) -> str:
        """An authorization goes to the method's provider; what follows on it, to the one that made it."""
        if plan.kind == "authorize":
            assert instruction is not None, "an authorization is planned from an instruction"
            chosen = self.providers.for_method(instruction.method)
            return chosen.name if chosen is not None else EXTERNAL
        made = next(m for m in ledger.movements if m.kind == "authorize" and m.authorization == plan.authorization)
        return made.provider

    async def _call(
        self,
        plan: PlannedMovement,
        key: str,
        instruction: Instruction | None,
        request: MoneyRequest,
        provider_name: str,
    ) -> ProviderAnswer:
        provider = self.providers.named(provider_name)
        if plan.kind == "authorize":
            assert instruction is not None, "an authorization is planned from an instruction"
            moto = await self.repository.is_moto(plan.payment_id)
            asked = AuthorizeRequest(
                request.order_id,
                request.order_number,
                plan.payment_id,
                instruction.token,
                plan.amount,
                request.currency,
                moto,
            )
            return await provider.authorize(asked, key)
        assert plan.authorization is not None, "captures, voids and refunds work on an authorization"
        if plan.kind == "capture":
            return await provider.capture(plan.authorization, plan.amount, request.currency, final=plan.final, key=key)
        if plan.kind == "void":
            return await provider.void(plan.authorization, plan.amount, request.currency, whole=plan.whole, key=key)
        return await provider.refund(plan.authorization, plan.amount, request.currency, key=key)


def _answered(base: Movement, answer: ProviderAnswer | None, now: datetime, attempts: int) -> Movement:
    if answer is None:
        return replace(base, status="pending", attempts=attempts, at=now)
    authorization = answer.reference if base.kind == "authorize" else base.authorization
    return replace(
        base,
        status=answer.outcome,
        reference=answer.reference,
        authorization=authorization,
        decline_reason=answer.reason,
        attempts=attempts,
        at=now,
    )


class Payments(Protocol):
    """Money after the sale as the order use cases see it (MNY-01..MNY-04): each call plans from the
    order's payment ledger, has the provider carry it out and records the answers, in the unit of
    work's transaction. ``adapters.money.PostgresPayments`` is the real one."""

    async def authorize_at_submit(
        self, order: OrderView, later: list[Event] | None = None, *, cause: MoneyCause
    ) -> OrderView:
        """Each usable instruction authorized; the order with its payments' statuses and holds. The
        movements' events go to ``later`` when given (to follow the order's own), else are emitted.
        ``cause``: ``submit``, or ``resubmit`` for an order on the payment hold submitted again."""

    async def capture_shipment(self, order: OrderView, shipment: ShipmentRecord) -> None: ...

    async def release_all(self, order: OrderView, reason: str, cause: MoneyCause) -> Decimal:
        """Void what is held, refund what was taken; what the customer gets back."""

    async def secured(self, order: OrderView) -> Decimal:
        """Held + paid: what a change's amount due is computed against."""

    async def settle_change(self, order: OrderView, amount_due: Decimal, reason: str, cause: MoneyCause) -> OrderView:
        """A change's or an exchange's amount due: collected (> 0) or given back (< 0)."""

    async def refund_return(self, order: OrderView, amount: Decimal, reason: str, cause: MoneyCause) -> Decimal:
        """Refund ``amount`` of what was taken: a received return's, or a claim's."""

    async def record_outside_result(
        self, order: OrderView, payment_id: uuid.UUID, outcome: str, reference: str | None
    ) -> None: ...
