"""Builders for order-capture and order-servicing tests: products, carts ready to submit, cards,
addresses, submitted orders, shipments, the events of one order.

Every product gets a unique SKU, so tests never share stock or prices on the session's system."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from contracts.common import Address, Money
from contracts.envelope import Command, Envelope, ReplyV1
from contracts.orders import (
    AddCartLineV1,
    AddPaymentInstructionV1,
    CardPaymentInput,
    CreateCartV1,
    GetCatalogProductV1,
    GetOrderV1,
    OrderDetails,
    OrderLineDetail,
    OrderView,
    RecordShipmentV1,
    SetBillingAddressV1,
    SetShippingV1,
    ShipmentLineInput,
    ShipTo,
    SubmitOrderV1,
    SubmitResult,
    UpsertProductV1,
)
from csr.client import OmsClient, follow
from services.orders.domain.pricing import PricingPolicy
from services.orders.settings import OrdersSettings
from tests.support.builders import unique
from tests.support.system import System, first_event

# Test numbers of the card brands (they pass the checksum; no real account behind them).
CARDS = {
    "visa": "4111111111111111",
    "visa2": "4012888888881881",
    "mastercard": "5555555555554444",
    "mastercard2": "2223003122003222",
    "amex": "378282246310005",
    "discover": "6011111111111117",
}
NOT_A_CARD = "4111111111111112"  # checksum fails
JCB = "3530111333300000"  # a valid number of a brand not accepted


def accepted(reply: ReplyV1) -> dict[str, Any]:
    assert reply.accepted, f"{reply.code}: {reply.message} {reply.field_errors}"
    assert reply.result is not None
    return reply.result


def rejected(reply: ReplyV1, code: str, field: str | None = None) -> ReplyV1:
    assert reply.status == "rejected", reply
    assert reply.code == code, f"expected {code}, got {reply.code}: {reply.message} {reply.field_errors}"
    if field is not None:
        assert field in [e.field for e in reply.field_errors], reply.field_errors
    return reply


def address(**overrides: Any) -> Address:
    fields: dict[str, Any] = {
        "first_name": "Jane",
        "last_name": "Doe",
        "line1": "1 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    fields.update(overrides)
    return Address.model_validate(fields)


def product(
    sku: str | None = None,
    *,
    usd: str | None = "10.00",
    eur: str | None = None,
    on_hand: int | None = 100,
    **overrides: Any,
) -> UpsertProductV1:
    prices = [Money(amount=Decimal(a), currency=c) for c, a in (("USD", usd), ("EUR", eur)) if a is not None]
    fields: dict[str, Any] = {
        "sku": sku or unique("SKU-").upper(),
        "name": "Trail tent",
        "description": "A test product",
        "category": "Tents",
        "prices": prices,
        "on_hand": on_hand,
    }
    fields.update(overrides)
    return UpsertProductV1.model_validate(fields)


async def add_product(feed: OmsClient, **kwargs: Any) -> str:
    command = product(**kwargs)
    accepted(await feed.send(command))
    return command.sku


def card(client: OmsClient, number: str = CARDS["visa"], *, month: int = 12, year: int = 2035, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "method": "card",
        "card_number": client.seal(number),
        "expiry_month": month,
        "expiry_year": year,
        "holder_name": "Jane Doe",
    }
    fields.update(kw)
    return CardPaymentInput.model_validate(fields)


async def new_cart(client: OmsClient, **overrides: Any) -> uuid.UUID:
    fields: dict[str, Any] = {
        "customer_id": uuid.uuid4(),
        "first_name": "Jane",
        "last_name": unique("Doe-"),
        "email": f"{unique('jane.')}@example.com",
        "currency": "USD",
    }
    fields.update(overrides)
    result = accepted(await client.send(CreateCartV1.model_validate(fields)))
    return uuid.UUID(result["order_id"])


async def add_line(client: OmsClient, order_id: uuid.UUID, sku: str, quantity: int = 1, **kw: Any) -> dict[str, Any]:
    return accepted(await client.send(AddCartLineV1(order_id=order_id, sku=sku, quantity=quantity, **kw)))


async def ship_and_bill(client: OmsClient, order_id: uuid.UUID, mode: str = "standard", **addr: Any) -> None:
    ship_to = ShipTo(address=address(**addr), shipping_mode=mode)
    accepted(await client.send(SetShippingV1(order_id=order_id, ship_to=ship_to)))
    accepted(await client.send(SetBillingAddressV1(order_id=order_id, address=address(**addr))))


async def pay_by_card(client: OmsClient, order_id: uuid.UUID, number: str = CARDS["visa"], **kw: Any) -> dict[str, Any]:
    return accepted(await client.send(AddPaymentInstructionV1(order_id=order_id, payment=card(client, number, **kw))))


async def ready_cart(
    client: OmsClient, skus: list[tuple[str, int]], *, number: str = CARDS["visa"], **cart: Any
) -> uuid.UUID:
    """A cart with lines, shipping (standard, Illinois), billing and a card for the whole total."""
    order_id = await new_cart(client, **cart)
    for sku, quantity in skus:
        await add_line(client, order_id, sku, quantity)
    await ship_and_bill(client, order_id)
    await pay_by_card(client, order_id, number)
    return order_id


async def view(client: OmsClient, order_id: uuid.UUID) -> OrderDetails:
    return OrderDetails.model_validate(accepted(await client.send(GetOrderV1(order_id=order_id))))


async def send_with(client: OmsClient, command: Command, **payload: Any) -> ReplyV1:
    """Send ``command`` with fields of its payload replaced as they are, unvalidated: what a
    careless channel could put on the topic."""
    envelope = client.envelope(command)
    raw = envelope.model_dump(mode="json")
    raw["payload"] = {**raw["payload"], **payload}
    return await client.send_raw_and_wait(command.TOPIC, json.dumps(raw).encode(), envelope.message_id)


# --- pure builders for unit tests of the order rules ------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = OrdersSettings()
POLICY = PricingPolicy(SETTINGS.shipping_modes, "standard", SETTINGS.tax_rates, Decimal(0))

IL = Address(first_name="Jane", last_name="Doe", line1="1 Main St", city="Springfield", region="IL",
             postal_code="62701", country="US")  # fmt: skip
DE = Address(line1="Hauptstr. 1", city="Berlin", postal_code="10115", country="DE")
FR = Address(line1="1 rue de Rivoli", city="Paris", postal_code="75001", country="FR")


def line(no: int, sku: str, qty: int, price: str, ship_to: ShipTo | None = None) -> OrderLineDetail:
    p = Decimal(price)
    return OrderLineDetail(
        line_no=no, sku=sku, name=sku, quantity=qty, unit_price=p, subtotal=p, net=p, total=p, ship_to=ship_to
    )


def order(lines: list[OrderLineDetail], currency: str = "USD", **kw: Any) -> OrderView:
    fields: dict[str, Any] = {
        "order_id": uuid.uuid4(),
        "status": "cart",
        "customer_id": uuid.uuid4(),
        "currency": currency,
        "lines": lines,
        "ship_to": ShipTo(address=IL, shipping_mode="standard"),
        "version": 1,
        "created_at": NOW,
        "created_by": "csr",
        "updated_at": NOW,
        "updated_by": "csr",
    }
    fields.update(kw)
    return OrderView(**fields)


# --- order servicing (SRV-*) ----------------------------------------------------------------------


async def submit(client: OmsClient, order_id: uuid.UUID) -> SubmitResult:
    return SubmitResult.model_validate(accepted(await client.send(SubmitOrderV1(order_id=order_id))))


async def submitted(client: OmsClient, skus: list[tuple[str, int]], **cart: Any) -> tuple[uuid.UUID, SubmitResult]:
    """A ready cart submitted: the order id and the submit's reply."""
    order_id = await ready_cart(client, skus, **cart)
    return order_id, await submit(client, order_id)


