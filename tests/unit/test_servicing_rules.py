"""The pure rules of order servicing, with hand-checked numbers: refunds of returns, quote
conversion, cancel, shipments, calls, holds, and the fulfilment simulator's planner."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.orders import (
    ActionNote,
    OrderErrors,
    OrderLineDetail,
    OrderView,
    PaymentView,
    RecordShipmentV1,
    ReturnLineInput,
    ShipmentLineInput,
)
from fulfilment_sim.planner import Options, Planner
from services.orders.domain import calls, changes, fulfilment, holds, quotes, returns
from services.orders.domain.catalog import Product
from services.runtime.handling import Rejected
from tests.support.orders import NOW, POLICY, line, order

D = Decimal
REASONS = ["damaged", "no_longer_needed"]


def priced(no: int, sku: str, qty: int, price: str, total: str, **kw: object) -> OrderLineDetail:
    return line(no, sku, qty, price).model_copy(update={"total": D(total), **kw})


def submitted_order(lines: list[OrderLineDetail], **kw: Any) -> OrderView:
    fields: dict[str, Any] = {"status": "submitted", "order_number": "10000007"}
    fields.update(kw)
    return order(lines, **fields)


def product(sku: str, price: str, *, name: str | None = None, active: bool = True, on_hand: int = 10) -> Product:
    return Product(sku, name or sku, {"USD": D(price)}, False, True, True, active, on_hand, 0)


def code_of(call: object) -> str:
    assert isinstance(call, Rejected)
    return call.code


# --- quotes (SRV-01) -----------------------------------------------------------------------------


def test_a_quote_is_refused_for_what_submit_would_refuse_in_its_lines_and_modes() -> None:
    """The configuration changed since the cart was shipped: its mode has no charge in EUR any
    more. Pricing gives that shipment 0.00, which submit would refuse; so is the quote."""
    eur_cart = order([line(1, "TENT", 1, "80.00")], currency="EUR")
    no_eur = {
        name: m.model_copy(update={"charges": {"USD": m.charges["USD"]}}) for name, m in POLICY.shipping_modes.items()
    }
    policy = dataclasses.replace(POLICY, shipping_modes=no_eur)
    products = {"TENT": Product("TENT", "Tent", {"EUR": D("80.00")}, False, True, True, True, 10, 0)}
    expires = NOW + timedelta(days=7)

    with pytest.raises(Rejected) as refused:
        quotes.save_as_quote(eur_cart, products, policy, "7", expires, NOW, "csr")
    with pytest.raises(Rejected) as unsold:
        quotes.save_as_quote(eur_cart, {}, POLICY, "7", expires, NOW, "csr")

    assert refused.value.code == "unknown_shipping_mode" and "cannot be saved as a quote" in refused.value.message
    assert unsold.value.code == "unknown_sku"
    saved = quotes.save_as_quote(
        eur_cart.model_copy(update={"ship_to": None}), products, POLICY, "7", expires, NOW, "csr"
    )
    assert saved.status == "quote"  # no address yet: no shipping or tax yet, nothing submit could not honour


# --- returns (SRV-12) -------------------------------------------------------------------------------


def test_the_refund_of_a_line_returned_in_parts_adds_up_to_what_was_paid_for_it() -> None:
    # 3 units, line total 10.00 (tax and discounts in it): 3.33, 3.34, 3.33 -> 10.00 exactly.
    pads = priced(1, "PAD", 3, "3.00", "10.00", shipped_quantity=3)
    parts = [
        returns.refund_of(pads, 0, 1, "USD"),
        returns.refund_of(pads, 1, 2, "USD"),
        returns.refund_of(pads, 2, 3, "USD"),
    ]
    assert parts == [D("3.33"), D("3.34"), D("3.33")] and sum(parts) == D("10.00")
    assert returns.refund_of(pads, 0, 3, "USD") == D("10.00")


def test_a_return_counts_on_the_order_and_more_than_shipped_or_an_unknown_reason_is_refused() -> None:
    tent = priced(1, "TENT", 2, "100.00", "212.50", shipped_quantity=2)
    pad = priced(2, "PAD", 1, "10.00", "10.63")  # not shipped
    shipped = submitted_order([tent, pad], status="shipped")
    rid = uuid.uuid4()

    document, counted = returns.create(
        shipped, [ReturnLineInput(line_no=1, quantity=1, reason="damaged")], REASONS, rid, "7000001", None, "csr", NOW
    )

    assert (document.status, document.refund_amount, document.lines[0].refund_amount) == (
        "requested",
        D("106.25"),
        D("106.25"),
    )
    assert [ln.returned_quantity for ln in counted.lines] == [1, 0]
    cases = [
        (shipped, [ReturnLineInput(line_no=2, quantity=1, reason="damaged")], OrderErrors.RETURN_EXCEEDS_SHIPPED),
        (counted, [ReturnLineInput(line_no=1, quantity=2, reason="damaged")], OrderErrors.RETURN_EXCEEDS_SHIPPED),
        (shipped, [ReturnLineInput(line_no=1, quantity=1, reason="ugly")], OrderErrors.UNKNOWN_RETURN_REASON),
        (shipped, [ReturnLineInput(line_no=5, quantity=1, reason="damaged")], errors.NOT_FOUND),
        (submitted_order([tent]), [ReturnLineInput(line_no=1, quantity=1, reason="damaged")], errors.INVALID_STATE),
    ]
    for source, wanted, code in cases:
        with pytest.raises(Rejected) as refused:
            returns.create(source, wanted, REASONS, rid, "7000002", None, "csr", NOW)
        assert refused.value.code == code


def test_a_return_moves_requested_received_refunded_and_nothing_else() -> None:
    shipped = submitted_order([priced(1, "TENT", 1, "100.00", "106.25", shipped_quantity=1)], status="shipped")
    document, _ = returns.create(
        shipped, [ReturnLineInput(line_no=1, quantity=1, reason="damaged")], REASONS, uuid.uuid4(), "7", None, "c", NOW
    )
    with pytest.raises(Rejected) as early:
        returns.advance(document, "refunded", "sup", NOW, None, "RF-1")
    received = returns.advance(document, "received", "wh", NOW, "ok")
    refunded = returns.advance(received, "refunded", "sup", NOW, None, "RF-1")
    assert early.value.code == errors.INVALID_STATE
    assert [h.status for h in refunded.history] == ["requested", "received", "refunded"]
    assert refunded.refund_reference == "RF-1"


# --- quotes (SRV-02) --------------------------------------------------------------------------------


def _quote(expires_in: timedelta) -> OrderView:
    return order(
        [line(1, "UP", 1, "20.00"), line(2, "GONE", 1, "5.00"), line(3, "SAME", 2, "8.00")],
        status="quote",
        quote_number="5000005",
        quoted_at=NOW - timedelta(days=1),
        expires_at=NOW + expires_in,
    )


def test_converting_a_valid_quote_keeps_its_prices_and_lists_every_change() -> None:
    products = {"UP": product("UP", "25.00"), "GONE": product("GONE", "5.00", active=False),
                "SAME": product("SAME", "8.00", name="Renamed", on_hand=1)}  # fmt: skip

    cart, found, honoured = quotes.convert(_quote(timedelta(days=1)), products, uuid.uuid4(), False, NOW, "csr")

    assert honoured is True
    assert [(ln.line_no, ln.sku, ln.unit_price, ln.guaranteed_price) for ln in cart.lines] == [
        (1, "UP", D("20.00"), D("20.00")),
        (2, "SAME", D("8.00"), D("8.00")),
    ]
    assert [(c.sku, c.kind, c.line_no) for c in found] == [
        ("UP", "price_changed", 1),
        ("GONE", "discontinued", None),
        ("SAME", "product_changed", 2),
        ("SAME", "out_of_stock", 2),
    ]
    assert (cart.status, cart.version, cart.quote_changes) == ("cart", 0, found)


def test_an_expired_quote_is_refused_at_its_prices_and_converts_only_at_todays() -> None:
    expired = _quote(timedelta(seconds=-1))
    products = {"UP": product("UP", "25.00"), "GONE": product("GONE", "5.00"), "SAME": product("SAME", "7.00")}
    with pytest.raises(Rejected) as refused:
        quotes.convert(expired, products, uuid.uuid4(), False, NOW, "csr")
    cart, found, honoured = quotes.convert(expired, products, uuid.uuid4(), True, NOW, "csr")
    assert refused.value.code == OrderErrors.QUOTE_EXPIRED and honoured is False
    assert [(ln.unit_price, ln.guaranteed_price) for ln in cart.lines] == [
        (D("25.00"), None),
        (D("5.00"), None),
        (D("7.00"), None),
    ]
    assert [(c.sku, c.honoured) for c in found] == [("UP", False), ("SAME", False)]
    assert quotes.status_of(expired, NOW) == "expired"


# --- cancel (SRV-09) --------------------------------------------------------------------------------


def _payment(amount: str, status: str) -> PaymentView:
    return PaymentView(payment_id=uuid.uuid4(), method="card", amount=D(amount), status=status,
                       added_by="csr", added_at=NOW)  # fmt: skip


def test_cancel_refunds_what_was_authorized_and_is_refused_once_anything_shipped() -> None:
    placed = submitted_order(
        [line(1, "A", 2, "10.00").model_copy(update={"reserved_quantity": 2})],
        payments=[_payment("15.00", "authorized"), _payment("6.40", "pending")],
    )
    cancelled, refund = changes.cancel(placed, "changed mind", "csr", NOW)
    assert (cancelled.status, refund, cancelled.lines[0].reserved_quantity) == ("cancelled", D("15.00"), 0)
    assert cancelled.cancellation == ActionNote(reason="changed mind", by="csr", at=NOW)

    part = placed.model_copy(update={"status": "partially_shipped",
                                     "lines": [placed.lines[0].model_copy(update={"shipped_quantity": 1})]})  # fmt: skip
    for source, code in ((part, OrderErrors.ALREADY_SHIPPED), (cancelled, errors.INVALID_STATE),
                         (order([line(1, "A", 1, "1.00")]), errors.INVALID_STATE)):  # fmt: skip
        with pytest.raises(Rejected) as refused:
            changes.cancel(source, "x", "csr", NOW)
        assert refused.value.code == code


def test_a_change_refunds_or_collects_the_difference_to_what_the_payments_covered() -> None:
    before = submitted_order([line(1, "A", 1, "10.00")], payments=[_payment("114.20", "authorized")])
    after = before.model_copy(update={"totals": before.totals.model_copy(update={"total": D("92.95")})})
    assert changes.summary(before, after, "r", "csr", NOW).amount_due == D("-21.25")
    # Rebalanced: the last fixed instruction takes the difference, never below zero.
    fixed = [p.model_copy(update={"requested_amount": p.amount}) for p in
             (_payment("50.00", "authorized"), _payment("30.00", "authorized"))]  # fmt: skip
    assert [p.amount for p in changes.rebalance(fixed, D("40.00"))] == [D("40.00"), D("0.00")]
    assert [p.amount for p in changes.rebalance(fixed, D("95.00"))] == [D("50.00"), D("45.00")]


# --- shipments (SRV-11) -----------------------------------------------------------------------------


def _ship(source: OrderView, *lines: tuple[int, int], sid: str = "S1") -> OrderView:
    cmd = RecordShipmentV1(
        order_id=source.order_id,
        shipment_id=sid,
        lines=[ShipmentLineInput(line_no=no, quantity=qty) for no, qty in lines],
    )
    return fulfilment.record_shipment(source, cmd, NOW, "wh")[0]


def test_shipments_make_an_order_partially_shipped_shipped_then_complete_when_delivered() -> None:
    released = submitted_order(
        [line(1, "A", 2, "1.00").model_copy(update={"reserved_quantity": 2, "trackable": True})], released=True
    )
    part = _ship(released, (1, 1))
    done = _ship(part, (1, 1), sid="S2")
    assert (part.status, part.lines[0].reserved_quantity, done.status) == ("partially_shipped", 1, "shipped")
    first = fulfilment.record_delivery(done, "S1", NOW)
    assert first.status == "shipped" and fulfilment.record_delivery(first, "S2", NOW).status == "complete"
    event = fulfilment.trackable_event(done, done.shipment_records[-1])
    assert event is not None and (event.shipment_id, event.items[0].quantity) == ("S2", 1)

    for source, shipped_lines, code in (
        (released, [(1, 3)], errors.INVALID),
        (released, [(4, 1)], errors.NOT_FOUND),
        (done, [(1, 1)], errors.INVALID_STATE),
        (released.model_copy(update={"holds": ["blocked"]}), [(1, 1)], OrderErrors.ON_HOLD),
        (released.model_copy(update={"released": False}), [(1, 1)], OrderErrors.ON_HOLD),
        (part, [(1, 1)], errors.CONFLICT),  # S1 again
    ):
        with pytest.raises(Rejected) as refused:
            _ship(source, *shipped_lines)
        assert refused.value.code == code


# --- calls and holds (SRV-03, SRV-04, SRV-07) -------------------------------------------------------------


def test_only_carts_are_parked_transferred_or_voided_and_not_to_oneself() -> None:
    cart = order([line(1, "A", 1, "1.00")])
    parked = calls.park(cart, "alice", NOW)
    assert (parked.assigned_to, parked.pending_since) == ("alice", NOW)
    assert calls.transfer(parked, "alice", "bob", NOW).assigned_to == "bob"
    with pytest.raises(Rejected) as to_self:
        calls.transfer(parked, "alice", "alice", NOW)
    with pytest.raises(Rejected) as not_pending:
        calls.void(cart, None, "alice", NOW, pending_only=True)
    with pytest.raises(Rejected) as placed:
        calls.park(submitted_order([line(1, "A", 1, "1.00")]), "alice", NOW)
    assert (to_self.value.code, not_pending.value.code, placed.value.code) == (
        errors.INVALID,
        errors.INVALID_STATE,
        errors.INVALID_STATE,
    )
    assert calls.void(parked, None, "alice", NOW, pending_only=True).status == "voided"


def test_holds_follow_the_block_suspension_and_alerts_and_a_released_order_is_withdrawn_when_held() -> None:
    placed = submitted_order([line(1, "A", 1, "1.00")], holds=["payment"], released=True, notified_holds=["payment"])
    blocked = holds.with_holds(holds.block(placed, "fraud", None, "csr", NOW))
    suspended = holds.with_holds(holds.suspend(blocked, "why", "csr", NOW))
    assert (blocked.holds, suspended.holds) == (["blocked", "payment"], ["blocked", "payment", "suspended"])
    marked, events = holds.notices(blocked, "blocked")
    assert [type(e).__name__ for e in events] == ["OrderHeldV1"] and events[0].added == ["blocked"]  # type: ignore[attr-defined]
    assert marked.released is False
    cleared, events = holds.notices(holds.with_holds(marked.model_copy(update={"block": None, "holds": []})), "ok")
    assert [type(e).__name__ for e in events] == ["OrderReleasedV1"] and cleared.released is True
    with pytest.raises(Rejected) as resume:
        holds.resume(placed)
    assert resume.value.code == errors.INVALID_STATE


# --- the fulfilment simulator's planner -----------------------------------------------------------------


def test_the_planner_ships_a_release_after_the_delay_with_serials_and_forgets_a_withdrawn_one() -> None:
    placed = submitted_order(
        [line(1, "A", 2, "1.00").model_copy(update={"trackable": True}), line(2, "B", 1, "1.00")], released=True
    )
    other = order([line(1, "C", 1, "1.00")], status="submitted", order_number="10000015", released=True)
    planner = Planner(Options(ship_delay=timedelta(seconds=2)))
    planner.observe(holds.released_event(placed), NOW)
    planner.observe(holds.released_event(other), NOW)
    planner.observe(holds.held_event(other, ["blocked"], "fraud"), NOW)

    assert planner.due_shipments(NOW + timedelta(seconds=1)) == []
    [shipment] = planner.due_shipments(NOW + timedelta(seconds=2))
    assert shipment.order_id == placed.order_id and shipment.shipment_id == "SIM-10000007-v1"
    assert [(ln.line_no, ln.quantity, ln.serial_numbers) for ln in shipment.lines] == [
        (1, 2, ["SN-10000007-1-1", "SN-10000007-1-2"]),
        (2, 1, []),
    ]
    assert planner.due_shipments(NOW + timedelta(seconds=10)) == []  # once
