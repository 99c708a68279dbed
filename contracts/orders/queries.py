"""Queries of the orders service: catalog, shipping modes, orders and their versions, quotes, returns."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from contracts.common import MAX_INT, CurrencyCode, FreeText, Text
from contracts.envelope import ANY_ROLE, STAFF, Query
from contracts.orders.values import AgentId, Sku
from contracts.orders.views import (
    CatalogPage,
    OrderDetails,
    OrderPage,
    OrderSummaryView,
    OrderVersionView,
    PendingOrdersPage,
    PendingOrderView,
    ProductView,
    QuotePage,
    QuoteSummaryView,
    ReturnOrderView,
    ReturnPage,
    ReturnSummaryView,
    ShippingModes,
    VersionDiff,
)
from contracts.paging import ListPage
from contracts.topics import ORDERS_QUERIES


class _OrderQuery(Query):
    TOPIC = ORDERS_QUERIES


Page = Annotated[int, Field(ge=1, le=10_000)]
PageSize = Annotated[int, Field(ge=1, le=100)]


class GetCatalogProductV1(_OrderQuery):
    ALLOWED_ROLES = ANY_ROLE
    RESULT = ProductView

    sku: Sku


class SearchCatalogV1(_OrderQuery):
    """Find products while gathering what the customer wants (ORD-01): words in the SKU, name or
    description (partial, case-insensitive), a category, only those priced in a currency or in stock."""

    ALLOWED_ROLES = ANY_ROLE
    RESULT = CatalogPage

    text: Text | None = None
    category: Text | None = None
    currency: CurrencyCode | None = None
    in_stock_only: bool = False
    include_inactive: bool = False
    page: Page = 1
    page_size: PageSize = 20


class ListShippingModesV1(_OrderQuery):
    ALLOWED_ROLES = ANY_ROLE
    RESULT = ShippingModes

    currency: CurrencyCode | None = None


class GetOrderV1(_OrderQuery):
    """View a cart or order by id or by order number (ORD-13)."""

    RESULT = OrderDetails

    order_id: uuid.UUID | None = None
    order_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{2,20}$")] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> GetOrderV1:
        if (self.order_id is None) == (self.order_number is None):
            raise ValueError("give either order_id or order_number")
        return self


class GetOrderVersionV1(_OrderQuery):
    """A previous version of an order, as it was (ORD-11)."""

    RESULT = OrderVersionView

    order_id: uuid.UUID
    version: int = Field(ge=1, le=MAX_INT)


class DiffOrderVersionsV1(_OrderQuery):
    """What changed between two versions of an order (ORD-11): lines, prices, charges, addresses,
    payments, attributes."""

    RESULT = VersionDiff

    order_id: uuid.UUID
    from_version: int = Field(ge=1, le=MAX_INT)
    to_version: int = Field(ge=1, le=MAX_INT)


class FindOrdersV1(_OrderQuery):
    """Find carts and orders (ORD-12): every criterion given must match (partial, case-insensitive
    names). Newest change first, paged."""

    RESULT = OrderPage

    order_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
    status: Text | None = None
    hold: Text | None = None
    customer_name: Text | None = None
    customer_id: uuid.UUID | None = None
    ship_to_name: Text | None = None
    page: Page = 1
    page_size: PageSize = 20


# --- order servicing (SRV-01..SRV-12) ---------------------------------------------------------------


class FindQuotesV1(_OrderQuery):
    """Find quotes (SRV-01): every criterion given must match. ``open``: valid now; ``expired``: its
    guarantee ended; ``converted``: turned into an order. Newest first, paged."""

    RESULT = QuotePage

    quote_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
    customer_id: uuid.UUID | None = None
    customer_name: Text | None = None
    status: Literal["open", "expired", "converted"] | None = None
    page: Page = 1
    page_size: PageSize = 20


class ListPendingOrdersV1(_OrderQuery):
    """The pending orders grid (SRV-08): a CSR sees only their own pending list; a supervisor sees one
    agent's (``agent_id``) or everyone's. Last updated first, paged."""

    ALLOWED_ROLES = STAFF
    RESULT = PendingOrdersPage

    agent_id: AgentId | None = None
    page: Page = 1
    page_size: PageSize = 50


class FindReturnsV1(_OrderQuery):
    """Find returns and return orders (SRV-12): every criterion given must match; newest first, paged."""

    RESULT = ReturnPage

    return_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
    order_id: uuid.UUID | None = None
    order_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{1,20}$")] | None = None
    customer_id: uuid.UUID | None = None
    status: Literal["requested", "received", "refunded"] | None = None
    page: Page = 1
    page_size: PageSize = 20


class GetReturnOrderV1(_OrderQuery):
    """One return order, whole, by id or number (SRV-12)."""

    RESULT = ReturnOrderView

    return_id: uuid.UUID | None = None
    return_number: Annotated[FreeText, StringConstraints(pattern=r"^[0-9]{2,20}$")] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> GetReturnOrderV1:
        if (self.return_id is None) == (self.return_number is None):
            raise ValueError("give either return_id or return_number")
        return self


# --- the common page shape (docs/contract.md) ---------------------------------------------------
# Each paged query's V2 asks the same (its V1's fields, ``page`` and ``page_size`` flat) and
# answers a ``contracts.paging.ListPage`` with ``total`` counted. V1 stays, deprecated.


class SearchCatalogV2(SearchCatalogV1):
    """Search the catalog (as ``SearchCatalogV1``), answered in the common page shape: ``items``,
    ``page``, ``page_size``, ``has_more`` and ``total``."""

    RESULT = ListPage[ProductView]


class FindOrdersV2(FindOrdersV1):
    """Find orders (as ``FindOrdersV1``), answered in the common page shape."""

    RESULT = ListPage[OrderSummaryView]


class FindQuotesV2(FindQuotesV1):
    """Find quotes (as ``FindQuotesV1``), answered in the common page shape."""

    RESULT = ListPage[QuoteSummaryView]


class ListPendingOrdersV2(ListPendingOrdersV1):
    """The pending orders grid (as ``ListPendingOrdersV1``), answered in the common page shape."""

    RESULT = ListPage[PendingOrderView]


class FindReturnsV2(FindReturnsV1):
    """Find returns (as ``FindReturnsV1``), answered in the common page shape."""

    RESULT = ListPage[ReturnSummaryView]
