"""One e-mail per thing the customer should hear about money (MNY-04, MNY-05, MNY-07, MNY-08),
through Kafka, PostgreSQL, stripe-mock and the SMTP sink: the orders service names each money
event's ``cause`` and the notifications service decides on it, never on the reason's words.

Each test waits until the notifications service has handled the money events that must NOT make an
e-mail (its inbox records every handled message in the handler's transaction), so an e-mail that is
missing is missing, not late."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from contracts.common import Money
from contracts.customers import CustomerRegisteredV1
from contracts.envelope import Envelope, Role
from contracts.orders import (
    AddPaymentInstructionV1,
    CreateReturnV1,
    ExchangeItemsV1,
    ExchangeResult,
    GrantAppeasementV1,
    IssueStoreCreditV1,
    OrderLineInput,
    Payout,
    ReceiveReturnV1,
    ReturnLineInput,
    ReturnResult,
    StoreCreditPaymentInput,
    SubmitOrderV1,
    SubmitResult,
)
from csr.client import OmsClient
from tests.support.notifications import known_customer, subject_has, text_of, wait_mail
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    event_of,
    new_cart,
    ship,
    ship_and_bill,
    submitted,
    view,
)
from tests.support.system import System, eventually, first_event

D = Decimal


@pytest.fixture(scope="module")
async def warehouse(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("warehouse-money-emails", Role.SYSTEM) as client:
        yield client


async def money_event(system: System, type_: str, order_id: uuid.UUID, **fields: str) -> Envelope:
    """The order's first ``type_`` event whose payload has ``fields``."""
    return await first_event(
        system,
        "orders.events",
        lambda e: (
            e.type == type_
            and e.payload.get("order_id") == str(order_id)
            and all(e.payload.get(k) == v for k, v in fields.items())
        ),
        timeout=30,
    )


async def handled_by_notifications(system: System, *events: Envelope) -> None:
    """Wait until the notifications service has handled each event (whatever it decided)."""
    for event in events:
        await eventually(lambda e=event: system.fetch("notifications", _HANDLED, e.message_id), 60)


_HANDLED = "SELECT 1 FROM inbox WHERE message_id = $1 AND outcome IS NOT NULL"


async def templates_of(system: System, customer_id: uuid.UUID) -> list[str]:
    """The customer's e-mails but her welcome, by template."""
    rows = await system.fetch("notifications", "SELECT template FROM emails WHERE customer_id = $1", customer_id)
    return sorted(r["template"] for r in rows if r["template"] != "welcome")


async def causes(system: System, order_id: uuid.UUID) -> list[tuple[str, str]]:
    """(kind, cause) of the order's ledger movements, as kept (migration 009)."""
    rows = await system.fetch(
        "orders", "SELECT kind, cause FROM payment_movements WHERE order_id = $1 ORDER BY created_at", order_id
    )
    return [(r["kind"], r["cause"]) for r in rows]


async def shipped_order(system: System, csr: OmsClient, warehouse: OmsClient, order_id: uuid.UUID) -> dict[str, Any]:
    """The order submitted, released and shipped whole (what it carries captured)."""
    placed = SubmitResult.model_validate(accepted(await csr.send(SubmitOrderV1(order_id=order_id))))
    assert placed.holds == []
    await event_of(system, "OrderReleased", order_id)
    return accepted(await ship(warehouse, order_id, [(1, 2)]))


