"""Edit locks (SRV-06): an order being worked is locked to one agent, others are told who holds it,
a supervisor can take it over, locks expire, and a stale expected version is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from contracts import errors
from contracts.envelope import ReplyV1, Role
from contracts.orders import (
    AddCartLineV1,
    ChangeCartLineV1,
    ChangeOrderV1,
    LineQuantityChange,
    LockOrderV1,
    LockResult,
    TakeOverLockV1,
    UnlockOrderV1,
)
from csr.client import OmsClient
from tests.support.orders import accepted, add_line, add_product, event_of, new_cart, rejected, submitted, view
from tests.support.system import System, eventually


@pytest.fixture(scope="session")
async def bob(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("csr-bob", Role.CSR) as client:
        yield client


def locked_by(reply: ReplyV1, agent: str) -> None:
    rejected(reply, errors.LOCKED)
    assert {"field": "lock.agent_id", "code": errors.LOCKED, "message": agent} in [
        e.model_dump() for e in reply.field_errors
    ]
    assert reply.message is not None and agent in reply.message


@pytest.mark.capability("SRV-06")
async def test_the_agent_working_a_cart_holds_it_others_are_told_who_and_a_supervisor_takes_it_over(
    system: System, feed: OmsClient, csr: OmsClient, bob: OmsClient, supervisor: OmsClient
) -> None:
    sku = await add_product(feed)
    order_id = await new_cart(csr)  # the first edit takes the lock
    details = await view(csr, order_id)
    assert details.lock is not None and details.lock.agent_id == "csr-alice"
    taken = await event_of(system, "OrderLockChanged", order_id)
    assert (taken["change"], taken["agent_id"]) == ("locked", "csr-alice")

    locked_by(await bob.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=1)), "csr-alice")
    locked_by(await bob.send(LockOrderV1(order_id=order_id)), "csr-alice")
    assert (await view(csr, order_id)).order == details.order

    await add_line(csr, order_id, sku, 2)  # the holder goes on working
    lock = LockResult.model_validate(accepted(await supervisor.send(TakeOverLockV1(order_id=order_id))))
    assert (lock.agent_id, lock.previous_agent_id) == ("sup-sam", "csr-alice")
    over = await event_of(system, "OrderLockChanged", order_id, lambda p: p["change"] == "taken_over")
    assert (over["agent_id"], over["previous_agent_id"], over["changed_by"]) == ("sup-sam", "csr-alice", "sup-sam")

    locked_by(await csr.send(ChangeCartLineV1(order_id=order_id, line_no=1, quantity=5)), "sup-sam")
    accepted(await supervisor.send(ChangeCartLineV1(order_id=order_id, line_no=1, quantity=3)))
    locked_by(await bob.send(UnlockOrderV1(order_id=order_id)), "sup-sam")
    rejected(await csr.send(TakeOverLockV1(order_id=order_id)), errors.FORBIDDEN)

    accepted(await supervisor.send(UnlockOrderV1(order_id=order_id)))
    mine = LockResult.model_validate(accepted(await bob.send(LockOrderV1(order_id=order_id))))
    assert mine.agent_id == "csr-bob" and (await view(csr, order_id)).lock.agent_id == "csr-bob"  # type: ignore[union-attr]
    assert [ln.quantity for ln in (await view(csr, order_id)).order.lines] == [3]


@pytest.mark.capability("SRV-06", "SRV-10")
async def test_a_submitted_order_is_locked_by_whoever_works_it_and_stale_versions_are_refused(
    feed: OmsClient, csr: OmsClient, bob: OmsClient, channel: OmsClient
) -> None:
    sku = await add_product(feed)
    order_id, placed = await submitted(csr, [(sku, 1)])
    assert (await view(csr, order_id)).lock is None  # submit ends the CSR's work on the cart

    accepted(await bob.send(LockOrderV1(order_id=order_id)))
    change = ChangeOrderV1(
        order_id=order_id, change_lines=[LineQuantityChange(line_no=1, quantity=2)], reason="two please"
    )
    locked_by(await csr.send(change), "csr-bob")
    assert (await view(csr, order_id)).order.version == placed.version

    accepted(await bob.send(change.model_copy(update={"expected_version": placed.version})))
    stale = change.model_copy(update={"expected_version": placed.version})
    rejected(await bob.send(stale), errors.STALE_VERSION, "payload.expected_version")
    # A channel does not take locks, but its stale version is refused all the same.
    rejected(await channel.send(stale), errors.STALE_VERSION, "payload.expected_version")
    order = (await view(csr, order_id)).order
    assert (order.version, [ln.quantity for ln in order.lines]) == (placed.version + 1, [2])


@pytest.fixture
def short_locks(system: System) -> Iterator[System]:
    system.restart("orders", {"OMS_LOCK_TIMEOUT_S": "2"})
    try:
        yield system
    finally:
        system.restart("orders")


@pytest.mark.capability("SRV-06")
async def test_a_lock_expires_after_the_configured_time_and_then_another_agent_may_work_the_order(
    short_locks: System, feed: OmsClient, csr: OmsClient, bob: OmsClient
) -> None:
    sku = await add_product(feed)
    order_id = await new_cart(csr)
    locked_by(await bob.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=1)), "csr-alice")

    async def expired() -> bool:
        return (await view(bob, order_id)).lock is None

    await eventually(expired, timeout=30)
    accepted(await bob.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=1)))

    details = await view(csr, order_id)
    assert details.lock is not None and details.lock.agent_id == "csr-bob"
    assert details.order.updated_by == "csr-bob"
    locked_by(await csr.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=1)), "csr-bob")


@pytest.mark.capability("SRV-06")
async def test_locking_an_unknown_order_or_releasing_a_lock_one_does_not_hold_is_refused(
    csr: OmsClient, bob: OmsClient
) -> None:
    rejected(await csr.send(LockOrderV1(order_id=uuid.uuid4())), errors.NOT_FOUND)
    order_id = await new_cart(bob)
    locked_by(await csr.send(UnlockOrderV1(order_id=order_id)), "csr-bob")
    accepted(await bob.send(UnlockOrderV1(order_id=order_id)))
    rejected(await bob.send(UnlockOrderV1(order_id=order_id)), errors.INVALID_STATE)
    assert (await view(csr, order_id)).lock is None
