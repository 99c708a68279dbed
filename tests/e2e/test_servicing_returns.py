"""Returns (SRV-12): a return for shipped lines (quantity and reason per line) is a return order with
its own number, the refund computed (what the customer paid for those units), and the statuses
requested -> received -> refunded. Returns and return orders are found; the customers service keeps
the customer's return history from ReturnCreatedV1 and ReturnUpdatedV1 (CUS-11)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from contracts import errors
from contracts.customers import CustomerHistory, GetCustomerHistoryV1
from contracts.envelope import Role
from contracts.orders import (
    CreateReturnV1,
    FindReturnsV1,
    GetReturnOrderV1,
    OrderErrors,
    ReceiveReturnV1,
    RefundReturnV1,
    ReturnLineInput,
    ReturnOrderView,
    ReturnPage,
    ReturnResult,
)
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.orders import accepted, add_product, event_of, rejected, send_with, ship, submitted, view
from tests.support.system import System, eventually, first_event

D = Decimal


@pytest.fixture(scope="session")
async def warehouse(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("warehouse-3", Role.SYSTEM) as client:
        yield client


def lines(*items: tuple[int, int, str]) -> list[ReturnLineInput]:
    return [ReturnLineInput(line_no=no, quantity=qty, reason=reason) for no, qty, reason in items]


async def create(csr: OmsClient, order_id: uuid.UUID, *items: tuple[int, int, str], **kw: object) -> ReturnResult:
    reply = await csr.send(CreateReturnV1(order_id=order_id, lines=lines(*items), **kw))
    return ReturnResult.model_validate(accepted(reply))


async def find(client: OmsClient, **criteria: object) -> ReturnPage:
    return ReturnPage.model_validate(accepted(await client.send(FindReturnsV1.model_validate(criteria))))


async def shipped_order(
    system: System, csr: OmsClient, warehouse: OmsClient, skus: list[tuple[str, int]], **cart: object
) -> tuple[uuid.UUID, str]:
    order_id, placed = await submitted(csr, skus, **cart)
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(warehouse, order_id, [(i + 1, qty) for i, (_, qty) in enumerate(skus)]))
    return order_id, placed.order_number


@pytest.mark.capability("SRV-12", "CUS-11")
async def test_a_return_of_shipped_units_is_refunded_what_was_paid_for_them_through_its_statuses(
    system: System, feed: OmsClient, warehouse: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    registration = register_customer(csr, first_name="Rita", last_name="Returns")
    customer_id = uuid.UUID(accepted(await csr.send(registration))["customer_id"])
    tent = await add_product(feed, usd="100.00", on_hand=10, name="Ridge 2P tent")
    pad = await add_product(feed, usd="10.00", on_hand=10, name="Foam pad")
    order_id, number = await shipped_order(
        system, csr, warehouse, [(tent, 2), (pad, 3)], customer_id=customer_id, first_name="Rita",
        last_name="Returns", email=str(registration.email),
    )  # fmt: skip
    # 230.00 ships free; the tent line with its Illinois tax: 200.00 + 12.50 = 212.50, 106.25 a tent.
    assert (await view(csr, order_id)).order.lines[0].total == D("212.50")

    first = await create(csr, order_id, (1, 1, "damaged"), note="pole snapped")

    assert (first.status, first.order_number, first.refund_amount) == ("requested", number, D("106.25"))
    assert [(ln.line_no, ln.sku, ln.quantity, ln.reason, ln.unit_price, ln.refund_amount) for ln in first.lines] == [
        (1, tent, 1, "damaged", D("100.00"), D("106.25"))
    ]
    created = await first_event(
        system, "orders.events", lambda e: e.type == "ReturnCreated" and e.payload["return_id"] == str(first.return_id)
    )
    assert (created.payload["return_number"], created.payload["refund_amount"], created.payload["status"]) == (
        first.return_number,
        "106.25",
        "requested",
    )
    details = await view(csr, order_id)
    assert [ln.returned_quantity for ln in details.order.lines] == [1, 0]
    assert [(r.return_number, r.status) for r in details.returns] == [(first.return_number, "requested")]
    assert details.versions[-1].change == "return_created"

    # The return order, whole, by number; and found by order, customer, number and status.
    document = ReturnOrderView.model_validate(
        accepted(await csr.send(GetReturnOrderV1(return_number=first.return_number)))
    )
    assert (document.document_type, document.customer_name, document.note, document.created_by) == (
        "return_order",
        "Rita Returns",
        "pole snapped",
        "csr-alice",
    )
    assert document.ship_from is not None and document.ship_from.address.city == "Springfield"
    for criteria in ({"order_number": number}, {"order_id": order_id}, {"customer_id": customer_id},
                     {"return_number": first.return_number, "status": "requested"}):  # fmt: skip
        assert [r.return_id for r in (await find(csr, **criteria)).items] == [first.return_id], criteria

    # The goods arrive, then the refund is paid (a supervisor by hand here).
    received = ReturnResult.model_validate(
        accepted(await warehouse.send(ReceiveReturnV1(return_id=first.return_id, note="pole broken indeed")))
    )
    assert received.status == "received"
    refunded = ReturnResult.model_validate(
        accepted(await supervisor.send(RefundReturnV1(return_id=first.return_id, reference="RF-1001")))
    )
    assert (refunded.status, refunded.refund_amount) == ("refunded", D("106.25"))
    document = ReturnOrderView.model_validate(accepted(await csr.send(GetReturnOrderV1(return_id=first.return_id))))
    assert [(h.status, h.by) for h in document.history] == [
        ("requested", "csr-alice"),
        ("received", "warehouse-3"),
        ("refunded", "sup-sam"),
    ]
    assert document.refund_reference == "RF-1001"
    updated = await first_event(
        system,
        "orders.events",
        lambda e: e.type == "ReturnUpdated" and e.payload["return_id"] == str(first.return_id)
        and e.payload["status"] == "refunded",
    )  # fmt: skip
    assert (updated.payload["reference"], updated.payload["changed_by"]) == ("RF-1001", "sup-sam")
    assert [r.return_id for r in (await find(csr, order_id=order_id, status="refunded")).items] == [first.return_id]

    # The other tent and two pads: the tent refunds the rest of its line, exactly.
    second = await create(csr, order_id, (1, 1, "no_longer_needed"), (2, 2, "wrong_item"))
    assert second.lines[0].refund_amount == D("106.25")
    pad_line = (await view(csr, order_id)).order.lines[1]
    assert second.lines[1].refund_amount == (pad_line.total * 2 / 3).quantize(D("0.01"))
    assert second.refund_amount == second.lines[0].refund_amount + second.lines[1].refund_amount
    assert [r.return_number for r in (await find(csr, order_id=order_id)).items] == [
        second.return_number,
        first.return_number,
    ]

    # The customer's return history, from the orders service's events.
    async def in_history() -> bool:
        page = CustomerHistory.model_validate(accepted(await csr.send(GetCustomerHistoryV1(customer_id=customer_id))))
        return sorted((r.return_number, r.status, r.refund_amount, r.lines) for r in page.returns) == sorted(
            [
                (first.return_number, "refunded", D("106.25"), 1),
                (second.return_number, "requested", second.refund_amount, 2),
            ]
        )

    await eventually(in_history, timeout=30)


@pytest.mark.capability("SRV-12")
async def test_returns_of_what_was_not_shipped_or_out_of_turn_are_refused_and_change_nothing(
    system: System, feed: OmsClient, warehouse: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    sku = await add_product(feed, usd="20.00", on_hand=10)
    other = await add_product(feed, usd="5.00", on_hand=10)
    order_id, placed = await submitted(csr, [(sku, 2), (other, 1)])
    rejected(
        await csr.send(CreateReturnV1(order_id=order_id, lines=lines((1, 1, "damaged")))), errors.INVALID_STATE
    )  # nothing shipped yet
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(warehouse, order_id, [(1, 2)]))  # line 2 is not shipped
    before = await view(csr, order_id)

    bad = [
        (lines((2, 1, "damaged")), OrderErrors.RETURN_EXCEEDS_SHIPPED, "payload.lines[0].quantity"),
        (lines((1, 3, "damaged")), OrderErrors.RETURN_EXCEEDS_SHIPPED, "payload.lines[0].quantity"),
        (lines((1, 1, "damaged"), (1, 2, "damaged")), OrderErrors.RETURN_EXCEEDS_SHIPPED, "payload.lines[1].quantity"),
        (lines((1, 1, "did_not_like")), OrderErrors.UNKNOWN_RETURN_REASON, "payload.lines[0].reason"),
        (lines((7, 1, "damaged")), errors.NOT_FOUND, "payload.lines[0].line_no"),
    ]
    for wanted, code, field in bad:
        rejected(await csr.send(CreateReturnV1(order_id=order_id, lines=wanted)), code, field)
    rejected(
        await csr.send(CreateReturnV1(order_id=order_id, lines=lines((1, 1, "damaged")), expected_version=1)),
        errors.STALE_VERSION,
    )
    rejected(await send_with(csr, CreateReturnV1(order_id=order_id, lines=lines((1, 1, "damaged"))), lines=[]),
             errors.INVALID)  # fmt: skip
    rejected(await csr.send(CreateReturnV1(order_id=uuid.uuid4(), lines=lines((1, 1, "damaged")))), errors.NOT_FOUND)
    assert await view(csr, order_id) == before
    assert (await find(csr, order_id=order_id)).items == []

    made = await create(csr, order_id, (1, 1, "defective"))
    rejected(
        await csr.send(CreateReturnV1(order_id=order_id, return_id=made.return_id, lines=lines((1, 1, "damaged")))),
        errors.CONFLICT,
        "payload.return_id",
    )
    # Refunded only once received, by a payment system or a supervisor; received once.
    rejected(await supervisor.send(RefundReturnV1(return_id=made.return_id)), errors.INVALID_STATE)
    accepted(await warehouse.send(ReceiveReturnV1(return_id=made.return_id)))
    rejected(await warehouse.send(ReceiveReturnV1(return_id=made.return_id)), errors.INVALID_STATE)
    rejected(await csr.send(RefundReturnV1(return_id=made.return_id)), errors.FORBIDDEN)
    rejected(await supervisor.send(RefundReturnV1(return_id=uuid.uuid4())), errors.NOT_FOUND)
    rejected(await csr.send(GetReturnOrderV1(return_number="99999999999")), errors.NOT_FOUND)
    document = ReturnOrderView.model_validate(accepted(await csr.send(GetReturnOrderV1(return_id=made.return_id))))
    assert (document.status, [h.status for h in document.history]) == ("received", ["requested", "received"])
    assert [r.return_id for r in (await find(csr, order_id=order_id)).items] == [made.return_id]
    assert [ln.returned_quantity for ln in (await view(csr, order_id)).order.lines] == [1, 0]
    assert placed.order_number == document.order_number
