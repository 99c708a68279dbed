"""The return document as the orders service stores it (``returns.doc``): its own models, apart
from the published ``ReturnOrderView`` (as ``stored_order`` is for orders).

Plain types (amounts as ``Decimal``, codes and names as ``str``): the contract checks them when the
return is read back as a ``ReturnOrderView``. ``tests/unit/test_stored_order.py`` fails when the
view and ``StoredReturn`` no longer have the same fields (recursively). The returns table has no
schema version yet (003_servicing.sql): a change to this shape needs a ``doc_schema`` column and an
upcaster first, as ``order_documents`` has.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from contracts.orders import ReturnOrderView
from services.orders.adapters.stored_order import StoredShipTo  # an address is stored alike in both

_STORED = ConfigDict(extra="forbid", frozen=True)


class StoredReturnStatusChange(BaseModel):
    """``contracts.orders.views.ReturnStatusChange`` as stored."""

    model_config = _STORED

    status: str
    by: str
    at: datetime
    note: str | None = None


class StoredReturnLineView(BaseModel):
    """``contracts.orders.views.ReturnLineView`` as stored."""

    model_config = _STORED

    line_no: int
    sku: str
    name: str
    quantity: int
    reason: str
    unit_price: Decimal
    refund_amount: Decimal


class StoredReturn(BaseModel):
    """``contracts.orders.views.ReturnOrderView`` as stored."""

    model_config = _STORED

    return_id: uuid.UUID
    return_number: str
    document_type: Literal["return_order"] = "return_order"
    status: Literal["requested", "received", "refunded"]
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    customer_name: str | None = None
    email: str | None = None
    currency: str
    lines: list[StoredReturnLineView]
    refund_amount: Decimal
    ship_from: StoredShipTo | None = None
    note: str | None = None
    refund_reference: str | None = None
    exchange: bool = False
    history: list[StoredReturnStatusChange]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


def stored(doc: ReturnOrderView) -> StoredReturn:
    """The return as it is stored."""
    return StoredReturn.model_validate(doc.model_dump())


def view(doc: StoredReturn) -> ReturnOrderView:
    """The stored return as the contract shows it."""
    return ReturnOrderView.model_validate(doc.model_dump())


def written(doc: ReturnOrderView) -> str:
    """The document to store."""
    return stored(doc).model_dump_json()


def read(doc: str) -> ReturnOrderView:
    """The return in a stored document (JSON text)."""
    return view(StoredReturn.model_validate_json(doc))
