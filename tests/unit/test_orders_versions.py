"""Differences between two versions of an order, by area."""

from __future__ import annotations

from services.orders.domain.versions import area_of, diff


def test_keyed_lists_compare_item_by_item() -> None:
    before = {
        "version": 3,
        "lines": [{"line_no": 1, "sku": "A", "quantity": 1, "unit_price": "5.00"}, {"line_no": 2, "sku": "B"}],
        "payments": [{"payment_id": "p1", "status": "pending"}],
        "attributes": {"gift": "yes"},
        "ship_to": {"address": {"city": "Springfield"}},
    }
    after = {
        "version": 4,
        "lines": [{"line_no": 1, "sku": "A", "quantity": 2, "unit_price": "4.50"}, {"line_no": 3, "sku": "C"}],
        "payments": [{"payment_id": "p1", "status": "declined"}],
        "attributes": {"note": "ring twice"},
        "ship_to": {"address": {"city": "Chicago"}},
    }

    found = {(d.area, d.path, d.change): (d.before, d.after) for d in diff(before, after)}

    assert found == {
        ("lines", "lines[1].quantity", "changed"): (1, 2),
        ("prices", "lines[1].unit_price", "changed"): ("5.00", "4.50"),
        ("lines", "lines[2]", "removed"): ({"line_no": 2, "sku": "B"}, None),
        ("lines", "lines[3]", "added"): (None, {"line_no": 3, "sku": "C"}),
        ("payments", "payments[p1].status", "changed"): ("pending", "declined"),
        ("attributes", "attributes.gift", "removed"): ("yes", None),
        ("attributes", "attributes.note", "added"): (None, "ring twice"),
        ("addresses", "ship_to.address.city", "changed"): ("Springfield", "Chicago"),
    }


def test_areas() -> None:
    assert area_of("totals.shipping") == "charges"
    assert area_of("charges[shipping].amount") == "charges"
    assert area_of("totals.total") == "prices"
    assert area_of("discounts[TRAIL].amount") == "prices"
    assert area_of("lines[2].ship_to.address.city") == "addresses"
    assert area_of("billing_address") == "addresses"
    assert area_of("status") == "order"


def test_same_versions_have_no_differences() -> None:
    snapshot = {"lines": [{"line_no": 1}], "version": 1}
    assert diff(snapshot, {**snapshot, "version": 2}) == []
