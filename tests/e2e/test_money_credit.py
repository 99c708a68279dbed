"""Appeasements and store credit (MNY-07, MNY-08) through Kafka, PostgreSQL, stripe-mock (behind a
recording proxy) and the SMTP sink: goodwill to the card or as store credit, the CSR limit and the
supervisor, store credit redeemed at submit next to a card and given back on cancel, the balance
answered by a query, the customer's e-mail in Japanese; every refusal changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.common import Money
from contracts.envelope import Role
from contracts.orders import (
    AddPaymentInstructionV1,
    CancelOrderV1,
    GetStoreCreditV1,
    GrantAppeasementV1,
    IssueStoreCreditV1,
    OrderErrors,
    StoreCreditPaymentInput,
    StoreCreditView,
    SubmitOrderV1,
    SubmitResult,
)
from csr.client import OmsClient
from tests.support.notifications import known_customer, subject_has, text_of, wait_mail
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    event_of,
    new_cart,
    pay_by_card,
    rejected,
    send_with,
    ship,
    ship_and_bill,
    submitted,
    view,
)
from tests.support.stripe_recorder import StripeRecorder, orders_through_recorder
from tests.support.stripe_recorder import ledger as movements
from tests.support.system import System, first_event

D = Decimal


@pytest.fixture(scope="module")
def stripe(system: System) -> Iterator[StripeRecorder]:
    """The run's orders service, restarted to reach stripe-mock through the recorder."""
    yield from orders_through_recorder(system)


@pytest.fixture(scope="module")
async def warehouse(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("warehouse-credit", Role.SYSTEM) as client:
        yield client


async def ledger(system: System, order_id: uuid.UUID) -> list[dict[str, Any]]:
    return [r | {"amount": D(r["amount"]).quantize(D("0.01"))} for r in await movements(system, order_id)]


async def balance(client: OmsClient, customer_id: uuid.UUID, currency: str = "USD") -> Decimal:
    seen = await client.request(GetStoreCreditV1(customer_id=customer_id, currency=currency), StoreCreditView)
    return next((b.balance for b in seen.balances if b.currency == currency), D("0.00"))


def appease(order_id: uuid.UUID, amount: str, payout: str, reason: str = "late_delivery", **kw: Any) -> Any:
    return GrantAppeasementV1(
        order_id=order_id, amount=Money(amount=D(amount), currency="USD"), reason=reason, payout=payout, **kw
    )


async def unchanged(system: System, order_id: uuid.UUID) -> tuple[Any, ...]:
    """What a refused grant must leave as it was: the order's versions, its ledger, the appeasements
    and the store credit movements of its customer."""
    versions = await system.fetch("orders", "SELECT count(*) AS n FROM order_versions WHERE order_id = $1", order_id)
    granted = await system.fetch("orders", "SELECT count(*) AS n FROM appeasements WHERE order_id = $1", order_id)
    credit = await system.fetch(
        "orders", "SELECT count(*) AS n FROM store_credit_movements WHERE order_id = $1", order_id
    )
    return versions[0]["n"], granted[0]["n"], credit[0]["n"], tuple(map(str, await ledger(system, order_id)))


@pytest.mark.capability("MNY-07", "MNY-04")
async def test_goodwill_to_the_card_is_refunded_through_stripe_with_the_csr_limit_and_the_supervisor(
    system: System,
    stripe: StripeRecorder,
    feed: OmsClient,
    csr: OmsClient,
    supervisor: OmsClient,
    warehouse: OmsClient,
) -> None:
    tent = await add_product(feed, usd="100.00", on_hand=10)
    order_id, placed = await submitted(csr, [(tent, 1)])
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(warehouse, order_id, [(1, 1)]))  # the whole order shipped: all of it captured
    before = await unchanged(system, order_id)

    rejected(await csr.send(appease(order_id, "50.01", "card")), OrderErrors.SUPERVISOR_REQUIRED)
    rejected(await supervisor.send(appease(order_id, "500.00", "card")), OrderErrors.EXCEEDS_PAID)
    no_note = await send_with(csr, appease(order_id, "5.00", "card", reason="other", note="x"), note=None)
    rejected(no_note, errors.INVALID)  # 'other' needs a note
    unknown = await send_with(csr, appease(order_id, "5.00", "card"), reason="felt_like_it")
    rejected(unknown, errors.INVALID, "payload.reason")  # not one of the documented codes
    wrong = GrantAppeasementV1(
        order_id=order_id, amount=Money(amount=D("5"), currency="EUR"), reason="price_match", payout="card"
    )
    rejected(await csr.send(wrong), OrderErrors.CURRENCY_MISMATCH)
    assert await unchanged(system, order_id) == before  # every refusal changed nothing

    granted = accepted(await csr.send(appease(order_id, "20.00", "card")))
    assert (D(granted["refunded"]), granted["payout"]) == (D("20.00"), "card")
    big = accepted(await supervisor.send(appease(order_id, "60.00", "card", reason="damaged_item")))
    assert D(big["refunded"]) == D("60.00")

    refunds = [r for r in await ledger(system, order_id) if r["kind"] == "refund"]
    assert [(r["amount"], r["provider"], r["status"]) for r in refunds] == [
        (D("20.00"), "stripe", "succeeded"),
        (D("60.00"), "stripe", "succeeded"),
    ]
    asked = stripe.keyed({r["idempotency_key"] for r in refunds})
    assert [(r.path, r.params["amount"]) for r in asked] == [("/v1/refunds", "2000"), ("/v1/refunds", "6000")]
    # What is left to refund is what was captured and not given back.
    left = placed.total - D("80.00")
    rejected(await supervisor.send(appease(order_id, str(left + D("0.01")), "card")), OrderErrors.EXCEEDS_PAID)

    event = await event_of(system, "AppeasementGranted", order_id, lambda p: p["reason"] == "damaged_item")
    assert (event["granted_by"], event["granted_role"], event["amount"]) == ("sup-sam", "supervisor", "60.00")
    order = (await view(csr, order_id)).order
    assert order.totals.total == placed.total  # goodwill is money back, not a change of what was bought
    rows = await system.fetch(
        "orders",
        "SELECT changed_by, reason FROM order_versions WHERE order_id = $1 AND change = 'appeasement_granted'"
        " ORDER BY version",
        order_id,
    )
    assert [r["changed_by"] for r in rows] == ["csr-alice", "sup-sam"]  # the verified actors, in its history
    assert "late_delivery" in rows[0]["reason"] and "damaged_item" in rows[1]["reason"]


