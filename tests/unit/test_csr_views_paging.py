"""The csr command line shows a list in either page shape: ListAssets v1 (``assets``) and v2
(the common ``items`` page, docs/contract.md) render the same rows."""

from __future__ import annotations

from rich.console import Console

import csr.console.views.customers  # noqa: F401  (registers the renderers)
from csr.console.render import shown

ASSET = {
    "sku": "ROUTER-X",
    "name": "Router X",
    "quantity": 1,
    "serial_number": "SN-1",
    "order_id": "8b4e3f55-5f2c-4e0c-9f59-0d1c2f2b9a10",
    "order_number": "9000002",
    "acquired_at": "2026-12-07T10:00:00Z",
    "status": "active",
}


def _text(result: dict[str, object]) -> str:
    console = Console(width=200, record=True)
    console.print(shown("ListAssets", result))
    return console.export_text()


def test_both_versions_of_the_assets_list_show_the_asset() -> None:
    v1 = _text({"customer_id": ASSET["order_id"], "assets": [ASSET], "has_more": False})
    v2 = _text({"items": [ASSET], "page": 1, "page_size": 20, "has_more": False, "total": None})

    assert "SN-1" in v1 and "SN-1" in v2
    assert "No assets yet" not in v2
