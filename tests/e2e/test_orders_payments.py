"""Payment instructions (ORD-08): a card is validated (checksum, expiry, brand) and kept only as
token, brand, last four and expiry; other ways to pay; each bad input a specific rejection."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.common import Money
from contracts.orders import AddPaymentInstructionV1, InvoicePaymentInput, OrderErrors
from contracts.sealing import generate_private_key, public_key_of, seal
from csr.client import OmsClient
from tests.support.orders import (
    CARDS,
    JCB,
    NOT_A_CARD,
    accepted,
    add_line,
    add_product,
    card,
    new_cart,
    rejected,
    send_with,
    view,
)
from tests.support.system import System, first_event

HOSTILE = "4000056655665556"  # sent in clear by a careless channel; must go no further than its topic


@pytest.fixture(scope="module")
async def cart_id(feed: OmsClient, csr: OmsClient) -> uuid.UUID:
    order_id = await new_cart(csr)
    await add_line(csr, order_id, await add_product(feed, usd="50.00"), 1)
    return order_id


@pytest.mark.capability("ORD-08")
async def test_a_card_is_kept_as_token_brand_last_four_and_expiry(
    system: System, csr: OmsClient, cart_id: uuid.UUID
) -> None:
    added = accepted(
        await csr.send(AddPaymentInstructionV1(order_id=cart_id, payment=card(csr, CARDS["mastercard2"], month=7)))
    )

    payment = next(p for p in (await view(csr, cart_id)).order.payments if str(p.payment_id) == added["payment_id"])
    assert (payment.method, payment.brand, payment.last4, payment.expiry_month, payment.expiry_year) == (
        "card", "mastercard", "3222", 7, 2035,
    )  # fmt: skip
    # The card provider's token (a Stripe PaymentMethod where stripe-mock runs), else our own.
    expected = "tok_" if system.stack.stripe_api_base is None else "pm_"
    assert payment.token is not None and payment.token.startswith(expected) and payment.holder_name == "Jane Doe"
    event = await first_event(
        system,
        "orders.events",
        lambda e: (
            e.type == "OrderUpdated"
            and e.payload["order_id"] == str(cart_id)
            and e.payload["change"] == "payment_added"
        ),
    )
    assert event.payload["payments"][-1]["last4"] == "3222"
    assert CARDS["mastercard2"] not in json.dumps(event.payload)


@pytest.mark.capability("ORD-08")
@pytest.mark.parametrize(
    ("number", "expiry", "code", "field"),
    [
        (NOT_A_CARD, (12, 2035), OrderErrors.INVALID_CARD_NUMBER, "payload.payment.card_number"),
        ("41111111", (12, 2035), OrderErrors.INVALID_CARD_NUMBER, "payload.payment.card_number"),
        (JCB, (12, 2035), OrderErrors.UNSUPPORTED_CARD_BRAND, "payload.payment.card_number"),
        (CARDS["visa"], (1, 2024), OrderErrors.CARD_EXPIRED, "payload.payment.expiry_year"),
    ],
    ids=["checksum", "length", "brand", "expired"],
)
async def test_a_bad_card_is_refused_without_echoing_it_and_nothing_changes(
    system: System,
    csr: OmsClient,
    cart_id: uuid.UUID,
    number: str,
    expiry: tuple[int, int],
    code: str,
    field: str,
) -> None:
    before = (await view(csr, cart_id)).order

    reply = await csr.send(
        AddPaymentInstructionV1(order_id=cart_id, payment=card(csr, number, month=expiry[0], year=expiry[1]))
    )

    rejected(reply, code, field)
    assert number not in reply.model_dump_json()
    assert (await view(csr, cart_id)).order == before
    assert await system.services["orders"].still_healthy()


@pytest.mark.capability("ORD-08", "PLT-05")
async def test_a_card_number_in_clear_is_refused_dead_lettered_masked_and_never_stored(
    system: System, csr: OmsClient, cart_id: uuid.UUID
) -> None:
    command = AddPaymentInstructionV1(order_id=cart_id, payment=card(csr))
    clear = {**command.payment.model_dump(mode="json"), "card_number": HOSTILE}

    reply = await send_with(csr, command, payment=clear)

    rejected(reply, errors.INVALID, "payload.payment.card.card_number")
    letter = await first_event(
        system,
        "orders.commands.dlq",
        lambda e: str(cart_id) in e.payload["original"] and e.payload["reason"] == "invalid",
    )
    assert HOSTILE not in json.dumps(letter.payload) and "[REDACTED]" in letter.payload["original"]


@pytest.mark.capability("ORD-08")
async def test_a_card_sealed_for_someone_else_cannot_be_opened(csr: OmsClient, cart_id: uuid.UUID) -> None:
    stranger = public_key_of(generate_private_key())
    payment = card(csr).model_copy(update={"card_number": seal(CARDS["visa"], stranger)})

    reply = await csr.send(AddPaymentInstructionV1(order_id=cart_id, payment=payment))

    rejected(reply, errors.INVALID, "payload.payment.card_number")


@pytest.mark.capability("ORD-08")
@pytest.mark.parametrize(
    ("payment", "code", "field"),
    [
        (
            {"method": "invoice", "purchase_order": "PO-1"},
            OrderErrors.INVOICE_REQUIRES_ACCOUNT,
            "payload.payment.method",
        ),
        (
            {"amount": Money(amount=Decimal(10), currency="EUR")},
            OrderErrors.CURRENCY_MISMATCH,
            "payload.payment.amount",
        ),
    ],
    ids=["invoice-without-account", "other-currency"],
)
async def test_other_payment_refusals(
    csr: OmsClient, feed: OmsClient, payment: dict[str, Any], code: str, field: str
) -> None:
    order_id = await new_cart(csr)
    await add_line(csr, order_id, await add_product(feed), 1)
    chosen: Any = (
        InvoicePaymentInput.model_validate(payment) if payment.get("method") == "invoice" else card(csr, **payment)
    )

    rejected(await csr.send(AddPaymentInstructionV1(order_id=order_id, payment=chosen)), code, field)

    assert (await view(csr, order_id)).order.payments == []


@pytest.mark.capability("ORD-08")
async def test_only_one_instruction_may_take_the_rest(csr: OmsClient, cart_id: uuid.UUID) -> None:
    order_id = await new_cart(csr)
    accepted(await csr.send(AddPaymentInstructionV1(order_id=order_id, payment=card(csr))))

    reply = await csr.send(AddPaymentInstructionV1(order_id=order_id, payment=card(csr, CARDS["amex"])))

    rejected(reply, errors.INVALID, "payload.payment.amount")
    assert len((await view(csr, order_id)).order.payments) == 1
