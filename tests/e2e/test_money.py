"""Money after the sale (MNY-01..MNY-04) through Kafka, PostgreSQL and stripe-mock: the orders
service's payment ledger is asserted on, and what the provider was asked is read from a recording
proxy in front of stripe-mock (which keeps no state of its own)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest

from contracts.envelope import Role
from contracts.orders import (
    CancelOrderV1,
    CancelResult,
    ChangeOrderResult,
    ChangeOrderV1,
    CreateReturnV1,
    LineQuantityChange,
    ReceiveReturnV1,
    ReturnLineInput,
    ReturnResult,
    SubmitOrderV1,
    SubmitResult,
)
from csr.client import OmsClient
from tests.support.orders import CARDS, accepted, add_product, event_of, ready_cart, ship, submitted, view
from tests.support.stripe_recorder import StripeRecorder, ledger, orders_through_recorder
from tests.support.system import System, eventually

D = Decimal
QUICK_RETRIES = {"OMS_PAYMENT_RETRY_BASE_S": "0.05", "OMS_PAYMENT_RETRY_MAX_S": "0.5"}


@pytest.fixture(scope="module")
def stripe(system: System) -> Iterator[StripeRecorder]:
    """The run's orders service, restarted to reach stripe-mock through the recorder."""
    yield from orders_through_recorder(system, QUICK_RETRIES)


