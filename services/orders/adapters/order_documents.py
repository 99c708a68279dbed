"""The stored document of a cart, quote or order: its schema version and the upcasters that bring an
older document to the current shape before it is read.

The document is kept as JSON in ``orders.doc`` with its version in ``orders.doc_schema``. When its
shape changes, ``CURRENT`` goes up by one and one small function is added to ``UPCASTERS`` that turns
a document of the previous version into the next; documents already stored are never rewritten, they
are upcast on read, one step at a time (eventsourcing's ``class_version`` / ``upcast_vN_vM``).
A document of the current version goes straight to the model (the hot path: no extra parse).

Version history:
1. an order placed before order capture: only the columns of ``orders`` and its ``order_lines``
   (PlaceOrderV1's order: lines at the channel's prices, no charges), gathered by ``order_store``;
2. the order as order capture keeps it (``OrderView``'s fields, the contract itself);
3. ``stored_order.StoredOrder``: the adapter's own model of the document, apart from the contract
   (the same fields as version 2, so the upcaster only renames the version).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from contracts.orders import OrderView
from services.orders.adapters.stored_order import StoredOrder, stored, view

Document = dict[str, Any]

CURRENT = 3


def _v1_to_v2(doc: Document) -> Document:
    """Columns and lines become an order as order capture keeps it: the line total is the line's
    subtotal, net and total; the order's total is its merchandise and subtotal; submitted when placed."""
    lines = [
        {
            "line_no": ln["line_no"],
            "sku": ln["sku"],
            "name": ln["description"] or ln["sku"],
            "quantity": ln["quantity"],
            "unit_price": ln["unit_price"],
            "subtotal": ln["line_total"],
            "net": ln["line_total"],
            "total": ln["line_total"],
        }
        for ln in doc["lines"]
    ]
    total = doc["total"]
    kept = ("order_id", "order_number", "status", "customer_id", "email", "language", "currency", "version")
    stamps = ("created_at", "created_by", "updated_at", "updated_by")
    return {
        **{k: doc[k] for k in kept + stamps},
        "lines": lines,
        "totals": {"merchandise": total, "subtotal": total, "total": total},
        "last_line_no": len(lines),
        "submitted_at": doc["created_at"],
        "submitted_by": doc["created_by"],
    }


def _v2_to_v3(doc: Document) -> Document:
    """The contract's ``OrderView`` of the day becomes ``StoredOrder``: the same fields."""
    return doc


UPCASTERS: dict[int, Callable[[Document], Document]] = {1: _v1_to_v2, 2: _v2_to_v3}
"""From version N to N + 1, one entry per version below ``CURRENT``."""


def upcast(schema: int, doc: Document) -> Document:
    """``doc`` of version ``schema`` in the current shape."""
    if schema > CURRENT:
        # written by a newer release: reading it as today's shape could lose what it added
        raise ValueError(f"order document of schema {schema} is newer than this service's {CURRENT}")
    while schema < CURRENT:
        doc = UPCASTERS[schema](doc)
        schema += 1
    return doc


def read(schema: int, doc: str | Document) -> OrderView:
    """The order in a stored document (JSON text, or a document gathered from columns)."""
    if isinstance(doc, str):
        if schema == CURRENT:
            return view(StoredOrder.model_validate_json(doc))
        doc = json.loads(doc, parse_float=Decimal)  # amounts stay exact on their way through the upcasters
        assert isinstance(doc, dict)
    return view(StoredOrder.model_validate(upcast(schema, doc)))


def written(order: OrderView) -> str:
    """The document to store, of version ``CURRENT``."""
    return stored(order).model_dump_json()
