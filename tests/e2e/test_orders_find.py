"""Find orders (ORD-12), view an order (ORD-13), versions and their differences (ORD-11)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.orders import (
    ChangeCartLineV1,
    DiffOrderVersionsV1,
    FindOrdersV1,
    GetOrderV1,
    GetOrderVersionV1,
    OrderDetails,
    OrderPage,
    OrderVersionView,
    SetOrderAttributesV1,
    SetShippingV1,
    ShipTo,
    SubmitOrderV1,
    VersionDiff,
)
from csr.client import OmsClient
from tests.support.builders import register_customer, unique
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    address,
    new_cart,
    pay_by_card,
    ready_cart,
    rejected,
    ship_and_bill,
    view,
)
from tests.support.system import System, eventually


async def find(client: OmsClient, **criteria: Any) -> OrderPage:
    return OrderPage.model_validate(accepted(await client.send(FindOrdersV1.model_validate(criteria))))


@pytest.fixture(scope="module")
async def three_orders(feed: OmsClient, csr: OmsClient) -> dict[str, Any]:
    """Amelia's submitted order shipped to Bob, Amelia's cart for Carla, and Zed's submitted order."""
    tag = unique("q")
    sku = await add_product(feed, on_hand=1000)
    amelia = uuid.uuid4()
    a = await ready_cart(csr, [(sku, 1)], customer_id=amelia, first_name="Amelia", last_name=f"{tag}son")
    accepted(
        await csr.send(
            SetShippingV1(order_id=a, ship_to=ShipTo(address=address(first_name="Bob", last_name=f"{tag}ley")))
        )
    )
    number_a = accepted(await csr.send(SubmitOrderV1(order_id=a)))["order_number"]
    b = await new_cart(csr, customer_id=amelia, first_name="Amelia", last_name=f"{tag}son")
    await add_line(csr, b, sku, 1)
    await ship_and_bill(csr, b, first_name="Carla", last_name="Xu")
    c = await ready_cart(csr, [(sku, 1)], first_name="Zed", last_name=tag)
    accepted(await csr.send(SubmitOrderV1(order_id=c)))
    return {"tag": tag, "amelia": amelia, "a": a, "b": b, "c": c, "number_a": number_a}


@pytest.mark.capability("ORD-12")
async def test_find_by_number_status_customer_name_customer_id_ship_to_name_and_combined(
    csr: OmsClient, three_orders: dict[str, Any]
) -> None:
    t = three_orders
    tag = t["tag"]

    def ids(page: OrderPage) -> set[uuid.UUID]:
        return {o.order_id for o in page.items}

    assert ids(await find(csr, order_number=t["number_a"])) == {t["a"]}
    assert ids(await find(csr, customer_name=f"AMELIA {tag[2:]}")) == {t["a"], t["b"]}  # partial, any case
    assert ids(await find(csr, customer_id=t["amelia"])) == {t["a"], t["b"]}
    assert ids(await find(csr, ship_to_name=f"bob {tag}")) == {t["a"]}
    assert ids(await find(csr, ship_to_name="Carla Xu", customer_id=t["amelia"])) == {t["b"]}
    assert ids(await find(csr, customer_name=tag, status="submitted")) == {t["a"], t["c"]}
    assert ids(await find(csr, customer_name=tag, status="cart")) == {t["b"]}
    shown = (await find(csr, order_number=t["number_a"])).items[0]
    assert (shown.status, shown.customer_name, shown.ship_to_name) == ("submitted", f"Amelia {tag}son", f"Bob {tag}ley")


@pytest.mark.capability("ORD-12")
async def test_find_by_name_ignores_case_and_accents_in_every_script(feed: OmsClient, csr: OmsClient) -> None:
    """A caller spells her name in lower case or without its accents: she is found all the same."""
    tag = unique("i")
    sku = await add_product(feed, on_hand=100)
    names = [("Łucja", f"Żółkiewska{tag}"), ("Søren", f"Ødegård{tag}"), ("Σωκράτης", f"Παπαδόπουλος{tag}")]
    orders = {
        last: await ready_cart(csr, [(sku, 1)], customer_id=uuid.uuid4(), first_name=first, last_name=last)
        for first, last in names
    }

    def ids(page: OrderPage) -> set[uuid.UUID]:
        return {o.order_id for o in page.items}

    assert ids(await find(csr, customer_name=f"lucja zolkiewska{tag}")) == {orders[f"Żółkiewska{tag}"]}
    assert ids(await find(csr, customer_name=f"ŻÓŁKIEWSKA{tag.upper()}")) == {orders[f"Żółkiewska{tag}"]}
    assert ids(await find(csr, customer_name=f"soren odegard{tag}")) == {orders[f"Ødegård{tag}"]}
    assert ids(await find(csr, customer_name=f"ΠΑΠΑΔΟΠΟΥΛΟΣ{tag.upper()}")) == {orders[f"Παπαδόπουλος{tag}"]}
    assert ids(await find(csr, customer_name=f"σωκρατης παπαδοπουλος{tag}")) == {orders[f"Παπαδόπουλος{tag}"]}