@pytest.fixture(scope="module")
async def warehouse(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("warehouse-money", Role.SYSTEM) as client:
        yield client


def keys(rows: list[dict[str, Any]], kind: str) -> set[str]:
    return {r["idempotency_key"] for r in rows if r["kind"] == kind}


def amounts(rows: list[dict[str, Any]], kind: str) -> list[Decimal]:
    return [D(r["amount"]).quantize(D("0.01")) for r in rows if r["kind"] == kind and r["status"] == "succeeded"]


@pytest.mark.capability("MNY-01", "MNY-02")
async def test_a_card_a_csr_types_is_tokenized_then_authorized_at_submit_as_a_mail_telephone_order(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="40.00", on_hand=10)
    order_id = await ready_cart(csr, [(sku, 2)])
    [tokenized] = [r for r in stripe.requests if r.path == "/v1/payment_methods" and r.params.get("card[exp_year]")][
        -1:
    ]
    [payment] = (await view(csr, order_id)).order.payments
    assert payment.token is not None and payment.token.startswith("pm_") and payment.last4 == CARDS["visa"][-4:]

    placed = SubmitResult.model_validate(accepted(await csr.send(SubmitOrderV1(order_id=order_id))))

    # 2 x 40.00 = 80.00 + shipping 6.95 + 2 x 0.50 = 7.95 + Illinois 6.25% tax 5.00 = 92.95
    assert placed.total == D("92.95") and placed.holds == []
    rows = await ledger(system, order_id)
    assert [(r["kind"], r["status"], r["provider"]) for r in rows] == [("authorize", "succeeded", "stripe")]
    assert amounts(rows, "authorize") == [D("92.95")]
    [asked] = stripe.about(order_id)
    assert (asked.method, asked.path, asked.idempotency_key) == (
        "POST",
        "/v1/payment_intents",
        rows[0]["idempotency_key"],
    )
    assert asked.params["amount"] == "9295" and asked.params["currency"] == "usd"
    assert asked.params["capture_method"] == "manual" and asked.params["confirm"] == "true"
    assert asked.params["payment_method"] == payment.token
    assert asked.params["payment_method_options[card][moto]"] == "true"  # typed by a CSR for a caller
    assert tokenized.idempotency_key and tokenized.params["card[number]"] == CARDS["visa"]
    order = (await view(csr, order_id)).order
    assert [(p.status, p.result_reference) for p in order.payments] == [("authorized", rows[0]["authorization_ref"])]
    event = await event_of(system, "PaymentMovement", order_id)
    assert (event["kind"], event["status"], event["amount"], event["provider"]) == (
        "authorize",
        "succeeded",
        "92.95",
        "stripe",
    )
    assert event["ledger"]["held"] == "92.95" and event["idempotency_key"] == rows[0]["idempotency_key"]


@pytest.mark.capability("MNY-03")
async def test_each_shipment_captures_its_part_and_the_last_captures_the_rest(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, warehouse: OmsClient
) -> None:
    tent = await add_product(feed, usd="100.00", on_hand=10)
    pad = await add_product(feed, usd="10.00", on_hand=10)
    order_id, placed = await submitted(csr, [(tent, 1), (pad, 2)])
    # 120.00 ships at 6.95 + 3 x 0.50 = 8.45; tax 6.25% of 120.00 = 7.50: 135.95
    assert placed.total == D("135.95")
    await event_of(system, "OrderReleased", order_id)

    accepted(await ship(warehouse, order_id, [(1, 1)]))
    rows = await ledger(system, order_id)
    # the tent's line: 100.00 + its tax 6.25
    assert amounts(rows, "capture") == [D("106.25")]
    accepted(await ship(warehouse, order_id, [(2, 2)]))
    rows = await ledger(system, order_id)
    assert amounts(rows, "capture") == [D("106.25"), D("29.70")]  # the pads, shipping and the rest of the tax

    captures = stripe.keyed(keys(rows, "capture"))
    assert [
        (r.path.endswith("/capture"), r.params["amount_to_capture"], r.params["final_capture"]) for r in captures
    ] == [
        (True, "10625", "false"),
        (True, "2970", "true"),
    ]
    authorization = rows[0]["authorization_ref"]
    assert all(r.path == f"/v1/payment_intents/{authorization}/capture" for r in captures)


@pytest.mark.capability("MNY-02", "MNY-04")
async def test_a_change_then_a_cancel_give_back_exactly_what_they_promised(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient
) -> None:
    """The issue's case: a change promised to give back part, then the cancel said 0.00. Now both
    answers come from the ledger, and they add up to what was authorized."""
    lamp = await add_product(feed, usd="50.00", on_hand=10)
    order_id, placed = await submitted(csr, [(lamp, 2)])
    assert placed.total == D("114.20")

    smaller = ChangeOrderResult.model_validate(
        accepted(
            await csr.send(
                ChangeOrderV1(order_id=order_id, change_lines=[LineQuantityChange(line_no=1, quantity=1)], reason="one")
            )
        )
    )
    assert smaller.amount_due == smaller.total - placed.total < 0
    rows = await ledger(system, order_id)
    assert amounts(rows, "void") == [-smaller.amount_due]  # the promise, kept: released from the authorization

    bigger = ChangeOrderResult.model_validate(
        accepted(
            await csr.send(
                ChangeOrderV1(order_id=order_id, change_lines=[LineQuantityChange(line_no=1, quantity=3)], reason="3")
            )
        )
    )
    assert bigger.amount_due == bigger.total - smaller.total and bigger.amount_due > 0
    rows = await ledger(system, order_id)
    assert amounts(rows, "authorize") == [placed.total, bigger.amount_due]  # asked for the difference
    [further] = [r for r in stripe.about(order_id) if r.idempotency_key in keys(rows, "authorize")][1:]
    assert further.params["amount"] == str(int(bigger.amount_due * 100))

    cancelled = CancelResult.model_validate(accepted(await csr.send(CancelOrderV1(order_id=order_id, reason="no"))))
    rows = await ledger(system, order_id)
    assert cancelled.refund_amount == bigger.total == sum(amounts(rows, "authorize")) + smaller.amount_due
    assert sum(amounts(rows, "void")) == sum(amounts(rows, "authorize"))  # nothing held is left
    # The change's partial release asked nothing of Stripe (the final capture would release it);
    # the cancel cancels both intents whole.
    voids = stripe.keyed(keys(rows, "void"))
    assert len(voids) == 2 and all(r.path.endswith("/cancel") for r in voids)


@pytest.mark.capability("MNY-04")
async def test_a_received_return_is_refunded_to_the_card_that_paid(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, warehouse: OmsClient
) -> None:
    tent = await add_product(feed, usd="100.00", on_hand=10)
    order_id, _ = await submitted(csr, [(tent, 2)])
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(warehouse, order_id, [(1, 2)]))
    created = ReturnResult.model_validate(
        accepted(
            await csr.send(
                CreateReturnV1(order_id=order_id, lines=[ReturnLineInput(line_no=1, quantity=1, reason="damaged")])
            )
        )
    )
    assert created.refund_amount == D("106.25")
    assert amounts(await ledger(system, order_id), "refund") == []  # nothing before the units are back

    accepted(await warehouse.send(ReceiveReturnV1(return_id=created.return_id)))
    rows = await ledger(system, order_id)
    assert amounts(rows, "refund") == [D("106.25")]
    [refund] = stripe.keyed(keys(rows, "refund"))
    assert (refund.path, refund.params["amount"]) == ("/v1/refunds", "10625")
    assert refund.params["payment_intent"] == rows[0]["authorization_ref"]