async def order_events(
    system: System, order_id: uuid.UUID, until: Callable[[Envelope], bool], timeout: float = 30.0
) -> list[Envelope]:
    """Every orders.events message about ``order_id``, from the first up to the one ``until`` accepts."""
    found: list[Envelope] = []
    stream = follow(
        system.stack.kafka_bootstrap,
        [system.prefix + "orders.events"],
        from_beginning=True,
        options=system.stack.kafka_admin_auth(),
    )
    try:
        async with asyncio.timeout(timeout):
            async for envelope, _ in stream:
                if envelope.payload.get("order_id") != str(order_id):
                    continue
                found.append(envelope)
                if until(envelope):
                    return found
    except TimeoutError:
        pass
    finally:
        await stream.aclose()
    raise AssertionError(f"no matching event of order {order_id} within {timeout}s; saw {[e.type for e in found]}")


def at_version(type_: str, version: int) -> Callable[[Envelope], bool]:
    return lambda e: e.type == type_ and e.payload.get("version") == version


async def event_of(
    system: System, type_: str, order_id: uuid.UUID, predicate: Callable[[dict[str, Any]], bool] = lambda p: True
) -> dict[str, Any]:
    """The payload of the first ``type_`` event of the order that satisfies ``predicate``."""
    envelope = await first_event(
        system,
        "orders.events",
        lambda e: e.type == type_ and e.payload.get("order_id") == str(order_id) and predicate(e.payload),
        timeout=30,
    )
    return envelope.payload


async def ship(
    fulfil: OmsClient,
    order_id: uuid.UUID,
    lines: list[tuple[int, int]],
    shipment_id: str | None = None,
    serials: dict[int, list[str]] | None = None,
) -> ReplyV1:
    """Fulfilment reports a shipment of (line number, quantity) pairs."""
    return await fulfil.send(
        RecordShipmentV1(
            order_id=order_id,
            shipment_id=shipment_id or unique("SHP-"),
            lines=[
                ShipmentLineInput(line_no=no, quantity=qty, serial_numbers=(serials or {}).get(no, []))
                for no, qty in lines
            ],
            carrier="UPS",
            tracking_number=unique("1Z"),
        )
    )


async def stock(client: OmsClient, sku: str) -> tuple[int, int, int]:
    """(on hand, reserved, available) of a product."""
    seen = accepted(await client.send(GetCatalogProductV1(sku=sku)))
    return seen["on_hand"], seen["reserved"], seen["available"]
