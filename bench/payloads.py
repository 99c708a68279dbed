"""Valid messages for the load: complete channel orders (PlaceOrderV2: three lines, shipping, a
card), the catalog they buy from, and a CSR's cart. Card numbers are sealed once per client and
reused, so the load generator does not spend its CPU on encryption the services never repeat;
channel orders are copies of one validated order with new ids, names, lines and card, so it does
not spend it on validating what it wrote itself either (the services validate every one)."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

from contracts.common import Address, Money
from contracts.orders import CardPaymentInput, OrderLineInput, PlaceOrderV2, ShipTo, UpsertProductV1

SKU_COUNT = 300
TEST_CARDS = ("4111111111111111", "5555555555554444", "378282246310005", "6011111111111117")
FIRST_NAMES = ("Ana", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jonas")


def sku(i: int) -> str:
    return f"BENCH-{i:04d}"


def products() -> list[UpsertProductV1]:
    """The catalog: many SKUs so that stock reservations of concurrent orders rarely meet on one row."""
    return [
        UpsertProductV1(
            sku=sku(i),
            name=f"Bench product {i}",
            category="Bench",
            prices=[Money(amount=Decimal("5.00") + Decimal(i % 50), currency="USD")],
            on_hand=10_000_000,
        )
        for i in range(SKU_COUNT)
    ]


def address(first: str, last: str) -> Address:
    return Address(
        first_name=first,
        last_name=last,
        line1="1 Main St",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="US",
    )


def card(sealed_number: str) -> CardPaymentInput:
    return CardPaymentInput(
        method="card", card_number=sealed_number, expiry_month=12, expiry_year=2035, holder_name="Jane Doe"
    )


def order(email: str, sealed_cards: list[str], rng: random.Random, customer_id: uuid.UUID) -> PlaceOrderV2:
    """A registered customer's order (the notifications service knows its seeded customers, and
    holds a confirmation until it knows the customer)."""
    first, last = rng.choice(FIRST_NAMES), f"Buyer{rng.randrange(1_000_000)}"
    return PlaceOrderV2(
        customer_id=customer_id,
        first_name=first,
        last_name=last,
        email=email,
        currency="USD",
        lines=[OrderLineInput(sku=sku(i), quantity=rng.randint(1, 3)) for i in rng.sample(range(SKU_COUNT), 3)],
        ship_to=ShipTo(address=address(first, last), shipping_mode="standard"),
        payments=[card(rng.choice(sealed_cards))],
    )


class ChannelOrders:
    """Orders for the closed and open loops: the template validated once, each order a copy that
    varies what makes it a new order (ids, customer, e-mail, lines, address, card)."""

    def __init__(self, sealed_cards: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.template = order("template@bench.example.com", sealed_cards, random.Random(1), uuid.UUID(int=1))
        self.cards = [card(sealed) for sealed in sealed_cards]
        self.ship_to = {name: ShipTo(address=address(name, "Buyer"), shipping_mode="standard") for name in FIRST_NAMES}

    def next(self, email: str, customer_id: uuid.UUID) -> PlaceOrderV2:
        rng = self.rng
        first = rng.choice(FIRST_NAMES)
        lines = [
            OrderLineInput.model_construct(sku=sku(i), quantity=rng.randint(1, 3))
            for i in rng.sample(range(SKU_COUNT), 3)
        ]
        update = {
            "order_id": uuid.uuid4(),
            "customer_id": customer_id,
            "first_name": first,
            "last_name": f"Buyer{rng.randrange(1_000_000)}",
            "email": email,
            "lines": lines,
            "ship_to": self.ship_to[first],
            "payments": [rng.choice(self.cards)],
        }
        return self.template.model_copy(update=update)
