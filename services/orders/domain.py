"""Order rules, pure and synchronous: no I/O, the clock passed in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from contracts.orders import OrderLineView, OrderPlacedV1, PlaceOrderV1

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Amounts are kept to the cent with banker's rounding (documented in the README)."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def order_number(sequence: int) -> str:
    """Sequence plus a Luhn check digit, so a number misheard on the phone is caught at once."""
    digits = str(sequence)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class PlacedOrder:
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    currency: str
    lines: list[OrderLineView]
    total: Decimal
    email: str | None
    language: str | None
    placed_at: datetime
    version: int = 1

    def placed_event(self) -> OrderPlacedV1:
        return OrderPlacedV1(
            order_id=self.order_id,
            order_number=self.order_number,
            customer_id=self.customer_id,
            currency=self.currency,
            lines=self.lines,
            total=self.total,
            email=self.email,
            language=self.language,
            placed_at=self.placed_at,
            version=self.version,
        )


def place(cmd: PlaceOrderV1, order_id: uuid.UUID, number: str, now: datetime) -> PlacedOrder:
    # The unit price is rounded first, so the line total is what the customer can check:
    # the unit price shown, times the quantity.
    lines = [
        OrderLineView(
            line_no=i,
            sku=line.sku,
            description=line.description,
            quantity=line.quantity,
            unit_price=money(line.unit_price),
            line_total=money(line.unit_price) * line.quantity,
        )
        for i, line in enumerate(cmd.lines, start=1)
    ]
    return PlacedOrder(
        order_id=order_id,
        order_number=number,
        customer_id=cmd.customer_id,
        currency=cmd.currency,
        lines=lines,
        total=money(sum((ln.line_total for ln in lines), Decimal(0))),
        email=str(cmd.email) if cmd.email else None,
        language=cmd.language,
        placed_at=now,
    )
