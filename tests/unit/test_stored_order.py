"""The orders service stores its own model of an order (``StoredOrder``), not the contract's
``OrderView``: the two must keep the same fields, all the way down, so that a field added to the
contract is never dropped on save (and one removed from it is a storage migration, not an accident)."""

from __future__ import annotations

import json
import typing
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from contracts.orders import OrderView, ReturnOrderView
from services.orders.adapters import order_documents, stored_order, stored_return
from services.orders.adapters.stored_order import StoredOrder
from services.orders.adapters.stored_return import StoredReturn
from tests.unit.test_order_documents import v1_document


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The models in a field's type, in order (``list[X] | None`` -> ``[X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _differences(view: type[BaseModel], stored: type[BaseModel], path: str) -> list[str]:
    missing = [f"{path}.{f}: not stored" for f in view.model_fields.keys() - stored.model_fields.keys()]
    extra = [f"{path}.{f}: stored, not in the view" for f in stored.model_fields.keys() - view.model_fields.keys()]
    found = missing + extra
    for name in view.model_fields.keys() & stored.model_fields.keys():
        view_models = _models(view.model_fields[name].annotation)
        stored_models = _models(stored.model_fields[name].annotation)
        if len(view_models) != len(stored_models):
            found.append(f"{path}.{name}: {view_models} in the view, {stored_models} stored")
            continue
        for v, s in zip(view_models, stored_models, strict=True):
            found += _differences(v, s, f"{path}.{name}")
    return sorted(found)


def test_the_stored_order_has_every_field_of_the_view_and_no_other() -> None:
    assert _differences(OrderView, StoredOrder, "OrderView") == []


def test_the_stored_return_has_every_field_of_the_view_and_no_other() -> None:
    assert _differences(ReturnOrderView, StoredReturn, "ReturnOrderView") == []


def test_the_check_sees_a_field_missing_deep_down() -> None:
    class Line(BaseModel):
        sku: str
        added: int

    class StoredLine(BaseModel):
        sku: str

    class View(BaseModel):
        lines: list[Line] | None

    class Stored(BaseModel):
        lines: list[StoredLine] | None
        gone: str

    assert _differences(View, Stored, "View") == [
        "View.gone: stored, not in the view",
        "View.lines.added: not stored",
    ]


def _order() -> OrderView:
    return order_documents.read(1, v1_document())


def test_an_order_reads_back_as_it_was_saved() -> None:
    order = _order()
    assert stored_order.view(stored_order.stored(order)) == order
    assert order_documents.read(order_documents.CURRENT, order_documents.written(order)) == order


def test_the_stored_document_is_the_one_version_2_wrote() -> None:
    order = _order()
    assert json.loads(order_documents.written(order)) == json.loads(order.model_dump_json())


@pytest.mark.parametrize("as_text", [True, False])
def test_a_version_2_document_still_reads(as_text: bool) -> None:
    order = _order()
    version_2 = order.model_dump_json()  # what version 2 stored: the contract's OrderView itself
    doc = version_2 if as_text else json.loads(version_2)
    assert order_documents.read(2, doc) == order
    assert order_documents.CURRENT == 3


def test_a_return_reads_back_as_it_was_saved_in_the_same_document() -> None:
    at = datetime(2025, 3, 2, 10, 0, tzinfo=UTC)
    address = {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
    doc = ReturnOrderView.model_validate(
        {
            "return_id": uuid.UUID("7f1d2c3b-0000-4000-8000-000000000003"),
            "return_number": "R1000001",
            "status": "requested",
            "order_id": uuid.UUID("7f1d2c3b-0000-4000-8000-000000000001"),
            "order_number": "1000009",
            "customer_id": uuid.UUID("7f1d2c3b-0000-4000-8000-000000000002"),
            "currency": "USD",
            "lines": [
                {
                    "line_no": 1,
                    "sku": "MUG-1",
                    "name": "Mug",
                    "quantity": 1,
                    "reason": "damaged",
                    "unit_price": Decimal("7.50"),
                    "refund_amount": Decimal("7.50"),
                }
            ],
            "refund_amount": Decimal("7.50"),
            "ship_from": {"address": address, "shipping_mode": "ground"},
            "history": [{"status": "requested", "by": "csr-1", "at": at}],
            "created_by": "csr-1",
            "created_at": at,
            "updated_by": "csr-1",
            "updated_at": at,
        }
    )
    written = stored_return.written(doc)
    assert json.loads(written) == json.loads(doc.model_dump_json())  # what was stored before
    assert stored_return.read(written) == doc
    assert stored_return.read(doc.model_dump_json()) == doc
