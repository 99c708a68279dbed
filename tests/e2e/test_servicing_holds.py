"""Holds and release to fulfilment: block and unblock (SRV-03), suspend and resume (SRV-04), system
alerts and CSR flags (SRV-05). A submitted order without holds is released (OrderReleasedV1); a hold
withdraws it (OrderHeldV1); clearing the last hold releases it again."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contracts import errors
from contracts.envelope import ReplyV1
from contracts.orders import (
    AddCartLineV1,
    BlockOrderV1,
    ChangeOrderResult,
    ChangeOrderV1,
    ClearAlertsV1,
    FindOrdersV1,
    FlagOrderV1,
    LineQuantityChange,
    OrderChangeResult,
    OrderErrors,
    OrderLineInput,
    OrderPage,
    PlaceOrderV2,
    ResumeOrderV1,
    SetBillingAddressV1,
    SetShippingV1,
    ShipTo,
    SubmitOrderV1,
    SubmitResult,
    SuspendOrderV1,
    TakeOverLockV1,
    UnblockOrderV1,
)
from csr.client import OmsClient
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    address,
    at_version,
    card,
    event_of,
    new_cart,
    order_events,
    pay_by_card,
    ready_cart,
    rejected,
    submit,
    submitted,
    view,
)
from tests.support.system import System

D = Decimal


def changed(reply: ReplyV1) -> OrderChangeResult:
    return OrderChangeResult.model_validate(accepted(reply))


async def releases(system: System, order_id: uuid.UUID, last_version: int) -> list[int]:
    """The versions at which the order was released, up to the release at ``last_version``."""
    seen = await order_events(system, order_id, at_version("OrderReleased", last_version))
    return [e.payload["version"] for e in seen if e.type == "OrderReleased"]


@pytest.mark.capability("SRV-03")
async def test_a_blocked_order_is_not_released_can_be_changed_and_only_a_supervisor_unblocks_it(
    system: System, feed: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    sku = await add_product(feed, usd="20.00")
    order_id, placed = await submitted(csr, [(sku, 1)])
    first = await event_of(system, "OrderReleased", order_id)
    assert (first["version"], first["order_number"], [ln["quantity"] for ln in first["lines"]]) == (
        placed.version,
        placed.order_number,
        [1],
    )

    blocked = changed(
        await csr.send(
            BlockOrderV1(
                order_id=order_id, reason="fraud", note="card used in 3 countries", expected_version=placed.version
            )
        )
    )
    assert (blocked.holds, blocked.status) == (["blocked"], "submitted")
    held = await event_of(system, "OrderHeld", order_id)
    assert (held["added"], held["version"]) == (["blocked"], blocked.version)

    # Still editable while blocked, and still blocked after: 2 x 20.00 + 6.25% tax 2.50 + shipping
    # 6.95 + 2 x 0.50 = 50.45, was 20.00 + 1.25 + 7.45 = 28.70.
    change = ChangeOrderResult.model_validate(
        accepted(
            await csr.send(
                ChangeOrderV1(
                    order_id=order_id,
                    change_lines=[LineQuantityChange(line_no=1, quantity=2)],
                    reason="the customer wants two",
                )
            )
        )
    )
    assert (change.holds, change.previous_total, change.total, change.amount_due) == (
        ["blocked"],
        D("28.70"),
        D("50.45"),
        D("21.75"),
    )

    before = (await view(csr, order_id)).order
    rejected(await csr.send(UnblockOrderV1(order_id=order_id, note="looks fine")), errors.FORBIDDEN)
    after = (await view(csr, order_id)).order
    assert after == before and after.block is not None and after.block.reason == "fraud"
    assert after.block.by == "csr-alice" and after.block.note == "card used in 3 countries"

    # The CSR still works the order: the supervisor takes it over to unblock it.
    refused = rejected(await supervisor.send(UnblockOrderV1(order_id=order_id, note="verified")), errors.LOCKED)
    assert "csr-alice" in [e.message for e in refused.field_errors]
    accepted(await supervisor.send(TakeOverLockV1(order_id=order_id)))
    unblocked = changed(await supervisor.send(UnblockOrderV1(order_id=order_id, note="customer verified")))

    assert unblocked.holds == []
    assert await releases(system, order_id, unblocked.version) == [placed.version, unblocked.version]
    again = await event_of(system, "OrderReleased", order_id, lambda p: p["version"] == unblocked.version)
    assert [ln["quantity"] for ln in again["lines"]] == [2]
    details = await view(csr, order_id)
    assert [v.change for v in details.versions][-3:] == ["blocked", "changed", "unblocked"]
    assert details.versions[-1].changed_by == "sup-sam" and "customer verified" in details.versions[-1].reason


@pytest.mark.capability("SRV-04")
async def test_a_suspended_order_halts_until_resumed_and_resuming_what_is_not_suspended_is_refused(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="15.00")
    order_id, placed = await submitted(csr, [(sku, 1)])

    suspended = changed(await csr.send(SuspendOrderV1(order_id=order_id, reason="questionable activity")))
    assert suspended.holds == ["suspended"]
    held = await event_of(system, "OrderHeld", order_id)
    assert held["added"] == ["suspended"] and "questionable activity" in held["reason"]

    rejected(
        await csr.send(ChangeOrderV1(order_id=order_id, add_lines=[OrderLineInput(sku=sku, quantity=1)], reason="x")),
        errors.INVALID_STATE,
    )
    assert (await view(csr, order_id)).order.version == suspended.version

    resumed = changed(await csr.send(ResumeOrderV1(order_id=order_id, note="customer called back")))
    assert resumed.holds == []
    assert await releases(system, order_id, resumed.version) == [placed.version, resumed.version]

    rejected(await csr.send(ResumeOrderV1(order_id=order_id)), errors.INVALID_STATE)
    rejected(await csr.send(SuspendOrderV1(order_id=await new_cart(csr), reason="a cart")), errors.INVALID_STATE)
    order = (await view(csr, order_id)).order
    assert (order.version, order.holds, order.suspension) == (resumed.version, [], None)


@pytest.mark.capability("SRV-05")
async def test_a_total_above_the_threshold_raises_an_alert_that_stops_submit_until_cleared(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    kayak = await add_product(feed, usd="6000.00", name="Expedition kayak")
    order_id = await ready_cart(csr, [(kayak, 1)])
    cart = (await view(csr, order_id)).order
    [alert] = [a for a in cart.alerts if not a.cleared]
    assert (alert.rule, alert.source, alert.raised_by) == ("total_over", "system", "system")
    assert "above 5000" in alert.message

    reply = rejected(await csr.send(SubmitOrderV1(order_id=order_id)), OrderErrors.UNCLEARED_ALERTS)
    assert [(e.field, e.code) for e in reply.field_errors] == [(f"alerts[{alert.alert_id}]", "total_over")]
    assert (await view(csr, order_id)).order == cart

    cleared = changed(
        await csr.send(
            ClearAlertsV1(order_id=order_id, note="customer verified by phone", expected_version=cart.version)
        )
    )
    assert cleared.alerts == []
    [done] = (await view(csr, order_id)).order.alerts
    assert (done.cleared, done.cleared_by, done.clear_note) == (True, "csr-alice", "customer verified by phone")
    assert done.cleared_at is not None

    placed = await submit(csr, order_id)
    assert placed.holds == []
    await event_of(system, "OrderReleased", order_id)


@pytest.mark.capability("SRV-05")
async def test_billing_and_shipping_in_different_countries_raise_an_alert_that_clears_itself_when_fixed(
    feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="30.00")
    order_id = await new_cart(csr)
    await add_line(csr, order_id, sku, 1)
    berlin = address(city="Berlin", region=None, postal_code="10115", country="DE")
    accepted(await csr.send(SetShippingV1(order_id=order_id, ship_to=ShipTo(address=berlin, shipping_mode="express"))))
    reply = changed(await csr.send(SetBillingAddressV1(order_id=order_id, address=address())))
    assert [(a.rule, a.message) for a in reply.alerts] == [("address_mismatch", "billed in US but shipped to DE")]
    assert "alert: billed in US but shipped to DE" in reply.warnings
    await pay_by_card(csr, order_id)
    rejected(await csr.send(SubmitOrderV1(order_id=order_id)), OrderErrors.UNCLEARED_ALERTS)

    fixed = changed(await csr.send(SetShippingV1(order_id=order_id, ship_to=ShipTo(address=address()))))

    assert fixed.alerts == []
    [alert] = (await view(csr, order_id)).order.alerts
    assert (alert.cleared, alert.cleared_by, alert.clear_note) == (True, "system", "no longer applies")
    assert (await submit(csr, order_id)).holds == []


@pytest.mark.capability("SRV-05")
async def test_a_csr_flag_holds_a_submitted_order_until_the_alert_is_cleared(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="12.00")
    order_id, placed = await submitted(csr, [(sku, 1)])

    flagged = changed(await csr.send(FlagOrderV1(order_id=order_id, note="caller unsure about the address")))

    assert flagged.holds == ["alerts"] and [a.rule for a in flagged.alerts] == ["flag"]
    held = await event_of(system, "OrderHeld", order_id)
    assert held["added"] == ["alerts"]
    page = OrderPage.model_validate(
        accepted(await csr.send(FindOrdersV1(hold="alerts", order_number=placed.order_number)))
    )
    assert [o.order_id for o in page.items] == [order_id]

    [alert] = flagged.alerts
    cleared = changed(await csr.send(ClearAlertsV1(order_id=order_id, alert_ids=[alert.alert_id], note="confirmed")))
    assert cleared.holds == []
    assert await releases(system, order_id, cleared.version) == [placed.version, cleared.version]


@pytest.mark.capability("SRV-05")
async def test_more_orders_than_allowed_in_the_window_hold_the_next_one_for_review(
    system: System, feed: OmsClient, channel: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="9.00")
    customer_id = uuid.uuid4()

    def order() -> PlaceOrderV2:
        return PlaceOrderV2(
            customer_id=customer_id,
            first_name="Vic",
            last_name="Velocity",
            email="vic@example.com",
            currency="USD",
            lines=[OrderLineInput(sku=sku, quantity=1)],
            ship_to=ShipTo(address=address()),
            payments=[card(channel)],
        )

    first_five = [SubmitResult.model_validate(accepted(await channel.send(order()))) for _ in range(5)]
    sixth_command = order()
    sixth = SubmitResult.model_validate(accepted(await channel.send(sixth_command)))

    assert [r.holds for r in first_five] == [[]] * 5
    assert sixth.holds == ["alerts"]
    placed = await event_of(system, "OrderPlaced", sixth_command.order_id)
    assert placed["holds"] == ["alerts"]
    seen = await order_events(system, sixth_command.order_id, lambda e: e.type == "OrderHeld")
    assert "OrderReleased" not in [e.type for e in seen]
    order_view = (await view(csr, sixth_command.order_id)).order
    [alert] = order_view.alerts
    assert (alert.rule, order_view.released) == ("order_velocity", False)
    assert "5 other orders within 60 minutes" in alert.message


@pytest.mark.capability("SRV-03", "SRV-05")
async def test_wrong_state_wrong_role_and_stale_versions_are_refused_and_change_nothing(
    feed: OmsClient, csr: OmsClient, channel: OmsClient
) -> None:
    sku = await add_product(feed, usd="11.00")
    order_id, placed = await submitted(csr, [(sku, 1)])
    accepted(await csr.send(BlockOrderV1(order_id=order_id, reason="credit_check")))
    before = (await view(csr, order_id)).order

    rejected(await csr.send(BlockOrderV1(order_id=order_id, reason="fraud")), errors.INVALID_STATE)
    rejected(await csr.send(ClearAlertsV1(order_id=order_id, note="nothing to clear")), errors.INVALID_STATE)
    rejected(
        await csr.send(SuspendOrderV1(order_id=order_id, reason="x", expected_version=placed.version)),
        errors.STALE_VERSION,
        "payload.expected_version",
    )
    rejected(await channel.send(BlockOrderV1(order_id=order_id, reason="fraud")), errors.FORBIDDEN)
    rejected(await csr.send(BlockOrderV1(order_id=uuid.uuid4(), reason="fraud")), errors.NOT_FOUND)
    cart_id = await new_cart(csr)
    rejected(await csr.send(BlockOrderV1(order_id=cart_id, reason="fraud")), errors.INVALID_STATE)

    assert (await view(csr, order_id)).order == before
    # The service goes on: the same cart takes a line.
    accepted(await csr.send(AddCartLineV1(order_id=cart_id, sku=sku, quantity=1)))
