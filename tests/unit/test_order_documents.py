"""An order's stored document is read through the upcasters from its own schema version: an order
kept before order capture (columns and lines only, version 1) still reads, as the order it was."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.orders.adapters import order_documents

PLACED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ORDER_ID = uuid.UUID("7f1d2c3b-0000-4000-8000-000000000001")
CUSTOMER_ID = uuid.UUID("7f1d2c3b-0000-4000-8000-000000000002")


def v1_document() -> order_documents.Document:
    """What order_store gathers from the columns of an order placed with PlaceOrderV1 before order
    capture (001_orders.sql): no document, the lines in order_lines."""
    return {
        "order_id": ORDER_ID,
        "order_number": "1000009",
        "status": "submitted",
        "customer_id": CUSTOMER_ID,
        "email": "ada@example.com",
        "language": "en",
        "currency": "USD",
        "total": Decimal("27.50"),
        "version": 1,
        "created_at": PLACED,
        "created_by": "web-shop",
        "updated_at": PLACED,
        "updated_by": "web-shop",
        "lines": [
            {
                "line_no": 1,
                "sku": "MUG-1",
                "description": None,
                "quantity": 2,
                "unit_price": Decimal("7.50"),
                "line_total": Decimal("15.00"),
            },
            {
                "line_no": 2,
                "sku": "TEA-9",
                "description": "Green tea",
                "quantity": 1,
                "unit_price": Decimal("12.50"),
                "line_total": Decimal("12.50"),
            },
        ],
    }


def test_an_order_kept_before_order_capture_reads_as_the_order_it_was() -> None:
    order = order_documents.read(1, v1_document())
    assert (order.order_id, order.order_number, order.status) == (ORDER_ID, "1000009", "submitted")
    assert [(ln.sku, ln.name, ln.quantity, ln.net, ln.total) for ln in order.lines] == [
        ("MUG-1", "MUG-1", 2, Decimal("15.00"), Decimal("15.00")),  # no description: the sku names it
        ("TEA-9", "Green tea", 1, Decimal("12.50"), Decimal("12.50")),
    ]
    assert (order.totals.merchandise, order.totals.subtotal, order.totals.total) == (Decimal("27.50"),) * 3
    assert order.last_line_no == 2
    assert (order.submitted_at, order.submitted_by) == (PLACED, "web-shop")  # placed was submitted
    assert order.version == 1


def test_a_document_of_the_current_schema_reads_back_as_written() -> None:
    order = order_documents.read(1, v1_document())
    assert order_documents.read(order_documents.CURRENT, order_documents.written(order)) == order


def test_an_older_document_kept_as_json_is_upcast_with_exact_amounts() -> None:
    # the same chain from JSON text (as a document of an old version would come from the column)
    as_json = json.dumps(v1_document(), default=str)
    assert order_documents.read(1, as_json).totals.total == Decimal("27.50")


def test_every_version_below_the_current_has_its_upcaster() -> None:
    assert sorted(order_documents.UPCASTERS) == list(range(1, order_documents.CURRENT))


def test_a_document_of_a_newer_release_is_refused_rather_than_read_short() -> None:
    with pytest.raises(ValueError, match="newer"):
        order_documents.read(order_documents.CURRENT + 1, "{}")