@pytest.mark.capability("MNY-07", "MNY-08", "NTF-02")
async def test_store_credit_from_goodwill_pays_part_of_the_next_order_and_a_cancel_gives_it_back(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    customer = await known_customer(system, csr, preferred_language="ja", first_name="花子", last_name="山田")
    person = {"customer_id": customer.customer_id, "email": customer.email, "language": "ja"}
    lamp = await add_product(feed, usd="40.00", on_hand=10)
    first_id, _ = await submitted(csr, [(lamp, 1)], **person)

    granted = accepted(await csr.send(appease(first_id, "30.00", "store_credit")))
    assert D(granted["store_credit_balance"]) == D("30.00")
    five = Money(amount=D("5"), currency="USD")
    rejected(
        await csr.send(IssueStoreCreditV1(customer_id=customer.customer_id, amount=five, reason="x")), errors.FORBIDDEN
    )
    issued = await supervisor.send(IssueStoreCreditV1(customer_id=customer.customer_id, amount=five, reason="sorry"))
    assert D(accepted(issued)["balance"]) == D("35.00")
    assert await balance(csr, customer.customer_id) == D("35.00")

    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("お詫び"))
    assert mail.subject == f"ご注文 {granted['order_number']} についてのお詫び"
    body = text_of(mail)
    assert "山田 花子 様" in body and "お届けが遅れたため" in body and "ストアクレジット" in body

    # The next order: 25.00 of store credit and the rest by card.
    second_id = await new_cart(csr, **person)
    await add_line(csr, second_id, lamp, 2)
    await ship_and_bill(csr, second_id)
    too_much = AddPaymentInstructionV1(
        order_id=second_id,
        payment=StoreCreditPaymentInput(method="store_credit", amount=Money(amount=D("35.01"), currency="USD")),
    )
    rejected(await csr.send(too_much), OrderErrors.INSUFFICIENT_STORE_CREDIT, "payload.payment.amount")
    part = StoreCreditPaymentInput(method="store_credit", amount=Money(amount=D("25.00"), currency="USD"))
    accepted(await csr.send(AddPaymentInstructionV1(order_id=second_id, payment=part)))
    await pay_by_card(csr, second_id)
    placed = SubmitResult.model_validate(accepted(await csr.send(SubmitOrderV1(order_id=second_id))))
    assert placed.holds == []

    rows = await ledger(system, second_id)
    assert sorted((r["kind"], r["provider"], r["amount"], r["status"]) for r in rows) == [
        ("authorize", "store_credit", D("25.00"), "succeeded"),
        ("authorize", "stripe", placed.total - D("25.00"), "succeeded"),
    ]  # one transaction: the same created_at, so compared as a set
    assert await balance(csr, customer.customer_id) == D("10.00")
    redeemed = await first_event_of_customer(system, "StoreCreditRedeemed", customer.customer_id)
    assert (redeemed["amount"], redeemed["balance"], redeemed["order_id"]) == ("25.00", "10.00", str(second_id))

    cancelled = accepted(await csr.send(CancelOrderV1(order_id=second_id, reason="changed her mind")))
    assert D(cancelled["refund_amount"]) == placed.total  # the card's hold released, the store credit back
    assert await balance(csr, customer.customer_id) == D("35.00")
    movements = (await csr.request(GetStoreCreditV1(customer_id=customer.customer_id), StoreCreditView)).movements
    assert [(m.kind, m.amount) for m in movements][:2] == [("given_back", D("25.00")), ("redeemed", D("25.00"))]


async def first_event_of_customer(system: System, type_: str, customer_id: uuid.UUID) -> dict[str, Any]:
    envelope = await first_event(
        system,
        "orders.events",
        lambda e: e.type == type_ and e.payload.get("customer_id") == str(customer_id),
        timeout=30,
    )
    return envelope.payload
