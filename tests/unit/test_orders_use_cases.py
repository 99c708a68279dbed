"""The orders use cases against a unit of work in memory: submit, cancel, block and unblock, change
after submit, a shipment and a return. Fast, and each fails when the use case skips a step (a reservation, an event, a lock,
a refusal) that the end-to-end tests prove through Kafka and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from contracts import errors
from contracts.envelope import Actor, Role
from contracts.errors import Refused
from contracts.orders import (
    BlockOrderV1,
    CancelOrderV1,
    ChangeOrderV1,
    CreateReturnV1,
    LineQuantityChange,
    LockView,
    OrderCancelledV1,
    OrderErrors,
    OrderHeldV1,
    OrderLockChangedV1,
    OrderPlacedV1,
    OrderReleasedV1,
    OrderShippedV1,
    OrderUpdatedV1,
    OrderView,
    PaymentView,
    RecordShipmentV1,
    ReturnLineInput,
    ShipmentLineInput,
    SubmitOrderV1,
    UnblockOrderV1,
)
from services.orders.application.cancel_order import cancel_order
from services.orders.application.change_order import change_order
from services.orders.application.order_controls import block_order, unblock_order
from services.orders.application.return_orders import create_return
from services.orders.application.shipments import record_shipment
from services.orders.application.submit_order import submit_order
from services.orders.domain import order as order_rules
from services.orders.domain.catalog import Product
from tests.support.orders import IL, NOW, line, order
from tests.unit.fake_unit_of_work import FakeUnitOfWork

D = Decimal


def tent(on_hand: int = 10) -> Product:
    return Product(
        sku="TENT",
        name="Trail tent",
        prices={"USD": D("10.00")},
        trackable=False,
        stocked=True,
        backorderable=False,
        active=True,
        on_hand=on_hand,
        reserved=0,
    )


def invoice() -> PaymentView:
    return PaymentView(payment_id=uuid.uuid4(), method="invoice", purchase_order="PO-7", added_by="csr-1", added_at=NOW)


def ready_cart(quantity: int = 2) -> OrderView:
    return order([line(1, "TENT", quantity, "10.00")], billing_address=IL, payments=[invoice()])


async def with_submitted(uow: FakeUnitOfWork, quantity: int = 2) -> OrderView:
    cart = ready_cart(quantity)
    uow.orders.saved[cart.order_id] = cart
    uow.catalog.items["TENT"] = tent()
    await submit_order(uow, SubmitOrderV1(order_id=cart.order_id, expected_version=1))
    uow.emitted.clear()
    return uow.orders.saved[cart.order_id]


async def test_submit_numbers_reserves_and_announces_the_order() -> None:
    uow = FakeUnitOfWork()
    cart = ready_cart()
    uow.orders.saved[cart.order_id] = cart
    uow.catalog.items["TENT"] = tent()

    result = await submit_order(uow, SubmitOrderV1(order_id=cart.order_id, expected_version=1))

    saved = uow.orders.saved[cart.order_id]
    assert result.order_number == order_rules.order_number(100001) == saved.order_number
    assert (saved.status, saved.version, result.status) == ("submitted", 2, "submitted")
    assert uow.orders.reserved[cart.order_id] == [(1, "TENT", 2)]
    placed = uow.events(OrderPlacedV1)
    assert len(placed) == 1 and placed[0].order_number == result.order_number
    assert uow.events(OrderReleasedV1), "a submitted order without holds is released to fulfilment"
    assert uow.payments.causes == ["submit"]  # the cause its money events carry
    # the agent's lock, taken by the submit itself, goes with the call's order
    assert [e.change for e in uow.events(OrderLockChangedV1)] == ["locked", "unlocked"]
    assert cart.order_id not in uow.locks.held


async def test_submit_refuses_a_stale_version_and_keeps_nothing() -> None:
    uow = FakeUnitOfWork()
    cart = ready_cart()
    uow.orders.saved[cart.order_id] = cart
    uow.catalog.items["TENT"] = tent()

    with pytest.raises(Refused) as refused:
        await submit_order(uow, SubmitOrderV1(order_id=cart.order_id, expected_version=5))

    assert refused.value.code == errors.STALE_VERSION
    assert uow.orders.saved[cart.order_id] is cart and not uow.orders.reserved
    assert not uow.events(OrderPlacedV1)


async def test_submit_refuses_more_than_is_in_stock() -> None:
    uow = FakeUnitOfWork()
    cart = ready_cart(quantity=3)
    uow.orders.saved[cart.order_id] = cart
    uow.catalog.items["TENT"] = tent(on_hand=2)

    with pytest.raises(Refused):
        await submit_order(uow, SubmitOrderV1(order_id=cart.order_id))

    assert uow.orders.saved[cart.order_id].status == "cart" and not uow.orders.reserved


async def test_cancel_gives_the_stock_back_tells_fulfilment_and_drops_the_lock() -> None:
    uow = FakeUnitOfWork()
    submitted = await with_submitted(uow)
    assert submitted.order_number is not None

    result = await cancel_order(uow, CancelOrderV1(order_id=submitted.order_id, reason="customer changed mind"))

    saved = uow.orders.saved[submitted.order_id]
    assert (saved.status, result.status, result.released_units) == ("cancelled", "cancelled", 2)
    assert submitted.order_id not in uow.orders.reserved
    cancelled = uow.events(OrderCancelledV1)
    assert len(cancelled) == 1 and cancelled[0].reason == "customer changed mind"
    assert result.refund_amount == D(0)  # an invoice authorizes nothing to refund
    assert submitted.order_id not in uow.locks.held
    assert uow.payments.causes[-1] == "cancel"


async def test_cancel_refuses_what_is_already_cancelled() -> None:
    uow = FakeUnitOfWork()
    submitted = await with_submitted(uow)
    await cancel_order(uow, CancelOrderV1(order_id=submitted.order_id, reason="first"))

    with pytest.raises(Refused) as refused:
        await cancel_order(uow, CancelOrderV1(order_id=submitted.order_id, reason="again"))

    assert refused.value.code == errors.INVALID_STATE


async def test_cancel_refuses_while_another_agent_works_the_order() -> None:
    uow = FakeUnitOfWork()
    submitted = await with_submitted(uow)
    other = LockView(
        order_id=submitted.order_id,
        agent_id="csr-2",
        role="csr",
        acquired_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )
    uow.locks.held[submitted.order_id] = other

    with pytest.raises(Refused) as refused:
        await cancel_order(uow, CancelOrderV1(order_id=submitted.order_id, reason="too late"))

    assert refused.value.code == errors.LOCKED
    assert uow.orders.saved[submitted.order_id].status == "submitted"


async def test_a_block_holds_the_order_and_the_supervisors_unblock_releases_it() -> None:
    uow = FakeUnitOfWork()
    submitted = await with_submitted(uow)

    blocked = await block_order(uow, BlockOrderV1(order_id=submitted.order_id, reason="fraud", note="odd address"))

    assert "blocked" in blocked.holds
    assert [e.holds for e in uow.events(OrderHeldV1)] == [["blocked"]]

    uow.emitted.clear()
    supervisor = FakeUnitOfWork(actor=Actor(agent_id="csr-1", role=Role.SUPERVISOR), orders=uow.orders)
    unblocked = await unblock_order(supervisor, UnblockOrderV1(order_id=submitted.order_id, note="verified"))

    assert unblocked.holds == [] and supervisor.orders.saved[submitted.order_id].block is None
    assert supervisor.events(OrderReleasedV1)
    assert [v[2] for v in uow.orders.versions[-2:]] == ["blocked", "unblocked"]


async def test_unblocking_an_order_that_is_not_blocked_is_refused() -> None:
    uow = FakeUnitOfWork()
    submitted = await with_submitted(uow)

    with pytest.raises(Refused) as refused:
        await unblock_order(uow, UnblockOrderV1(order_id=submitted.order_id, note="nothing"))

    assert refused.value.code == errors.INVALID_STATE


async def test_a_change_after_submit_reserves_again_and_tells_what_is_due() -> None:
    uow = FakeUnitOfWork()
    submitted = await with_submitted(uow, quantity=2)
    before = submitted.totals.total

    result = await change_order(
        uow,
        ChangeOrderV1(
            order_id=submitted.order_id,
            change_lines=[LineQuantityChange(line_no=1, quantity=3)],
            reason="one more",
        ),
    )

    saved = uow.orders.saved[submitted.order_id]
    assert saved.lines[0].quantity == 3 and uow.orders.reserved[submitted.order_id] == [(1, "TENT", 3)]
    assert result.previous_total == before and result.total > before
    assert result.amount_due == result.total - before
    assert [e.change for e in uow.events(OrderUpdatedV1)] == ["changed"]
    assert uow.payments.causes[-1] == "change"


async def test_a_shipment_takes_its_stock_and_a_return_counts_what_comes_back() -> None:
    uow = FakeUnitOfWork(actor=Actor(agent_id="fulfilment", role=Role.SYSTEM))
    submitted = await with_submitted(uow, quantity=2)

    shipped = await record_shipment(
        uow,
        RecordShipmentV1(
            order_id=submitted.order_id, shipment_id="S-1", lines=[ShipmentLineInput(line_no=1, quantity=2)]
        ),
    )

    assert shipped.status == "shipped" and uow.orders.shipped == [(submitted.order_id, 1, "TENT", 2)]
    assert [type(e) for e in uow.emitted if isinstance(e, OrderShippedV1)] == [OrderShippedV1]
    assert not uow.locks.held, "systems neither take nor are stopped by edit locks"

    created = await create_return(
        uow,
        CreateReturnV1(
            order_id=submitted.order_id,
            return_id=uuid.uuid4(),
            lines=[ReturnLineInput(line_no=1, quantity=1, reason="damaged")],
        ),
    )

    assert created.return_number == order_rules.order_number(500001)
    assert [r.return_number for r in uow.returns.saved.values()] == [created.return_number]
    with pytest.raises(Refused) as refused:
        await create_return(
            uow,
            CreateReturnV1(
                order_id=submitted.order_id,
                return_id=uuid.uuid4(),
                lines=[ReturnLineInput(line_no=1, quantity=5, reason="damaged")],
            ),
        )
    assert refused.value.code == OrderErrors.RETURN_EXCEEDS_SHIPPED