@pytest.mark.capability("ORD-12")
async def test_find_is_paged_newest_first(csr: OmsClient, three_orders: dict[str, Any]) -> None:
    tag = three_orders["tag"]

    first = await find(csr, customer_name=tag, page_size=2)
    second = await find(csr, customer_name=tag, page_size=2, page=2)
    beyond = await find(csr, customer_name=tag, page_size=2, page=3)

    assert (first.total, second.total, beyond.total) == (3, 3, 3)
    assert [o.order_id for o in first.items + second.items] == [three_orders[k] for k in ("c", "b", "a")]
    assert beyond.items == []
    assert first.items[0].updated_at >= first.items[1].updated_at >= second.items[0].updated_at


@pytest.mark.capability("ORD-12")
async def test_find_uses_indexes(system: System) -> None:
    rows = await system.fetch("orders", "SELECT indexdef FROM pg_indexes WHERE tablename = 'orders'")
    definitions = " ".join(r["indexdef"] for r in rows)

    for needle in ("(order_number)", "(customer_id)", "(status, updated_at DESC)", "gin (search_key(customer_name)",
                   "gin (search_key(ship_to_names)", "gin (holds)"):  # fmt: skip
        assert needle in definitions, needle


@pytest.mark.capability("ORD-12", "CUS-01")
async def test_customer_names_come_from_the_customers_services_events(
    system: System, csr: OmsClient, three_orders: dict[str, Any]
) -> None:
    registration = register_customer(csr, first_name="Odile", last_name=unique("Vance"))
    customer_id = uuid.UUID(accepted(await csr.send(registration))["customer_id"])
    order_id = await new_cart(csr, customer_id=customer_id, first_name=None, last_name=None, email=None)

    async def found() -> bool:
        page = await find(csr, customer_name=f"odile {registration.last_name}")
        return [o.order_id for o in page.items] == [order_id]

    await eventually(found, timeout=30)


@pytest.mark.capability("ORD-13", "ORD-11")
async def test_view_an_order_any_previous_version_and_the_differences(feed: OmsClient, csr: OmsClient) -> None:
    sku = await add_product(feed, usd="30.00")
    order_id = await new_cart(csr)  # v1
    await add_line(csr, order_id, sku, 1)  # v2
    await ship_and_bill(csr, order_id)  # v3, v4
    accepted(await csr.send(SetOrderAttributesV1(order_id=order_id, set={"gift_message": "Cheers"})))  # v5
    await pay_by_card(csr, order_id)  # v6
    accepted(await csr.send(ChangeCartLineV1(order_id=order_id, line_no=1, quantity=2, expected_version=6)))  # v7
    number = accepted(await csr.send(SubmitOrderV1(order_id=order_id)))["order_number"]  # v8

    details = OrderDetails.model_validate(accepted(await csr.send(GetOrderV1(order_number=number))))
    v2 = OrderVersionView.model_validate(accepted(await csr.send(GetOrderVersionV1(order_id=order_id, version=2))))
    whole = VersionDiff.model_validate(
        accepted(await csr.send(DiffOrderVersionsV1(order_id=order_id, from_version=2, to_version=8)))
    )
    last = VersionDiff.model_validate(
        accepted(await csr.send(DiffOrderVersionsV1(order_id=order_id, from_version=7, to_version=8)))
    )

    order = details.order
    assert (order.order_id, order.status, order.version) == (order_id, "submitted", 8)
    assert [v.change for v in details.versions] == [
        "created", "line_added", "shipping_set", "billing_set", "attributes_changed", "payment_added",
        "line_changed", "submitted",
    ]  # fmt: skip
    assert all(v.changed_by == "csr-alice" for v in details.versions)
    # 2 x 30.00 + standard shipping 6.95 + 2 x 0.50 + Illinois 6.25% of 60.00 = 3.75
    assert (order.totals.shipping, order.totals.tax, order.totals.total) == (
        Decimal("7.95"),
        Decimal("3.75"),
        Decimal("71.70"),
    )
    assert [(p.brand, p.last4, p.amount) for p in order.payments] == [("visa", "1111", Decimal("71.70"))]
    assert v2.version.change == "line_added" and v2.order.status == "cart" and v2.order.ship_to is None
    assert [ln.quantity for ln in v2.order.lines] == [1]

    changes = {(d.area, d.path, d.change) for d in whole.differences}
    assert ("lines", "lines[1].quantity", "changed") in changes
    assert ("prices", "lines[1].subtotal", "changed") in changes
    assert ("charges", "totals.shipping", "changed") in changes
    assert ("addresses", "ship_to", "changed") in changes
    assert ("addresses", "billing_address", "changed") in changes
    assert ("attributes", "attributes.gift_message", "added") in changes
    assert ("order", "status", "changed") in changes
    assert any(area == "payments" and change == "added" for area, _, change in changes)
    assert {(d.path, d.before, d.after) for d in last.differences if d.area == "order"} >= {
        ("status", "cart", "submitted"),
        ("order_number", None, number),
    }


@pytest.mark.capability("ORD-11", "ORD-13")
async def test_unknown_orders_and_versions_are_not_found(csr: OmsClient) -> None:
    order_id = await new_cart(csr)

    rejected(await csr.send(GetOrderV1(order_id=uuid.uuid4())), errors.NOT_FOUND)
    rejected(await csr.send(GetOrderV1(order_number="99999999")), errors.NOT_FOUND)
    rejected(await csr.send(GetOrderVersionV1(order_id=order_id, version=2)), errors.NOT_FOUND, "payload.version")
    rejected(
        await csr.send(DiffOrderVersionsV1(order_id=order_id, from_version=1, to_version=5)),
        errors.NOT_FOUND,
        "payload.to_version",
    )
    assert (await view(csr, order_id)).order.version == 1
