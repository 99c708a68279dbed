"""Cancel an order (SRV-09): status ``cancelled`` (X) with the reason recorded, its stock released,
downstream told (OrderCancelledV1: fulfilment, notifications, customers), while nothing of it has
shipped; refused once anything shipped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from contracts import errors
from contracts.customers import CustomerHistory, GetCustomerHistoryV1
from contracts.envelope import Role
from contracts.orders import CancelOrderV1, CancelResult, LockOrderV1, OrderErrors, RecordPaymentResultV1
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.orders import (
    accepted,
    add_product,
    event_of,
    new_cart,
    rejected,
    send_with,
    ship,
    stock,
    submitted,
    view,
)
from tests.support.system import System, eventually

D = Decimal


@pytest.fixture(scope="session")
async def systems(system: System) -> AsyncIterator[OmsClient]:
    """Payment and fulfilment systems downstream."""
    async with system.client("downstream-1", Role.SYSTEM) as client:
        yield client


@pytest.fixture(scope="session")
async def bob(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("csr-bob", Role.CSR) as client:
        yield client


@pytest.mark.capability("SRV-09", "NTF-01", "CUS-11")
async def test_cancelling_releases_the_stock_refunds_what_was_authorized_and_tells_downstream(
    system: System, feed: OmsClient, systems: OmsClient, csr: OmsClient
) -> None:
    registration = register_customer(csr)
    customer_id = uuid.UUID(accepted(await csr.send(registration))["customer_id"])
    email = str(registration.email)
    sku = await add_product(feed, usd="50.00", on_hand=10)
    order_id, placed = await submitted(csr, [(sku, 3)], customer_id=customer_id, email=email)
    assert await stock(csr, sku) == (10, 3, 7)
    [payment] = (await view(csr, order_id)).order.payments
    authorized = accepted(
        await systems.send(
            RecordPaymentResultV1(order_id=order_id, payment_id=payment.payment_id, outcome="authorized")
        )
    )

    result = CancelResult.model_validate(
        accepted(
            await csr.send(
                CancelOrderV1(
                    order_id=order_id, reason="customer found it cheaper", expected_version=authorized["version"]
                )
            )
        )
    )

    # 3 x 50.00 = 150.00 ships free; Illinois 6.25% = 9.38
    assert (result.status, result.order_number, result.refund_amount, result.released_units) == (
        "cancelled",
        placed.order_number,
        D("159.38"),
        3,
    )
    assert placed.total == D("159.38") and result.version == authorized["version"] + 1
    assert await stock(csr, sku) == (10, 0, 10)
    details = await view(csr, order_id)
    order = details.order
    assert order.status == "cancelled" and [ln.reserved_quantity for ln in order.lines] == [0]
    assert order.cancellation is not None
    assert (order.cancellation.reason, order.cancellation.by) == ("customer found it cheaper", "csr-alice")
    assert (details.versions[-1].change, details.versions[-1].changed_by) == ("cancelled", "csr-alice")
    assert details.lock is None  # nobody works a cancelled order

    event = await event_of(system, "OrderCancelled", order_id)
    assert (event["order_number"], event["reason"], event["refund_amount"], event["version"]) == (
        placed.order_number,
        "customer found it cheaper",
        "159.38",
        result.version,
    )
    mail = await system.mailbox().wait_for_async(
        lambda m: email in m.rcpt_tos and m.subject == f"Your order {placed.order_number} was cancelled", timeout=60
    )
    assert placed.order_number in mail.body(("plain",))

    async def in_history() -> bool:
        page = CustomerHistory.model_validate(accepted(await csr.send(GetCustomerHistoryV1(customer_id=customer_id))))
        return [(o.order_number, o.status) for o in page.orders] == [(placed.order_number, "cancelled")]

    await eventually(in_history, timeout=30)


@pytest.mark.capability("SRV-09", "MNY-04")
async def test_an_order_whose_payment_was_declined_is_cancelled_with_nothing_to_refund(
    feed: OmsClient, channel: OmsClient, csr: OmsClient, systems: OmsClient
) -> None:
    sku = await add_product(feed, usd="10.00", on_hand=5)
    order_id, _ = await submitted(csr, [(sku, 2)])
    [payment] = (await view(csr, order_id)).order.payments
    # The payment system declines what the provider held: the ledger voids it, nothing is secured.
    decline = RecordPaymentResultV1(order_id=order_id, payment_id=payment.payment_id, outcome="declined")
    accepted(await systems.send(decline))
    # A channel (the web shop the customer ordered on) may cancel too.
    result = CancelResult.model_validate(accepted(await channel.send(CancelOrderV1(order_id=order_id, reason="web"))))
    assert (result.status, result.refund_amount, result.released_units) == ("cancelled", D("0.00"), 2)
    assert await stock(csr, sku) == (5, 0, 5)


@pytest.mark.capability("SRV-09", "SRV-06")
async def test_cancel_is_refused_after_a_shipment_in_the_wrong_state_role_or_lock_and_changes_nothing(
    system: System, feed: OmsClient, systems: OmsClient, csr: OmsClient, bob: OmsClient
) -> None:
    sku = await add_product(feed, usd="20.00", on_hand=10)
    order_id, placed = await submitted(csr, [(sku, 3)])
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(systems, order_id, [(1, 1)]))
    before = await view(csr, order_id)
    assert before.order.status == "partially_shipped" and await stock(csr, sku) == (9, 2, 7)

    refused = rejected(await csr.send(CancelOrderV1(order_id=order_id, reason="too late")), OrderErrors.ALREADY_SHIPPED)
    assert refused.message is not None and placed.order_number in refused.message
    assert await view(csr, order_id) == before
    assert await stock(csr, sku) == (9, 2, 7)
    assert [v.change for v in (await view(csr, order_id)).versions][-1] == "shipped"

    # Wrong role, another agent's lock, a stale version, no reason: refused, nothing changed.
    fresh, placed2 = await submitted(csr, [(sku, 1)])
    rejected(await systems.send(CancelOrderV1(order_id=fresh, reason="x")), errors.FORBIDDEN)
    accepted(await bob.send(LockOrderV1(order_id=fresh)))
    rejected(await csr.send(CancelOrderV1(order_id=fresh, reason="x")), errors.LOCKED)
    stale = CancelOrderV1(order_id=fresh, reason="x", expected_version=placed2.version - 1)
    rejected(await bob.send(stale), errors.STALE_VERSION, "payload.expected_version")
    rejected(await send_with(bob, CancelOrderV1(order_id=fresh, reason="x"), reason=""), errors.INVALID)
    rejected(await bob.send(CancelOrderV1(order_id=uuid.uuid4(), reason="x")), errors.NOT_FOUND)
    kept = (await view(csr, fresh)).order
    assert (kept.status, kept.version, kept.cancellation) == ("submitted", placed2.version, None)
    assert await stock(csr, sku) == (9, 3, 6)

    # Cancelled once only; a cart is voided, not cancelled.
    accepted(await bob.send(CancelOrderV1(order_id=fresh, reason="customer request")))
    rejected(await bob.send(CancelOrderV1(order_id=fresh, reason="again")), errors.INVALID_STATE)
    cart = await new_cart(csr)
    rejected(await csr.send(CancelOrderV1(order_id=cart, reason="x")), errors.INVALID_STATE)
    assert (await view(csr, cart)).order.status == "cart"