@pytest.mark.capability("MNY-01")
async def test_a_redelivered_submit_charges_once(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="25.00", on_hand=10)
    order_id = await ready_cart(csr, [(sku, 1)])
    command = SubmitOrderV1(order_id=order_id)
    message_id = uuid.uuid4()
    first = accepted(await csr.send(command, message_id=message_id))
    second = accepted(await csr.send(command, message_id=message_id))
    assert first == second
    rows = await ledger(system, order_id)
    assert len(amounts(rows, "authorize")) == 1 and len(stripe.about(order_id)) == 1


@pytest.mark.capability("MNY-01")
async def test_a_crash_between_the_providers_answer_and_our_commit_asks_again_with_the_same_key(
    system: System, stripe: StripeRecorder, feed: OmsClient
) -> None:
    """The orders service dies right after stripe-mock answered the authorization and before the
    transaction committed; redelivered, the submit asks again with the same idempotency key (Stripe
    answers the first result again), and the ledger holds one authorization."""
    sku = await add_product(feed, usd="30.00", on_hand=10)
    async with system.client("csr-alice", Role.CSR, timeout=180) as patient:
        order_id = await ready_cart(patient, [(sku, 1)])
        orders = system.services["orders"]
        stripe.after_forward = lambda r: orders.kill() if r.params.get("metadata[order_id]") == str(order_id) else None
        submit = asyncio.create_task(patient.send(SubmitOrderV1(order_id=order_id)))

        async def died() -> bool:
            return not orders.running()

        await eventually(died, timeout=60)
        stripe.after_forward = None
        await asyncio.to_thread(system.restart, "orders", {"OMS_STRIPE_API_BASE": stripe.url, **QUICK_RETRIES})
        placed = SubmitResult.model_validate(accepted(await submit))
    asked = stripe.about(order_id)
    rows = await ledger(system, order_id)
    assert len(asked) == 2 and asked[0].idempotency_key == asked[1].idempotency_key == rows[0]["idempotency_key"]
    assert amounts(rows, "authorize") == [placed.total]


@pytest.mark.capability("MNY-01")
async def test_a_provider_down_leaves_the_order_waiting_on_payment_pending_until_it_answers(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="20.00", on_hand=10)
    order_id = await ready_cart(csr, [(sku, 1)])
    stripe.down = True
    try:
        placed = SubmitResult.model_validate(accepted(await csr.send(SubmitOrderV1(order_id=order_id))))
        assert "payment_pending" in placed.holds
        order = (await view(csr, order_id)).order
        assert [a.rule for a in order.alerts if not a.cleared] == ["payment_pending"] and not order.released
        [pending] = await ledger(system, order_id)
        assert pending["status"] == "pending"
    finally:
        stripe.down = False

    async def answered() -> bool:
        rows = await ledger(system, order_id)
        return [r["status"] for r in rows] == ["succeeded"]

    await eventually(answered, timeout=60)
    asked = stripe.about(order_id)
    assert len(asked) >= 3 and {r.idempotency_key for r in asked} == {pending["idempotency_key"]}
    assert [r.status for r in asked][-1] == 200 and all(r.status == 503 for r in asked[:-1])
    order = (await view(csr, order_id)).order
    assert order.holds == [] and [p.status for p in order.payments] == ["authorized"]
    assert [a.cleared_by for a in order.alerts if a.rule == "payment_pending"] == ["system"]
    await event_of(system, "OrderReleased", order_id)


@pytest.mark.capability("MNY-01", "MNY-02")
async def test_an_authorization_answered_after_the_order_was_cancelled_is_voided_at_once(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="15.00", on_hand=10)
    order_id = await ready_cart(csr, [(sku, 1)])
    stripe.down = True
    try:
        accepted(await csr.send(SubmitOrderV1(order_id=order_id)))
        # Nothing secured yet, so the cancel gives nothing back and promises nothing.
        cancelled = CancelResult.model_validate(accepted(await csr.send(CancelOrderV1(order_id=order_id, reason="x"))))
        assert cancelled.refund_amount == D("0.00")
    finally:
        stripe.down = False

    async def settled() -> list[tuple[str, str]]:
        rows = await ledger(system, order_id)
        found = [(r["kind"], r["status"]) for r in rows]
        return found if found == [("authorize", "succeeded"), ("void", "succeeded")] else []

    await eventually(settled, timeout=60)
    rows = await ledger(system, order_id)
    assert amounts(rows, "authorize") == amounts(rows, "void")
    [cancel] = stripe.keyed(keys(rows, "void"))
    assert cancel.path == f"/v1/payment_intents/{rows[0]['authorization_ref']}/cancel"
    order = (await view(csr, order_id)).order
    assert order.status == "cancelled" and order.holds == []
