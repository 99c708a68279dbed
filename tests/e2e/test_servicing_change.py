"""Change an order after submit (SRV-10): add and remove lines, change quantities and addresses while
nothing of them has shipped. Each change is a new version, priced again (the order's lines keep their
prices, added lines come at today's), its stock reserved again, with the amount to collect (positive)
or refund (negative) stated in the reply, on the order and in OrderChangedV1."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.envelope import Role
from contracts.orders import (
    CancelOrderV1,
    ChangeOrderResult,
    ChangeOrderV1,
    LineQuantityChange,
    OrderErrors,
    OrderLineInput,
    ShipTo,
    SuspendOrderV1,
)
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.orders import (
    accepted,
    add_product,
    address,
    at_version,
    event_of,
    order_events,
    product,
    rejected,
    send_with,
    ship,
    stock,
    submitted,
    view,
)
from tests.support.system import System

D = Decimal


@pytest.fixture(scope="session")
async def fulfil(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("warehouse-2", Role.SYSTEM) as client:
        yield client


async def change(client: OmsClient, order_id: uuid.UUID, **kw: object) -> ChangeOrderResult:
    command = ChangeOrderV1.model_validate({"order_id": order_id, "reason": "customer called", **kw})
    return ChangeOrderResult.model_validate(accepted(await client.send(command)))


@pytest.mark.capability("SRV-10", "NTF-01")
async def test_a_change_after_submit_is_a_new_repriced_version_with_the_amount_to_refund_or_collect(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    registration = register_customer(csr)
    customer_id = uuid.UUID(accepted(await csr.send(registration))["customer_id"])
    email = str(registration.email)
    lamp = await add_product(feed, usd="50.00", on_hand=10, name="Camp lamp")
    stove = await add_product(feed, usd="30.00", on_hand=10, name="Camp stove")
    order_id, placed = await submitted(csr, [(lamp, 2)], customer_id=customer_id, email=email)
    # 2 x 50.00 = 100.00 + shipping 6.95 + 2 x 0.50 = 7.95 + Illinois 6.25% tax 6.25 = 114.20
    assert placed.total == D("114.20")
    accepted(await feed.send(product(lamp, usd="60.00", on_hand=10, name="Camp lamp")))  # dearer now

    # One lamp fewer, a stove more: 50.00 (its price when ordered) + 30.00 = 80.00 + 7.95 + 5.00 = 92.95.
    smaller = await change(
        csr,
        order_id,
        change_lines=[LineQuantityChange(line_no=1, quantity=1)],
        add_lines=[OrderLineInput(sku=stove, quantity=1)],
        expected_version=placed.version,
    )
    assert (smaller.version, smaller.status, smaller.order_number) == (
        placed.version + 1,
        "submitted",
        placed.order_number,
    )
    assert (smaller.previous_total, smaller.total, smaller.amount_due) == (D("114.20"), D("92.95"), D("-21.25"))
    order = (await view(csr, order_id)).order
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.reserved_quantity) for ln in order.lines] == [
        (lamp, 1, D("50.00"), 1),
        (stove, 1, D("30.00"), 1),
    ]
    assert order.last_change is not None and order.last_change.amount_due == D("-21.25")
    assert [p.amount for p in order.payments] == [D("92.95")]
    assert await stock(csr, lamp) == (10, 1, 9) and await stock(csr, stove) == (10, 1, 9)
    event = await event_of(system, "OrderChanged", order_id)
    assert (event["version"], event["total"], event["amount_due"], event["reason"]) == (
        smaller.version,
        "92.95",
        "-21.25",
        "customer called",
    )
    mail = await system.mailbox().wait_for_async(
        lambda m: email in m.rcpt_tos and m.subject == f"Your order {placed.order_number} was changed", timeout=60
    )
    body = mail.body(("plain",))
    assert "Total: $92.95" in body and "To be refunded to you: $21.25" in body and "Camp stove" in body

    # Three lamps, shipped to New York: 150.00 + 30.00 = 180.00 ships free; 4% tax 7.20 = 187.20.
    ny = address(city="New York", region="NY", postal_code="10001")
    bigger = await change(
        csr,
        order_id,
        change_lines=[LineQuantityChange(line_no=1, quantity=3)],
        ship_to=ShipTo(address=ny, shipping_mode="standard"),
        billing_address=ny,
    )
    assert (bigger.previous_total, bigger.total, bigger.amount_due) == (D("92.95"), D("187.20"), D("94.25"))
    assert bigger.alerts == [] and bigger.holds == []
    assert await stock(csr, lamp) == (10, 3, 7)
    released = await order_events(system, order_id, at_version("OrderReleased", bigger.version))
    last = released[-1].payload
    assert last["ship_to"]["address"]["city"] == "New York" and [ln["quantity"] for ln in last["lines"]] == [3, 1]

    # Remove the stove: 150.00 ships free, 6.00 tax: 156.00, 31.20 to refund.
    without = await change(csr, order_id, remove_lines=[2])
    assert (without.total, without.amount_due) == (D("156.00"), D("-31.20"))
    assert await stock(csr, stove) == (10, 0, 10)
    details = await view(csr, order_id)
    assert [v.change for v in details.versions][-3:] == ["changed", "changed", "changed"]
    assert [ln.sku for ln in details.order.lines] == [lamp]


@pytest.mark.capability("SRV-10")
async def test_changes_that_touch_shipped_lines_or_make_no_sense_are_refused_and_change_nothing(
    system: System, feed: OmsClient, fulfil: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="10.00", on_hand=20)
    other = await add_product(feed, usd="5.00", on_hand=20)
    order_id, _ = await submitted(csr, [(sku, 2), (other, 1)])
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(fulfil, order_id, [(1, 1)]))
    before = await view(csr, order_id)
    stocks = (await stock(csr, sku), await stock(csr, other))

    bad: list[tuple[dict[str, Any], str]] = [
        ({"change_lines": [LineQuantityChange(line_no=1, quantity=5)]}, OrderErrors.ALREADY_SHIPPED),
        ({"remove_lines": [1]}, OrderErrors.ALREADY_SHIPPED),
        ({"ship_to": ShipTo(address=address(city="Chicago"), shipping_mode="standard")}, OrderErrors.ALREADY_SHIPPED),
        ({"change_lines": [LineQuantityChange(line_no=9, quantity=1)]}, errors.NOT_FOUND),
        ({"add_lines": [OrderLineInput(sku="NO-SUCH-SKU-1", quantity=1)]}, OrderErrors.UNKNOWN_SKU),
        ({"expected_version": before.order.version - 1, "remove_lines": [2]}, errors.STALE_VERSION),
    ]
    for fields, code in bad:
        command = ChangeOrderV1.model_validate({"order_id": order_id, "reason": "x", **fields})
        rejected(await csr.send(command), code)
    # Nothing to change, and no reason: refused as invalid before any rule runs.
    rejected(await send_with(csr, ChangeOrderV1(order_id=order_id, remove_lines=[2], reason="x"), remove_lines=[]),
             errors.INVALID)  # fmt: skip
    rejected(await send_with(csr, ChangeOrderV1(order_id=order_id, remove_lines=[2], reason="x"), reason=""),
             errors.INVALID)  # fmt: skip
    assert await view(csr, order_id) == before
    assert (await stock(csr, sku), await stock(csr, other)) == stocks

    # The unshipped line may still change.
    assert (await change(csr, order_id, change_lines=[LineQuantityChange(line_no=2, quantity=2)])).status == (
        "partially_shipped"
    )

    # A suspended order is resumed first; a cancelled or shipped one is not changed.
    suspended, _ = await submitted(csr, [(sku, 1)])
    accepted(await csr.send(SuspendOrderV1(order_id=suspended, reason="checking")))
    kept = await view(csr, suspended)
    rejected(
        await csr.send(ChangeOrderV1(order_id=suspended, change_lines=[LineQuantityChange(line_no=1, quantity=2)],
                                     reason="x")),
        errors.INVALID_STATE,
    )  # fmt: skip
    assert await view(csr, suspended) == kept

    cancelled, _ = await submitted(csr, [(sku, 1)])
    accepted(await csr.send(CancelOrderV1(order_id=cancelled, reason="customer request")))
    rejected(
        await csr.send(ChangeOrderV1(order_id=cancelled, change_lines=[LineQuantityChange(line_no=1, quantity=2)],
                                     reason="x")),
        errors.INVALID_STATE,
    )  # fmt: skip

    shipped, _ = await submitted(csr, [(sku, 1)])
    await event_of(system, "OrderReleased", shipped)
    accepted(await ship(fulfil, shipped, [(1, 1)]))
    refused = rejected(
        await csr.send(ChangeOrderV1(order_id=shipped, add_lines=[OrderLineInput(sku=other, quantity=1)], reason="x")),
        OrderErrors.ALREADY_SHIPPED,
    )
    assert refused.message is not None and "CreateReturnV1" in refused.message
    assert (await view(csr, shipped)).order.status == "shipped"
