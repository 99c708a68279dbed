"""Lists read at 80 columns, the width of many CSR terminals: numbers whole on one line, ids short."""

from __future__ import annotations

import io
import uuid
from typing import Any

from rich.console import Console

from csr.console import views  # noqa: F401  (registers the renderers)
from csr.console.render import shown, table


def at(width: int, renderable: Any) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, highlight=False, color_system=None).print(renderable)
    return out.getvalue().splitlines()


def orders(n: int) -> dict[str, Any]:
    return {
        "items": [
            {
                "order_id": str(uuid.uuid4()),
                "order_number": f"1000{i:03d}7",
                "status": "submitted",
                "holds": [],
                "customer_name": "Amelia Quist-Ødegård",
                "ship_to_name": "Bob Quist-Ødegård",
                "line_count": 3,
                "total": "1234.50",
                "currency": "EUR",
                "version": 4,
                "updated_at": "2026-12-07T10:00:00+00:00",
                "updated_by": "alice",
            }
            for i in range(n)
        ],
        "total": n,
        "page": 1,
        "page_size": 20,
    }


def test_found_orders_fit_80_columns_with_whole_order_numbers() -> None:
    result = orders(3)

    lines = at(80, shown("FindOrders", result))

    assert all(len(line) <= 80 for line in lines)
    for order in result["items"]:
        row = next(line for line in lines if order["order_number"] in line)  # whole, on one line
        assert "Amelia Quist-Ødegård" in row and "1234.50 EUR" in row
        assert not any(order["order_id"][:8] in line for line in lines)  # no room for ids at 80
    assert "(not shown at this width: order id" in "\n".join(lines)
    wide = at(140, shown("FindOrders", result))
    for order in result["items"]:
        assert any(order["order_id"] in line for line in wide)  # whole where there is room: it is copied


def test_a_generic_table_keeps_short_values_whole_and_shortens_ids() -> None:
    rows = [{"ticket_id": str(uuid.uuid4()), "status": "open", "due": "2026-12-08", "note": "call back " * 8}]

    lines = at(80, table(rows))

    assert all(len(line) <= 80 for line in lines)
    assert any("2026-12-08" in line for line in lines)
