"""The payment ledger and the mover, without a database or a provider (MNY-01..MNY-04)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal as D  # noqa: N817

from contracts.orders import MoneyCause
from services.orders.application.payments import (
    AuthorizeRequest,
    MoneyRequest,
    Mover,
    ProviderAnswer,
    ProviderUnavailable,
)
from services.orders.domain import ledger as money
from services.orders.domain.ledger import Instruction, Movement, PaymentLedger
from services.runtime.retry import RetryPolicy

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ORDER = uuid.uuid4()
CARD = uuid.uuid4()
INVOICE = uuid.uuid4()


class FakeProvider:
    """Answers like a provider with idempotency: the same key, the same answer, one movement."""

    name = "fake"

    def __init__(self, *, down_for: int = 0, decline: bool = False) -> None:
        self.down_for = down_for
        self.decline = decline
        self.asked: list[tuple[str, str, D]] = []
        self.moved: dict[str, ProviderAnswer] = {}

    async def _answer(self, kind: str, amount: D, key: str) -> ProviderAnswer:
        self.asked.append((kind, key, amount))
        if self.down_for > 0:
            self.down_for -= 1
            raise ProviderUnavailable("down")
        if key not in self.moved:
            reference = f"{kind}-{len(self.moved)}"
            declined = self.decline and kind == "authorize"
            self.moved[key] = (
                ProviderAnswer("declined", reference, "do not honour")
                if declined
                else ProviderAnswer("succeeded", reference)
            )
        return self.moved[key]

    async def authorize(self, request: AuthorizeRequest, key: str) -> ProviderAnswer:
        return await self._answer("authorize", request.amount, key)

    async def capture(self, authorization: str, amount: D, currency: str, *, final: bool, key: str) -> ProviderAnswer:
        return await self._answer("capture", amount, key)

    async def void(self, authorization: str, amount: D, currency: str, *, whole: bool, key: str) -> ProviderAnswer:
        return await self._answer("void", amount, key)

    async def refund(self, authorization: str, amount: D, currency: str, *, key: str) -> ProviderAnswer:
        return await self._answer("refund", amount, key)


class FakeProviders:
    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider

    def for_method(self, method: str) -> FakeProvider:
        return self.provider

    def named(self, name: str) -> FakeProvider:
        return self.provider


class FakeRepository:
    def __init__(self) -> None:
        self.saved: dict[uuid.UUID, Movement] = {}

    async def load(self, order_id: uuid.UUID, currency: str) -> PaymentLedger:
        return PaymentLedger(order_id, currency, tuple(self.saved.values()))

    async def save(self, order_id: uuid.UUID, currency: str, movement: Movement, message_id: uuid.UUID) -> None:
        self.saved[movement.movement_id] = movement

    async def is_moto(self, payment_id: uuid.UUID) -> bool:
        return True


async def _no_sleep(_: float) -> None:
    return None


def _mover(provider: FakeProvider, repo: FakeRepository | None = None, attempts: int = 3) -> Mover:
    return Mover(repo or FakeRepository(), FakeProviders(provider), RetryPolicy(max_attempts=attempts), _no_sleep)


def _request(message_id: uuid.UUID | None = None, cause: MoneyCause = "change") -> MoneyRequest:
    return MoneyRequest(ORDER, "100001", "USD", message_id or uuid.uuid4(), "test", cause, NOW)


INSTRUCTIONS = {CARD: Instruction(CARD, "card", D("100.00"), "pm_1")}


async def _authorized(provider: FakeProvider, repo: FakeRepository) -> PaymentLedger:
    ledger = PaymentLedger(ORDER, "USD")
    planned = money.plan_authorizations(INSTRUCTIONS.values(), ledger)
    ledger, _ = await _mover(provider, repo).carry_out(ledger, planned, INSTRUCTIONS, _request())
    return ledger


async def test_authorize_capture_per_shipment_then_cancel_voids_the_rest_and_refunds_what_was_taken() -> None:
    provider, repo = FakeProvider(), FakeRepository()
    ledger = await _authorized(provider, repo)
    assert (ledger.totals().authorized, ledger.totals().held) == (D("100.00"), D("100.00"))

    planned = money.plan_capture(D("30.00"), ledger)
    assert [(p.kind, p.amount, p.final) for p in planned] == [("capture", D("30.00"), False)]
    ledger, _ = await _mover(provider, repo).carry_out(ledger, planned, INSTRUCTIONS, _request())
    assert (ledger.totals().held, ledger.totals().paid, ledger.totals().secured) == (D("70.00"), D("30.00"), D("100"))

    planned = money.plan_release(None, ledger)
    assert [(p.kind, p.amount, p.whole) for p in planned] == [
        ("void", D("70.00"), False),
        ("refund", D("30.00"), False),
    ]
    ledger, done = await _mover(provider, repo).carry_out(ledger, planned, INSTRUCTIONS, _request(cause="cancel"))
    assert money.released(done) == D("100.00")
    assert [m.cause for m in done] == ["cancel", "cancel"]  # kept with each movement, for its event
    t = ledger.totals()
    assert (t.authorized, t.captured, t.voided, t.refunded, t.secured) == (D("100"), D("30"), D("70"), D("30"), D(0))


async def test_a_change_lowers_what_is_due_against_the_ledger_and_the_cancel_gives_back_the_rest() -> None:
    """The issue's case: the change's promise and the cancel's answer add up to what was secured."""
    provider, repo = FakeProvider(), FakeRepository()
    ledger = await _authorized(provider, repo)
    due = money.amount_due(D("80.00"), ledger)
    assert due == D("-20.00")
    ledger, done = await _mover(provider, repo).carry_out(
        ledger, money.plan_release(-due, ledger), INSTRUCTIONS, _request()
    )
    assert money.released(done) == D("20.00")
    _, done = await _mover(provider, repo).carry_out(ledger, money.plan_release(None, ledger), INSTRUCTIONS, _request())
    assert money.released(done) == D("80.00")


