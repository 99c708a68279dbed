"""The cart use cases (ORD-02..ORD-08, ORD-14, ORD-15) against a unit of work in memory: each loads
the cart, asks the Cart for its transition, and commits it priced and versioned. Each test fails
when a use case skips a step (the guard, the lock, the version, the event) that the end-to-end
tests (tests/e2e/test_orders_cart.py) prove through Kafka and PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contracts import errors
from contracts.common import Money
from contracts.customers import CustomerUpdatedV1
from contracts.errors import Refused
from contracts.orders import (
    AddCartLineV1,
    AddOrderCommentV1,
    AddPaymentInstructionV1,
    AdjustSubtotalV1,
    CardPaymentInput,
    CloneOrderV1,
    CreateCartV1,
    OrderCommentAddedV1,
    OrderErrors,
    OrderLockChangedV1,
    OrderUpdatedV1,
    OrderView,
    RemoveCartLineV1,
)
from services.orders.application import carts, customer_names
from services.orders.domain.cart import Cart, CustomerName
from services.orders.domain.catalog import Product
from tests.support.orders import NOW, SETTINGS, line, order
from tests.unit.fake_unit_of_work import FakeUnitOfWork

D = Decimal


def tent(on_hand: int = 10, price: str = "10.00", active: bool = True) -> Product:
    return Product(
        sku="TENT",
        name="Trail tent",
        prices={"USD": D(price)},
        trackable=False,
        stocked=True,
        backorderable=True,
        active=active,
        on_hand=on_hand,
        reserved=0,
    )


def kept(uow: FakeUnitOfWork, cart: OrderView) -> OrderView:
    uow.orders.saved[cart.order_id] = cart
    uow.catalog.items["TENT"] = tent()
    return cart


def visa() -> CardPaymentInput:
    # The fake card port takes the number in the clear; the real one opens a sealed one.
    return CardPaymentInput.model_construct(
        method="card", card_number="4111111111111111", expiry_month=12, expiry_year=2035, holder_name="Jane Doe"
    )


async def test_a_new_cart_is_locked_to_its_agent_named_from_what_customers_told_and_announced() -> None:
    uow = FakeUnitOfWork()
    customer_id = uuid.uuid4()
    uow.customers.names[customer_id] = CustomerName("Jane", "Doe", "jane@example.com", "de")

    result = await carts.create_cart(uow, CreateCartV1(customer_id=customer_id, currency="USD"))

    saved = uow.orders.saved[result.order_id]
    assert (saved.status, saved.version, saved.first_name, saved.language) == ("cart", 1, "Jane", "de")
    assert uow.orders.versions[-1][2:] == ("created", f"cart created for customer {customer_id}")
    assert [e.change for e in uow.events(OrderLockChangedV1)] == ["locked"]
    assert [e.change for e in uow.events(OrderUpdatedV1)] == ["created"]


async def test_a_cart_id_that_is_taken_is_refused() -> None:
    uow = FakeUnitOfWork()
    cart = kept(uow, order([]))

    with pytest.raises(Refused) as refused:
        await carts.create_cart(uow, CreateCartV1(order_id=cart.order_id, currency="USD"))

    assert refused.value.code == errors.CONFLICT and not uow.emitted


async def test_a_line_is_added_priced_from_the_catalog_with_what_would_be_backordered() -> None:
    uow = FakeUnitOfWork()
    cart = kept(uow, order([]))
    uow.catalog.items["TENT"] = tent(on_hand=1)

    result = await carts.add_line(uow, AddCartLineV1(order_id=cart.order_id, sku="TENT", quantity=3))

    saved = uow.orders.saved[cart.order_id]
    assert (result.line_no, result.version, saved.lines[0].quantity) == (1, 2, 3)
    assert saved.totals.merchandise == D("30.00")
    assert result.warnings and "2 would be backordered" in result.warnings[0]


async def test_the_cart_refuses_a_change_once_it_is_an_order_and_nothing_is_kept() -> None:
    uow = FakeUnitOfWork()
    cart = kept(uow, order([line(1, "TENT", 1, "10.00")], status="submitted", order_number="1000017"))

    with pytest.raises(Refused) as refused:
        await carts.remove_line(uow, RemoveCartLineV1(order_id=cart.order_id, line_no=1))

    assert refused.value.code == errors.INVALID_STATE
    assert uow.orders.saved[cart.order_id] is cart and not uow.events(OrderUpdatedV1)


def test_the_cart_itself_guards_its_transitions() -> None:
    submitted = order([line(1, "TENT", 1, "10.00")], status="submitted")
    with pytest.raises(Refused) as refused:
        Cart(submitted).set_backorder_policy("separate_order")
    assert refused.value.code == errors.INVALID_STATE
    # payment instructions may still change while the order waits on its payment hold
    held = submitted.model_copy(update={"holds": ["payment"]})
    with pytest.raises(Refused) as missing:
        Cart(held).remove_payment(uuid.uuid4())
    assert missing.value.code == errors.NOT_FOUND


async def test_a_card_is_kept_as_the_card_ports_token_never_its_number() -> None:
    uow = FakeUnitOfWork()
    cart = kept(uow, order([line(1, "TENT", 1, "10.00")]))

    result = await carts.add_payment(
        uow, AddPaymentInstructionV1.model_construct(order_id=cart.order_id, payment=visa())
    )

    payment = uow.orders.saved[cart.order_id].payments[0]
    assert result.payment_id == payment.payment_id and uow.cards.entered == [payment.payment_id]
    assert (payment.brand, payment.last4, payment.token) == ("visa", "1111", f"tok-{payment.payment_id}")
    assert "4111111111111111" not in uow.orders.saved[cart.order_id].model_dump_json()


async def test_a_subtotal_adjustment_above_the_agents_limit_is_refused() -> None:
    uow = FakeUnitOfWork()
    cart = kept(uow, order([line(1, "TENT", 1, "10.00")]))

    with pytest.raises(Refused) as refused:
        await carts.adjust_subtotal(
            uow,
            AdjustSubtotalV1(order_id=cart.order_id, amount=Money(amount=D("9.00"), currency="USD"), reason="goodwill"),
        )

    assert refused.value.code == errors.LIMIT_EXCEEDED and not uow.orders.versions


async def test_a_comment_makes_no_version_and_is_announced_on_any_order() -> None:
    uow = FakeUnitOfWork()
    cart = kept(uow, order([], status="shipped", order_number="1000017"))

    result = await carts.add_comment(
        uow, AddOrderCommentV1(order_id=cart.order_id, text="left at the door", visibility="customer")
    )

    assert uow.orders.comments[0][0] == cart.order_id and not uow.orders.versions
    (event,) = uow.events(OrderCommentAddedV1)
    assert event.comment_id == result.comment_id and event.visibility == "customer"


async def test_a_clone_takes_todays_prices_and_drops_what_is_no_longer_sold() -> None:
    uow = FakeUnitOfWork()
    source = kept(uow, order([line(1, "TENT", 2, "8.00"), line(2, "GONE", 1, "5.00")], status="shipped"))

    result = await carts.clone_order(uow, CloneOrderV1(source_order_id=source.order_id))

    clone = uow.orders.saved[result.order_id]
    assert (clone.status, clone.cloned_from, [ln.sku for ln in clone.lines]) == ("cart", source.order_id, ["TENT"])
    assert clone.lines[0].unit_price == D("10.00")
    assert sorted(c.kind for c in result.changes) == ["dropped", "price_changed"]
    assert [e.change for e in uow.events(OrderLockChangedV1)] == ["locked"]


async def test_a_clone_of_an_unknown_order_is_refused() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Refused) as refused:
        await carts.clone_order(uow, CloneOrderV1(source_order_id=uuid.uuid4()))
    assert refused.value.code == errors.NOT_FOUND


async def test_what_the_customers_service_tells_is_remembered_for_the_next_cart() -> None:
    uow = FakeUnitOfWork()
    customer_id = uuid.uuid4()
    event = CustomerUpdatedV1(
        customer_id=customer_id,
        changed_fields=["first_name"],
        first_name="Ann",
        last_name="Lee",
        email="ann@example.com",
        preferred_currency="EUR",
        preferred_language="fr",
        version=2,
        updated_at=NOW,
    )

    await customer_names.on_customer_updated(uow, event)

    assert uow.customers.names[customer_id] == CustomerName("Ann", "Lee", "ann@example.com", "fr")


def test_an_unknown_product_is_refused_by_the_cart() -> None:
    with pytest.raises(Refused) as refused:
        Cart(order([])).add_line("NOPE", 1, None, None, SETTINGS)
    assert refused.value.code == OrderErrors.UNKNOWN_SKU
