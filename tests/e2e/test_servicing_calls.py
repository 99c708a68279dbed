"""Call management (SRV-07) and the pending orders grid (SRV-08): park the call (the cart saved as a
pending order on the agent's own list), transfer it to another agent, void the call or a pending
order from the grid."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from contracts import errors
from contracts.envelope import ReplyV1, Role
from contracts.orders import (
    AddCartLineV1,
    ListPendingOrdersV1,
    OrderChangeResult,
    ParkCallV1,
    PendingOrdersPage,
    PendingOrderView,
    SubmitOrderV1,
    TransferCallV1,
    VoidCallV1,
    VoidOrderV1,
)
from csr.client import OmsClient
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    event_of,
    new_cart,
    ready_cart,
    rejected,
    submit,
    submitted,
    view,
)
from tests.support.system import System


@pytest.fixture(scope="session")
async def bob(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("csr-bob", Role.CSR) as client:
        yield client


async def grid(client: OmsClient, agent_id: str | None = None) -> dict[uuid.UUID, PendingOrderView]:
    page = PendingOrdersPage.model_validate(
        accepted(await client.send(ListPendingOrdersV1(agent_id=agent_id, page_size=100)))
    )
    return {row.order_id: row for row in page.items}


def changed(reply: ReplyV1) -> OrderChangeResult:
    return OrderChangeResult.model_validate(accepted(reply))


@pytest.mark.capability("SRV-07", "SRV-08")
async def test_a_parked_call_is_a_pending_order_only_on_the_agents_own_list(
    system: System, feed: OmsClient, csr: OmsClient, bob: OmsClient, supervisor: OmsClient
) -> None:
    tent, pad = await add_product(feed), await add_product(feed)
    order_id = await new_cart(csr, first_name="Petra", last_name="Parker")
    await add_line(csr, order_id, tent, 1)
    await add_line(csr, order_id, pad, 3)

    parked = changed(await csr.send(ParkCallV1(order_id=order_id, note="customer looks for her card")))

    assert parked.status == "cart"
    order = (await view(csr, order_id)).order
    row = (await grid(csr))[order_id]
    assert (row.last_updated, row.customer_name, row.line_count, row.locked, row.agent_id) == (
        order.updated_at,
        "Petra Parker",
        2,
        False,
        "csr-alice",
    )
    assert row.pending_since is not None and row.total == order.totals.total
    assert order_id not in await grid(bob)
    assert order_id in await grid(supervisor, "csr-alice") and order_id in await grid(supervisor)
    event = await event_of(system, "OrderUpdated", order_id, lambda p: p["change"] == "parked")
    assert "customer looks for her card" in event["reason"]

    refused = rejected(await bob.send(AddCartLineV1(order_id=order_id, sku=tent, quantity=1)), errors.LOCKED)
    assert "csr-alice" in [e.message for e in refused.field_errors]
    rejected(await bob.send(ListPendingOrdersV1(agent_id="csr-alice")), errors.FORBIDDEN)

    await add_line(csr, order_id, tent, 1)  # she picks it up again: it is locked to her while she works
    row = (await grid(csr))[order_id]
    assert (row.locked, row.locked_by, row.line_count) == (True, "csr-alice", 2)


@pytest.mark.capability("SRV-07", "SRV-08")
async def test_a_transferred_call_moves_to_the_other_agents_pending_list(
    feed: OmsClient, csr: OmsClient, bob: OmsClient
) -> None:
    sku = await add_product(feed)
    order_id = await ready_cart(csr, [(sku, 1)], first_name="Tom", last_name="Transfer")

    accepted(await csr.send(TransferCallV1(order_id=order_id, to_agent_id="csr-bob", note="billing question")))

    assert order_id not in await grid(csr)
    row = (await grid(bob))[order_id]
    assert (row.agent_id, row.locked, row.customer_name) == ("csr-bob", False, "Tom Transfer")
    rejected(await csr.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=1)), errors.LOCKED)

    placed = await submit(bob, order_id)  # bob finishes the call
    assert placed.status == "submitted" and order_id not in await grid(bob)
    assert (await view(bob, order_id)).order.submitted_by == "csr-bob"


@pytest.mark.capability("SRV-07", "SRV-08")
async def test_voiding_the_call_or_a_pending_order_discards_it(system: System, feed: OmsClient, csr: OmsClient) -> None:
    sku = await add_product(feed)
    in_call = await ready_cart(csr, [(sku, 1)])
    voided = changed(await csr.send(VoidCallV1(order_id=in_call, reason="customer hung up")))
    assert voided.status == "voided"
    order = (await view(csr, in_call)).order
    assert order.void is not None and (order.void.reason, order.void.by) == ("customer hung up", "csr-alice")
    rejected(await csr.send(AddCartLineV1(order_id=in_call, sku=sku, quantity=1)), errors.INVALID_STATE)
    rejected(await csr.send(SubmitOrderV1(order_id=in_call)), errors.INVALID_STATE)

    pending = await new_cart(csr)
    await add_line(csr, pending, sku, 1)
    accepted(await csr.send(ParkCallV1(order_id=pending)))
    assert pending in await grid(csr)
    from_grid = changed(await csr.send(VoidOrderV1(order_id=pending, reason="duplicate")))
    assert from_grid.status == "voided" and pending not in await grid(csr)
    event = await event_of(system, "OrderUpdated", pending, lambda p: p["change"] == "voided")
    assert event["status"] == "voided" and "duplicate" in event["reason"]


@pytest.mark.capability("SRV-07", "SRV-08")
async def test_what_is_not_an_order_in_progress_cannot_be_parked_transferred_or_voided(
    feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed)
    order_id, placed = await submitted(csr, [(sku, 1)])
    not_pending = await new_cart(csr)

    rejected(await csr.send(ParkCallV1(order_id=order_id)), errors.INVALID_STATE)
    rejected(await csr.send(TransferCallV1(order_id=order_id, to_agent_id="csr-bob")), errors.INVALID_STATE)
    rejected(await csr.send(VoidCallV1(order_id=order_id)), errors.INVALID_STATE)
    rejected(await csr.send(VoidOrderV1(order_id=not_pending)), errors.INVALID_STATE)
    rejected(await csr.send(TransferCallV1(order_id=not_pending, to_agent_id="csr-alice")), errors.INVALID)
    rejected(await csr.send(VoidOrderV1(order_id=uuid.uuid4())), errors.NOT_FOUND)

    assert (await view(csr, order_id)).order.version == placed.version
    assert (await view(csr, not_pending)).order.status == "cart" and not_pending not in await grid(csr)