def test_nothing_authorized_secures_nothing() -> None:
    assert money.amount_due(D("80.00"), PaymentLedger(ORDER, "USD")) == D("80.00")


async def test_a_redelivered_message_asks_with_the_same_key_and_moves_the_money_once() -> None:
    provider = FakeProvider()
    message = uuid.uuid4()
    for _ in range(2):  # the first transaction rolled back after the provider answered: nothing kept
        repo = FakeRepository()
        ledger = PaymentLedger(ORDER, "USD")
        planned = money.plan_authorizations(INSTRUCTIONS.values(), ledger)
        ledger, _ = await _mover(provider, repo).carry_out(ledger, planned, INSTRUCTIONS, _request(message))
    keys = [key for _, key, _ in provider.asked]
    assert len(keys) == 2 and keys[0] == keys[1] and len(provider.moved) == 1
    assert ledger.totals().authorized == D("100.00")


async def test_a_provider_down_is_asked_again_with_the_same_key_then_the_movement_waits() -> None:
    provider, repo = FakeProvider(down_for=5), FakeRepository()
    ledger = await _authorized(provider, repo)
    [pending] = ledger.pending
    assert (pending.status, pending.attempts, ledger.totals().authorized, ledger.awaiting) == (
        "pending",
        3,
        D(0),
        D("100"),
    )
    assert {key for _, key, _ in provider.asked} == {pending.idempotency_key}

    provider.down_for = 0
    answered = await _mover(provider, repo).retry(pending, INSTRUCTIONS[CARD], _request())
    assert (answered.status, answered.attempts, answered.idempotency_key) == ("succeeded", 4, pending.idempotency_key)
    assert ledger.recorded(answered).totals().held == D("100.00")


async def test_a_decline_is_recorded_and_counts_for_nothing() -> None:
    provider, repo = FakeProvider(decline=True), FakeRepository()
    ledger = await _authorized(provider, repo)
    [declined] = ledger.movements
    assert (declined.status, declined.decline_reason, ledger.totals().secured) == ("declined", "do not honour", D(0))
    assert money.plan_authorizations(INSTRUCTIONS.values(), ledger) == []  # not asked again


async def test_a_return_refunds_what_was_paid_and_leaves_what_is_held() -> None:
    provider, repo = FakeProvider(), FakeRepository()
    ledger = await _authorized(provider, repo)
    ledger, _ = await _mover(provider, repo).carry_out(
        ledger, money.plan_capture(D("60.00"), ledger), INSTRUCTIONS, _request()
    )
    planned = money.plan_refund(D("25.00"), ledger)
    assert [(p.kind, p.amount) for p in planned] == [("refund", D("25.00"))]
    ledger, _ = await _mover(provider, repo).carry_out(ledger, planned, INSTRUCTIONS, _request())
    assert (ledger.totals().held, ledger.totals().paid) == (D("40.00"), D("35.00"))


def test_the_last_shipment_captures_everything_held_as_final() -> None:
    auth = Movement(uuid.uuid4(), CARD, "authorize", D("50.00"), "r", "shipment", "k", "fake", "succeeded", NOW, "pi_1")
    ledger = PaymentLedger(ORDER, "USD", (auth,))
    [capture] = money.plan_capture(D("10.00"), ledger, everything=True)
    assert (capture.amount, capture.final, capture.authorization) == (D("50.00"), True, "pi_1")


async def test_a_return_received_while_its_capture_waits_for_the_provider_is_refunded_after_it() -> None:
    """Found by the faults suite: the provider away as the order shipped (capture pending), the
    return received meanwhile planned its refund from what was taken, nothing yet: lost. Now the
    pending capture counts, and the refund waits, unasked, until the capture is answered."""
    provider, repo = FakeProvider(), FakeRepository()
    ledger = await _authorized(provider, repo)
    provider.down_for = 3
    ledger, _ = await _mover(provider, repo).carry_out(
        ledger, money.plan_capture(D("100.00"), ledger, everything=True), INSTRUCTIONS, _request()
    )
    [capture] = ledger.pending
    assert ledger.capturing(capture.authorization) == D("100.00")

    asked = len(provider.asked)
    planned = money.plan_refund(D("25.00"), ledger)
    assert [(p.kind, p.amount) for p in planned] == [("refund", D("25.00"))]
    ledger, [refund] = await _mover(provider, repo).carry_out(ledger, planned, INSTRUCTIONS, _request())
    assert (refund.status, refund.attempts, len(provider.asked)) == ("pending", 0, asked)  # not asked yet

    captured = await _mover(provider, repo).retry(capture, None, _request())
    ledger = ledger.recorded(captured)
    refunded = await _mover(provider, repo).retry(refund, None, _request())
    ledger = ledger.recorded(refunded)
    assert (ledger.totals().captured, ledger.totals().refunded, ledger.pending) == (D("100.00"), D("25.00"), [])
