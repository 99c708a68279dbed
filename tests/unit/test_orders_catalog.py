"""The catalog commands (ORD-01, ORD-05) against a unit of work in memory: what upstream systems
tell is kept and announced; stock never goes below zero (tests/e2e/test_orders_catalog.py proves
them through Kafka and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts.common import Money
from contracts.errors import Refused
from contracts.orders import AdjustStockV1, OrderErrors, ProductUpsertedV1, StockAdjustedV1, UpsertProductV1
from services.orders.application import catalog
from tests.unit.fake_unit_of_work import FakeUnitOfWork


def tent(on_hand: int) -> UpsertProductV1:
    return UpsertProductV1(
        sku="TENT", name="Trail tent", prices=[Money(amount=Decimal("10.00"), currency="USD")], on_hand=on_hand
    )


async def test_a_product_is_kept_and_announced_new_then_changed() -> None:
    uow = FakeUnitOfWork()

    first = await catalog.upsert_product(uow, tent(5))
    second = await catalog.upsert_product(uow, tent(7))

    assert (first.created, second.created, second.version) == (True, False, 2)
    assert [e.on_hand for e in uow.events(ProductUpsertedV1)] == [5, 7]


async def test_stock_moves_by_its_delta_and_is_announced() -> None:
    uow = FakeUnitOfWork()
    await catalog.upsert_product(uow, tent(5))

    result = await catalog.adjust_stock(uow, AdjustStockV1(sku="TENT", delta=-2, reason="damaged"))

    assert (result.on_hand, result.available) == (3, 3)
    (event,) = uow.events(StockAdjustedV1)
    assert (event.delta, event.reason) == (-2, "damaged")


@pytest.mark.parametrize(
    ("sku", "delta", "code"), [("NOPE", 1, OrderErrors.UNKNOWN_SKU), ("TENT", -6, OrderErrors.INSUFFICIENT_STOCK)]
)
async def test_stock_of_an_unknown_product_or_below_zero_is_refused(sku: str, delta: int, code: str) -> None:
    uow = FakeUnitOfWork()
    await catalog.upsert_product(uow, tent(5))
    uow.emitted.clear()

    with pytest.raises(Refused) as refused:
        await catalog.adjust_stock(uow, AdjustStockV1(sku=sku, delta=delta, reason="count"))

    assert refused.value.code == code and not uow.emitted and uow.catalog.items["TENT"].on_hand == 5