@pytest.mark.capability("MNY-05", "MNY-08")
async def test_an_exchange_settled_in_store_credit_is_e_mailed_once_as_the_exchange(
    system: System, feed: OmsClient, csr: OmsClient, supervisor: OmsClient, warehouse: OmsClient
) -> None:
    customer = await known_customer(system, csr, preferred_language="en")
    tent = await add_product(feed, usd="100.00", on_hand=10)
    mat = await add_product(feed, usd="20.00", on_hand=10, name="Camp mat")
    credit = Money(amount=D("500.00"), currency="USD")
    accepted(await supervisor.send(IssueStoreCreditV1(customer_id=customer.customer_id, amount=credit, reason="x")))
    order_id = await new_cart(csr, customer_id=customer.customer_id, email=customer.email)
    await add_line(csr, order_id, tent, 2)
    await ship_and_bill(csr, order_id)
    total = Money(amount=(await view(csr, order_id)).order.totals.total, currency="USD")
    paid = StoreCreditPaymentInput(method="store_credit", amount=total)
    accepted(await csr.send(AddPaymentInstructionV1(order_id=order_id, payment=paid)))
    await shipped_order(system, csr, warehouse, order_id)

    exchange = ExchangeItemsV1(
        order_id=order_id,
        return_lines=[ReturnLineInput(line_no=1, quantity=1, reason="wrong_item")],
        add_lines=[OrderLineInput(sku=mat, quantity=1)],
    )
    done = ExchangeResult.model_validate(accepted(await csr.send(exchange)))
    assert done.amount_due < 0, "the exchange gives money back"

    given_back = await money_event(system, "StoreCreditIssued", order_id, kind="given_back")
    assert (given_back.payload["cause"], D(given_back.payload["amount"])) == ("exchange", -done.amount_due)
    refund = await money_event(system, "PaymentMovement", order_id, kind="refund")
    assert (refund.payload["cause"], refund.payload["method"]) == ("exchange", "store_credit")
    assert await causes(system, order_id) == [("authorize", "submit"), ("capture", "shipment"), ("refund", "exchange")]
    redeemed = await money_event(system, "StoreCreditRedeemed", order_id)
    assert redeemed.payload["cause"] == "submit"
    await handled_by_notifications(system, given_back, refund)
    await wait_mail(system.mailbox(), customer.email or "", subject_has("exchange"))
    # One exchange e-mail; the one store_credit e-mail is the supervisor's credit, not the exchange's.
    assert await templates_of(system, customer.customer_id) == [
        "exchange",
        "order_confirmation",
        "shipment",
        "store_credit",
    ]


async def _shipped_order(
    system: System, feed: OmsClient, csr: OmsClient, warehouse: OmsClient
) -> tuple[CustomerRegisteredV1, uuid.UUID]:
    """A known customer's order of two 100.00 tents, paid by card and shipped whole."""
    customer = await known_customer(system, csr, preferred_language="en")
    tent = await add_product(feed, usd="100.00", on_hand=10)
    order_id, _ = await submitted(csr, [(tent, 2)], customer_id=customer.customer_id, email=customer.email)
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(warehouse, order_id, [(1, 2)]))
    return customer, order_id


@pytest.mark.capability("MNY-04")
async def test_a_received_returns_refund_is_e_mailed_once(
    system: System, feed: OmsClient, csr: OmsClient, warehouse: OmsClient
) -> None:
    customer, order_id = await _shipped_order(system, feed, csr, warehouse)
    lines = [ReturnLineInput(line_no=1, quantity=1, reason="damaged")]
    created = ReturnResult.model_validate(accepted(await csr.send(CreateReturnV1(order_id=order_id, lines=lines))))

    accepted(await warehouse.send(ReceiveReturnV1(return_id=created.return_id)))

    refund = await money_event(system, "PaymentMovement", order_id, kind="refund")
    assert (refund.payload["cause"], refund.payload["method"]) == ("return", "card")
    assert D(refund.payload["amount"]) == created.refund_amount
    assert await causes(system, order_id) == [("authorize", "submit"), ("capture", "shipment"), ("refund", "return")]
    await handled_by_notifications(system, refund)
    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("refund"))
    assert f"${created.refund_amount}" in text_of(mail)
    assert await templates_of(system, customer.customer_id) == ["order_confirmation", "refund", "shipment"]


@pytest.mark.capability("MNY-07", "MNY-08")
async def test_an_appeasement_is_e_mailed_once_whether_to_the_card_or_as_store_credit(
    system: System, feed: OmsClient, csr: OmsClient, warehouse: OmsClient
) -> None:
    customer, order_id = await _shipped_order(system, feed, csr, warehouse)
    five = Money(amount=D("5.00"), currency="USD")

    payouts: tuple[Payout, ...] = ("card", "store_credit")
    for payout in payouts:
        grant = GrantAppeasementV1(order_id=order_id, amount=five, reason="late_delivery", payout=payout)
        accepted(await csr.send(grant))

    refund = await money_event(system, "PaymentMovement", order_id, kind="refund")
    issued = await money_event(system, "StoreCreditIssued", order_id, kind="issued")
    assert (refund.payload["cause"], issued.payload["cause"]) == ("appeasement", "appeasement")
    assert await causes(system, order_id) == [
        ("authorize", "submit"),
        ("capture", "shipment"),
        ("refund", "appeasement"),
    ]
    await handled_by_notifications(system, refund, issued)
    await eventually(lambda: _count(system, customer.customer_id, "appeasement", 2), 60)
    assert await templates_of(system, customer.customer_id) == [
        "appeasement",
        "appeasement",
        "order_confirmation",
        "shipment",
    ]


async def _count(system: System, customer_id: uuid.UUID, template: str, n: int) -> bool:
    return (await templates_of(system, customer_id)).count(template) == n
