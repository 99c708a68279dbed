"""Typed holds from rules (MNY-09) and claims (MNY-06): the domain rules, and the use cases against
the unit of work in memory. Each fails when a rule or a step (a hold, its release, an event, a
refund, a refusal that changes nothing) is skipped."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.envelope import Actor, Role
from contracts.errors import Refused
from contracts.orders import (
    AddBlockListEntryV1,
    BlockListChangedV1,
    ClaimFiledV1,
    ExchangeCreatedV1,
    ExchangeItemsV1,
    FileClaimV1,
    OrderErrors,
    OrderHeldV1,
    OrderHoldChangedV1,
    OrderLineInput,
    OrderLockChangedV1,
    OrderReleasedV1,
    OrderView,
    PaymentView,
    ReceiveReturnV1,
    RecordShipmentV1,
    ReleaseHoldV1,
    RemoveBlockListEntryV1,
    ReshipmentRequestedV1,
    ReturnLineInput,
    ShipmentLineInput,
    ShipTo,
    SubmitOrderV1,
)
from services.orders.application.claims import file_claim
from services.orders.application.exchanges import exchange_items
from services.orders.application.return_orders import receive_return
from services.orders.application.shipments import record_shipment
from services.orders.application.submit_order import submit_order
from services.orders.application.typed_holds import (
    add_block_list_entry,
    release_hold,
    remove_block_list_entry,
)
from services.orders.domain import holds, risk
from services.orders.domain.catalog import Product
from services.orders.settings import OrdersSettings
from tests.support.orders import DE, IL, NOW, line, order
from tests.unit.fake_unit_of_work import FakeUnitOfWork

D = Decimal
SUPERVISOR = Actor(agent_id="sup-1", role=Role.SUPERVISOR)
RULES = risk.RiskRules({"USD": D(1000)}, country_mismatch=True)
LOW_LIMITS = OrdersSettings(hold_amount_over=dict.fromkeys(OrdersSettings().offered_currencies, D(1000)))
"""Typed holds above 1000 in any currency: below the alert threshold (SRV-05), so only the hold shows."""


def tent() -> Product:
    return Product(
        sku="TENT",
        name="Trail tent",
        prices={"USD": D("100.00")},
        trackable=False,
        stocked=True,
        backorderable=False,
        active=True,
        on_hand=1000,
        reserved=0,
    )


def visa() -> PaymentView:
    return PaymentView(
        payment_id=uuid.uuid4(),
        method="card",
        brand="visa",
        last4="1111",
        expiry_month=12,
        expiry_year=2035,
        token="tok_x",
        added_by="csr-1",
        added_at=NOW,
    )


def cart(quantity: int = 2, **kw: Any) -> OrderView:
    fields: dict[str, Any] = {
        "billing_address": IL,
        "payments": [visa()],
        "email": "Jane@Example.com",
        "last_line_no": 1,
    }
    fields.update(kw)
    return order([line(1, "TENT", quantity, "100.00")], **fields)


async def submitted(uow: FakeUnitOfWork, cart_: OrderView) -> OrderView:
    uow.orders.saved[cart_.order_id] = cart_
    uow.catalog.items["TENT"] = tent()
    await submit_order(uow, SubmitOrderV1(order_id=cart_.order_id))
    return uow.orders.saved[cart_.order_id]


def as_supervisor(uow: FakeUnitOfWork) -> FakeUnitOfWork:
    moved = FakeUnitOfWork(
        actor=SUPERVISOR, orders=uow.orders, catalog=uow.catalog, payments=uow.payments, policy=uow.policy
    )
    moved.block_list = uow.block_list
    return moved


# --- the rules -----------------------------------------------------------------------------------


def test_every_priced_currency_has_a_hold_threshold_and_a_configuration_without_one_is_refused() -> None:
    settings = OrdersSettings()
    assert settings.offered_currencies <= set(settings.hold_amount_over)
    with pytest.raises(ValueError, match="no threshold for JPY"):
        OrdersSettings(hold_amount_over={c: D(1) for c in settings.offered_currencies - {"JPY"}})


def test_the_rules_find_an_amount_over_the_limit_a_country_mismatch_and_a_block_list_entry() -> None:
    shipped_to_de = ShipTo(address=DE, shipping_mode="standard")
    big = cart(quantity=20, ship_to=shipped_to_de).model_copy(update={"status": "submitted"})
    big = big.model_copy(update={"totals": big.totals.model_copy(update={"total": D("2000.00")})})
    entry = risk.BlockListEntry(uuid.uuid4(), "email", "jane@example.com")

    found = risk.findings(big, RULES, [entry])

    assert [(f.hold_type, f.key) for f in found] == [
        ("amount_over_limit", "amount_over_limit:USD:1000"),
        ("country_mismatch", "country_mismatch:US:DE"),
        ("block_list", f"block_list:{entry.entry_id}"),
    ]
    assert found[1].reason == "billed in US but shipped to DE"
    assert risk.findings(cart(), RULES, []) == []


def test_block_list_values_are_compared_normalized() -> None:
    values = risk.screened_values(cart(phone="+1 (555) 010-1234"))
    assert ("email", "jane@example.com") in values
    assert ("phone", "+15550101234") in values
    assert ("card_fingerprint", "visa:1111:12/2035") in values
    assert ("address", "1 main st|62701|us") in values
    assert risk.normalized("address", " 1  Main St | 62701|US ") == "1 main st|62701|us"


def test_a_content_hold_releases_itself_when_no_longer_true_and_a_released_finding_does_not_hold_again() -> None:
    placed_on = cart().model_copy(update={"status": "submitted"})
    finding = risk.HoldFinding("amount_over_limit", "amount_over_limit:USD:1000", "too much")

    held, changed = risk.screen(placed_on, [finding], NOW)
    assert [h.hold_type for h in risk.active(held)] == ["amount_over_limit"]
    assert holds.with_holds(held).holds == ["amount_over_limit"]

    resolved, changed = risk.screen(held, [], NOW)
    assert [(h.released, h.released_by) for h in changed] == [(True, "system")]
    assert holds.with_holds(resolved).holds == []
    again, changed = risk.screen(resolved, [finding], NOW)
    assert changed == [] and risk.active(again) == []


def test_a_block_list_hold_does_not_release_itself_and_a_cart_is_not_screened() -> None:
    submitted_order = cart().model_copy(update={"status": "submitted"})
    entry = risk.HoldFinding("block_list", "block_list:x", "on the list")
    held, _ = risk.screen(submitted_order, [entry], NOW)
    still, changed = risk.screen(held, [], NOW)
    assert changed == [] and [h.hold_type for h in risk.active(still)] == ["block_list"]
    assert risk.screen(cart(), [entry], NOW)[1] == []


# --- the use cases ---------------------------------------------------------------------------------


async def test_submit_over_the_limit_holds_the_order_with_the_reason_and_tells_fulfilment() -> None:
    uow = FakeUnitOfWork(policy=LOW_LIMITS)
    big = cart(quantity=11)  # 1100.00 and more > 1000 USD

    saved = await submitted(uow, big)

    assert saved.holds == ["amount_over_limit"] and not saved.released
    [hold] = saved.typed_holds
    assert (hold.hold_type, hold.placed_by) == ("amount_over_limit", "system")
    assert "above the limit of 1000 USD" in hold.reason
    assert [e.added for e in uow.events(OrderHeldV1)] == [["amount_over_limit"]]
    assert "amount_over_limit hold placed" in uow.events(OrderHeldV1)[0].reason
    assert [(e.hold_type, e.change) for e in uow.events(OrderHoldChangedV1)] == [("amount_over_limit", "placed")]
    assert not uow.events(OrderReleasedV1)
    assert "amount_over_limit hold placed" in uow.orders.versions[-1][3], "the history says why"


async def test_only_a_supervisor_releases_a_hold_type_and_then_the_order_is_released() -> None:
    uow = FakeUnitOfWork(policy=LOW_LIMITS)
    saved = await submitted(uow, cart(quantity=11))
    sup = as_supervisor(uow)

    with pytest.raises(Refused) as refused:
        await release_hold(sup, ReleaseHoldV1(order_id=saved.order_id, hold_type="block_list", note="n/a"))
    assert refused.value.code == errors.INVALID_STATE
    assert uow.orders.saved[saved.order_id] == saved, "a refusal changes nothing"

    done = await release_hold(
        sup, ReleaseHoldV1(order_id=saved.order_id, hold_type="amount_over_limit", note="called the bank")
    )

    assert done.holds == []
    [hold] = uow.orders.saved[saved.order_id].typed_holds
    assert (hold.released, hold.released_by, hold.release_note) == (True, "sup-1", "called the bank")
    assert [e.change for e in sup.events(OrderHoldChangedV1)] == ["released"]
    assert sup.events(OrderReleasedV1)


async def test_a_block_listed_email_holds_the_order_until_the_entry_is_removed() -> None:
    uow = FakeUnitOfWork()
    sup = as_supervisor(uow)
    entry = await add_block_list_entry(
        sup, AddBlockListEntryV1(kind="email", value=" JANE@example.com", note="chargebacks")
    )
    assert entry.value == "jane@example.com"
    with pytest.raises(Refused) as refused:
        await add_block_list_entry(sup, AddBlockListEntryV1(kind="email", value="jane@EXAMPLE.com", note="again"))
    assert refused.value.code == errors.CONFLICT

    saved = await submitted(uow, cart())
    assert saved.holds == ["block_list"]
    assert "its email is on the block list" in saved.typed_holds[0].reason

    removed = await remove_block_list_entry(
        sup, RemoveBlockListEntryV1(entry_id=entry.entry_id, note="customer cleared")
    )

    assert removed.released_orders == [saved.order_id]
    after = uow.orders.saved[saved.order_id]
    assert after.holds == [] and after.released
    assert after.typed_holds[0].release_note == "block-list entry removed: customer cleared"
    assert [e.change for e in sup.events(BlockListChangedV1)] == ["added", "removed"]
    with pytest.raises(Refused) as gone:
        await remove_block_list_entry(sup, RemoveBlockListEntryV1(entry_id=entry.entry_id, note="twice"))
    assert gone.value.code == errors.NOT_FOUND


# --- claims ----------------------------------------------------------------------------------------


async def shipped(uow: FakeUnitOfWork, quantity: int = 2) -> OrderView:
    saved = await submitted(uow, cart(quantity=quantity))
    system = FakeUnitOfWork(
        actor=Actor(agent_id="wh", role=Role.SYSTEM), orders=uow.orders, catalog=uow.catalog, payments=uow.payments
    )
    await record_shipment(
        system,
        RecordShipmentV1(order_id=saved.order_id, shipment_id="S-1", lines=[ShipmentLineInput(line_no=1, quantity=2)]),
    )
    uow.emitted.clear()
    return uow.orders.saved[saved.order_id]


async def test_a_refund_claim_gives_back_what_the_units_cost_through_the_payments_port() -> None:
    uow = FakeUnitOfWork()
    order_ = await shipped(uow)
    claim_id = uuid.uuid4()

    done = await file_claim(
        uow,
        FileClaimV1(
            order_id=order_.order_id, claim_id=claim_id, line_no=1, quantity=1, reason="lost", resolution="refund"
        ),
    )

    line_total = order_.lines[0].total
    assert done.refund_amount == done.refunded == line_total / 2
    assert uow.payments.refunds == [
        (order_.order_id, line_total / 2, f"claim {claim_id}: 1 x line 1 (TENT) lost, refund")
    ]
    assert uow.payments.causes[-1] == "claim"
    saved = uow.orders.saved[order_.order_id]
    assert [(c.claim_id, c.quantity, c.resolution) for c in saved.claims] == [(claim_id, 1, "refund")]
    assert [e.claim.claim_id for e in uow.events(ClaimFiledV1)] == [claim_id]
    assert not uow.events(ReshipmentRequestedV1)


async def test_a_reship_claim_asks_fulfilment_for_a_zero_priced_replacement_and_refunds_nothing() -> None:
    uow = FakeUnitOfWork()
    order_ = await shipped(uow)

    done = await file_claim(
        uow, FileClaimV1(order_id=order_.order_id, line_no=1, quantity=2, reason="damaged", resolution="reship")
    )

    assert (done.refund_amount, done.refunded) == (D(0), D(0)) and uow.payments.refunds == []
    [request] = uow.events(ReshipmentRequestedV1)
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in request.lines] == [("TENT", 2, D(0))]
    assert request.claim_id == done.claim_id and request.ship_to == order_.ship_to


async def test_more_than_shipped_minus_claimed_and_returned_is_refused_and_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    order_ = await shipped(uow)
    await file_claim(
        uow, FileClaimV1(order_id=order_.order_id, line_no=1, quantity=1, reason="lost", resolution="reship")
    )
    before = uow.orders.saved[order_.order_id]
    uow.emitted.clear()

    for bad, code in (
        (
            FileClaimV1(order_id=order_.order_id, line_no=1, quantity=2, reason="lost", resolution="refund"),
            OrderErrors.CLAIM_EXCEEDS_SHIPPED,
        ),
        (
            FileClaimV1(order_id=order_.order_id, line_no=9, quantity=1, reason="lost", resolution="refund"),
            errors.NOT_FOUND,
        ),
        (
            FileClaimV1(order_id=uuid.uuid4(), line_no=1, quantity=1, reason="lost", resolution="refund"),
            errors.NOT_FOUND,
        ),
        (
            FileClaimV1(
                order_id=order_.order_id,
                claim_id=before.claims[0].claim_id,
                line_no=1,
                quantity=1,
                reason="lost",
                resolution="refund",
            ),
            errors.CONFLICT,
        ),
    ):
        with pytest.raises(Refused) as refused:
            await file_claim(uow, bad)
        assert refused.value.code == code

    assert uow.orders.saved[order_.order_id] == before and uow.emitted == [] and uow.payments.refunds == []


async def test_an_order_not_shipped_yet_cannot_be_claimed() -> None:
    uow = FakeUnitOfWork()
    saved = await submitted(uow, cart())
    with pytest.raises(Refused) as refused:
        await file_claim(
            uow, FileClaimV1(order_id=saved.order_id, line_no=1, quantity=1, reason="lost", resolution="reship")
        )
    assert refused.value.code == errors.INVALID_STATE


# --- exchanges (MNY-05) ----------------------------------------------------------------------------


def stove(price: str) -> Product:
    return Product(
        sku="STOVE",
        name="Camp stove",
        prices={"USD": D(price)},
        trackable=False,
        stocked=True,
        backorderable=False,
        active=True,
        on_hand=5,
        reserved=0,
    )


async def test_an_exchange_for_something_dearer_collects_the_difference_and_ships_the_new_item() -> None:
    uow = FakeUnitOfWork()
    order_ = await shipped(uow)
    uow.catalog.items["STOVE"] = stove("150.00")
    secured = await uow.payments.secured(order_)

    done = await exchange_items(
        uow,
        ExchangeItemsV1(
            order_id=order_.order_id,
            return_lines=[ReturnLineInput(line_no=1, quantity=1, reason="wrong_item")],
            add_lines=[OrderLineInput(sku="STOVE", quantity=1)],
        ),
    )

    saved = uow.orders.saved[order_.order_id]
    assert (saved.status, done.status) == ("partially_shipped", "partially_shipped")
    assert done.return_credit == order_.lines[0].total / 2
    assert done.new_items_total == saved.totals.total - order_.totals.total
    assert done.amount_due == done.new_items_total - done.return_credit > 0
    assert await uow.payments.secured(saved) == secured + done.amount_due
    assert [(ln.sku, ln.returned_quantity) for ln in saved.lines] == [("TENT", 1), ("STOVE", 0)]
    assert uow.orders.reserved[order_.order_id][-1] == (2, "STOVE", 1)
    assert [e.return_number for e in uow.events(ExchangeCreatedV1)] == [done.return_number]
    assert uow.events(OrderReleasedV1), "the new item goes to fulfilment"
    document = uow.returns.saved[done.return_id]
    assert document.exchange and document.status == "requested"

    received = await receive_return(uow, ReceiveReturnV1(return_id=done.return_id))
    assert received.exchange and uow.payments.refunds == [], "netted at the exchange, not refunded again"


async def test_an_exchange_for_something_cheaper_gives_the_difference_back() -> None:
    uow = FakeUnitOfWork()
    order_ = await shipped(uow)
    uow.catalog.items["STOVE"] = stove("10.00")
    secured = await uow.payments.secured(order_)

    done = await exchange_items(
        uow,
        ExchangeItemsV1(
            order_id=order_.order_id,
            return_lines=[ReturnLineInput(line_no=1, quantity=2, reason="no_longer_needed")],
            add_lines=[OrderLineInput(sku="STOVE", quantity=1)],
        ),
    )

    assert done.amount_due < 0 and await uow.payments.secured(order_) == secured + done.amount_due
    assert uow.payments.causes[-1] == "exchange"  # told by the exchange's e-mail, not again as a refund


async def test_a_bad_exchange_is_refused_and_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    order_ = await shipped(uow)
    uow.catalog.items["STOVE"] = stove("10.00")
    before = uow.orders.saved[order_.order_id]
    uow.emitted.clear()

    for return_lines, add_lines, code in (
        (
            [ReturnLineInput(line_no=1, quantity=3, reason="damaged")],
            [OrderLineInput(sku="STOVE", quantity=1)],
            OrderErrors.RETURN_EXCEEDS_SHIPPED,
        ),
        (
            [ReturnLineInput(line_no=1, quantity=1, reason="bored")],
            [OrderLineInput(sku="STOVE", quantity=1)],
            OrderErrors.UNKNOWN_RETURN_REASON,
        ),
        (
            [ReturnLineInput(line_no=1, quantity=1, reason="damaged")],
            [OrderLineInput(sku="NOPE", quantity=1)],
            OrderErrors.UNKNOWN_SKU,
        ),
    ):
        with pytest.raises(Refused) as refused:
            await exchange_items(
                uow, ExchangeItemsV1(order_id=order_.order_id, return_lines=return_lines, add_lines=add_lines)
            )
        assert refused.value.code == code

    assert uow.orders.saved[order_.order_id] == before and not uow.returns.saved
    # (the edit lock the first attempt took is rolled back with the refusal by the runtime's transaction)
    assert [e for e in uow.emitted if not isinstance(e, OrderLockChangedV1)] == []


# --- typed holds on an exchange's new total (MNY-09, MNY-05) ----------------------------------------


def exchange(order_: OrderView, add: OrderLineInput) -> ExchangeItemsV1:
    return ExchangeItemsV1(
        order_id=order_.order_id,
        return_lines=[ReturnLineInput(line_no=1, quantity=1, reason="wrong_item")],
        add_lines=[add],
    )


async def test_an_exchange_that_takes_the_total_over_the_limit_holds_the_order_as_a_submit_would() -> None:
    uow = FakeUnitOfWork(policy=LOW_LIMITS)
    order_ = await shipped(uow)  # 2 tents: under 1000 USD, released at submit
    assert order_.holds == [] and order_.typed_holds == []
    uow.catalog.items["STOVE"] = stove("900.00")

    done = await exchange_items(uow, exchange(order_, OrderLineInput(sku="STOVE", quantity=1)))

    saved = uow.orders.saved[order_.order_id]
    assert done.holds == saved.holds == ["amount_over_limit"] and not saved.released
    [hold] = saved.typed_holds
    assert hold.placed_by == "system" and hold.reason == (
        f"the total {saved.totals.total} USD is above the limit of 1000 USD"
    )
    assert [(e.hold_type, e.change, e.version) for e in uow.events(OrderHoldChangedV1)] == [
        ("amount_over_limit", "placed", saved.version)
    ]
    assert [e.added for e in uow.events(OrderHeldV1)] == [["amount_over_limit"]]
    assert not uow.events(OrderReleasedV1), "the new item waits for the hold's release"
    version, change, reason = uow.orders.versions[-1][1:4]
    assert (version, change) == (saved.version, "exchanged")
    assert reason.startswith("exchange: return") and f"amount_over_limit hold placed: {hold.reason}" in reason
    assert [e.return_number for e in uow.events(ExchangeCreatedV1)] == [done.return_number], "the exchange stands"

    released = await release_hold(
        as_supervisor(uow), ReleaseHoldV1(order_id=order_.order_id, hold_type="amount_over_limit", note="verified")
    )
    assert released.holds == [] and uow.orders.saved[order_.order_id].released


async def test_an_exchange_shipping_abroad_for_a_block_listed_customer_is_held_with_the_submits_reasons() -> None:
    uow = FakeUnitOfWork()
    order_ = await shipped(uow)
    uow.catalog.items["STOVE"] = stove("10.00")
    entry = await add_block_list_entry(
        as_supervisor(uow), AddBlockListEntryV1(kind="email", value="jane@example.com", note="added after submit")
    )
    abroad = OrderLineInput(sku="STOVE", quantity=1, ship_to=ShipTo(address=DE, shipping_mode="standard"))

    done = await exchange_items(uow, exchange(order_, abroad))

    saved = uow.orders.saved[order_.order_id]
    assert sorted(done.holds) == ["block_list", "country_mismatch"] and not saved.released
    assert [(h.hold_type, h.key, h.reason) for h in saved.typed_holds] == [
        ("country_mismatch", "country_mismatch:US:DE", "billed in US but shipped to DE"),
        ("block_list", risk.entry_key(entry.entry_id), "its email is on the block list"),
    ]
    reason = uow.orders.versions[-1][3]
    assert "country_mismatch hold placed: billed in US but shipped to DE" in reason
    assert "block_list hold placed: its email is on the block list" in reason
    assert uow.block_list.held == {(entry.entry_id, order_.order_id)}, "removing the entry will release it"
