"""Catalog and stock (ORD-01): upstream commands keep products, prices and stock current; the CSR
searches while gathering what the customer wants."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest

from contracts import errors
from contracts.orders import (
    AdjustStockV1,
    CatalogPage,
    GetCatalogProductV1,
    ListShippingModesV1,
    OrderErrors,
    ProductView,
    SearchCatalogV1,
    ShippingModes,
)
from csr.client import OmsClient
from tests.support.builders import unique
from tests.support.orders import accepted, add_product, product, rejected
from tests.support.system import System, first_event


async def _product(client: OmsClient, sku: str) -> ProductView:
    return ProductView.model_validate(accepted(await client.send(GetCatalogProductV1(sku=sku))))


@pytest.mark.capability("ORD-01")
async def test_upstream_upserts_a_product_and_the_csr_sees_prices_and_stock(
    system: System, feed: OmsClient, csr: OmsClient
) -> None:
    command = product(usd="149.99", eur="139.00", on_hand=12, trackable=True, name="Ridge 2P tent")

    first = accepted(await feed.send(command))
    second = accepted(await feed.send(command.model_copy(update={"name": "Ridge 2P tent (2026)"})))

    assert first == {"sku": command.sku, "version": 1, "created": True}
    assert second == {"sku": command.sku, "version": 2, "created": False}
    seen = await _product(csr, command.sku)
    assert seen.name == "Ridge 2P tent (2026)" and seen.trackable
    assert {(p.currency, p.amount) for p in seen.prices} == {("USD", Decimal("149.99")), ("EUR", Decimal("139.00"))}
    assert (seen.on_hand, seen.reserved, seen.available) == (12, 0, 12)
    event = await first_event(
        system, "orders.events", lambda e: e.type == "ProductUpserted" and e.payload["sku"] == command.sku
    )
    assert event.actor is not None
    assert event.payload["version"] == 1 and event.actor.role == "system"


@pytest.mark.capability("ORD-01")
async def test_stock_adjustments_change_available_to_promise(system: System, feed: OmsClient) -> None:
    sku = await add_product(feed, on_hand=5)

    received = accepted(await feed.send(AdjustStockV1(sku=sku, delta=7, reason="goods received")))
    damaged = accepted(await feed.send(AdjustStockV1(sku=sku, delta=-2, reason="damaged in the warehouse")))

    assert received == {"sku": sku, "on_hand": 12, "reserved": 0, "available": 12}
    assert damaged["available"] == 10
    rows = await system.fetch("orders", "SELECT delta, reason FROM stock_movements WHERE sku = $1 ORDER BY id", sku)
    assert [(r["delta"], r["reason"]) for r in rows][1:] == [(7, "goods received"), (-2, "damaged in the warehouse")]
    await first_event(system, "orders.events", lambda e: e.type == "StockAdjusted" and e.payload["sku"] == sku)


@pytest.mark.capability("ORD-01")
async def test_stock_cannot_go_below_zero_or_name_an_unknown_sku(system: System, feed: OmsClient) -> None:
    sku = await add_product(feed, on_hand=3)

    rejected(await feed.send(AdjustStockV1(sku=sku, delta=-4, reason="recount")), OrderErrors.INSUFFICIENT_STOCK)
    rejected(
        await feed.send(AdjustStockV1(sku=unique("NOPE-"), delta=1, reason="x")), OrderErrors.UNKNOWN_SKU, "payload.sku"
    )

    assert (await _product(feed, sku)).on_hand == 3


@pytest.mark.capability("ORD-01", "PLT-06")
async def test_a_csr_cannot_change_the_catalog(feed: OmsClient, csr: OmsClient) -> None:
    command = product()

    rejected(await csr.send(command), errors.FORBIDDEN)

    rejected(await csr.send(GetCatalogProductV1(sku=command.sku)), errors.NOT_FOUND)


@pytest.mark.capability("ORD-01")
async def test_catalog_search_is_partial_case_insensitive_and_paged(feed: OmsClient, csr: OmsClient) -> None:
    word = unique("zq")
    skus = [
        await add_product(feed, name=f"Alpine {word} sleeping bag", category="Sleeping", on_hand=4),
        await add_product(feed, name=f"Desert {word} sleeping bag", category="Sleeping", on_hand=0),
        await add_product(feed, name=f"Coastal {word} stove", category="Cooking", usd=None, eur="20.00"),
        await add_product(feed, name=f"Old {word} lantern", active=False),
    ]

    def search(**kw: object) -> SearchCatalogV1:
        return SearchCatalogV1.model_validate({"text": f"{word.upper()} bag", **kw})

    bags = CatalogPage.model_validate(accepted(await csr.send(search())))
    in_stock = CatalogPage.model_validate(accepted(await csr.send(search(in_stock_only=True))))
    everything = CatalogPage.model_validate(accepted(await csr.send(SearchCatalogV1(text=word, include_inactive=True))))
    in_euros = CatalogPage.model_validate(accepted(await csr.send(SearchCatalogV1(text=word, currency="EUR"))))
    page2 = CatalogPage.model_validate(accepted(await csr.send(SearchCatalogV1(text=word, page=2, page_size=2))))
    cooking = CatalogPage.model_validate(accepted(await csr.send(SearchCatalogV1(text=word, category="cooking"))))

    assert [p.sku for p in bags.items] == skus[:2] and bags.total == 2
    assert [p.sku for p in in_stock.items] == [skus[0]]
    assert everything.total == 4
    assert [p.sku for p in in_euros.items] == [skus[2]]
    assert page2.total == 3 and [p.sku for p in page2.items] == [skus[1]]  # Alpine, Coastal | Desert
    assert [p.sku for p in cooking.items] == [skus[2]]


@pytest.mark.capability("ORD-03")
async def test_shipping_modes_and_their_charges_are_listed(csr: OmsClient) -> None:
    modes = ShippingModes.model_validate(accepted(await csr.send(ListShippingModesV1(currency="EUR"))))

    standard = next(m for m in modes.modes if m.code == "standard")
    assert modes.default_mode == "standard"
    assert [(c.currency, c.base, c.per_item) for c in standard.charges] == [("EUR", Decimal("5.95"), Decimal("0.50"))]


@pytest.mark.capability("ORD-01")
async def test_the_seed_catalog_loads_twice_with_the_same_result(feed: OmsClient, csr: OmsClient) -> None:
    seed = importlib.import_module("scripts.seed_catalog")

    first = await seed.load(feed, with_pricing=False)  # its discount rules would change other tests' totals
    again = await seed.load(feed, with_pricing=False)

    assert first.products >= 50 and again.products == first.products
    tents = CatalogPage.model_validate(accepted(await csr.send(SearchCatalogV1(text="tent", currency="EUR"))))
    assert tents.total >= 3
    some = tents.items[0]
    assert {p.currency for p in some.prices} == {"USD", "EUR"} and some.version >= 2  # upserted twice
