"""Order e-mails a customer can act on (NTF-01, NTF-02, ORD-05, ORD-04): the confirmation of a real
order, submitted through the orders service, lists lines, discounts, shipping, tax and a total
that add up, says what happens to backordered lines, names the customer as her language writes it,
and formats money and dates for it, right to left and in other scripts too."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest

from contracts.common import Money
from contracts.orders import AdjustSubtotalV1, SetBackorderPolicyV1, SubmitOrderV1
from csr.client import OmsClient
from tests.support.customers import register
from tests.support.notifications import html_of, subject_has, text_of, wait_mail
from tests.support.orders import accepted, add_line, add_product, new_cart, pay_by_card, ship_and_bill, view
from tests.support.system import System

D = Decimal


async def submitted_order(
    csr: OmsClient, feed: OmsClient, language: str, first: str, last: str, currency: str = "USD", **prices: Any
) -> tuple[uuid.UUID, str, Any]:
    """A registered customer's order: two tents (one in stock, one backordered) and a stove, a CSR
    adjustment, standard shipping to Illinois (6.25% tax), paid by card."""
    customer_id, command = await register(
        csr, first_name=first, last_name=last, preferred_language=language, preferred_currency=currency
    )
    tent = await add_product(feed, on_hand=1, name="Two-person tent", **prices.get("tent", {"usd": "149.99"}))
    stove = await add_product(feed, on_hand=50, name="Camp stove", **prices.get("stove", {"usd": "35.50"}))
    order_id = await new_cart(
        csr, customer_id=customer_id, first_name=first, last_name=last, email=str(command.email), currency=currency,
        language=language,
    )  # fmt: skip
    await add_line(csr, order_id, tent, 2)
    await add_line(csr, order_id, stove, 1)
    await ship_and_bill(csr, order_id)
    accepted(await csr.send(SetBackorderPolicyV1(order_id=order_id, policy="ship_available")))
    adjustment = Money(amount=D(prices.get("adjustment", "10.00")), currency=currency)
    accepted(await csr.send(AdjustSubtotalV1(order_id=order_id, amount=adjustment, reason="late delivery last time")))
    await pay_by_card(csr, order_id)
    accepted(await csr.send(SubmitOrderV1(order_id=order_id)))
    order = (await view(csr, order_id)).order
    return order_id, str(command.email), order


def amounts(text: str) -> list[Decimal]:
    """Every "$1,234.56" in ``text``, as numbers (a leading minus kept)."""
    return [D(m.replace(",", "").replace("$", "")) for m in re.findall(r"-?\$[\d,]+\.\d\d", text)]


@pytest.mark.capability("NTF-01", "ORD-05", "ORD-04")
async def test_the_confirmation_adds_up_and_says_what_happens_to_backorders(
    system: System, csr: OmsClient, feed: OmsClient
) -> None:
    _, email, order = await submitted_order(csr, feed, "en-US", "Amelia", "Quist")

    mail = await wait_mail(system.mailbox(), email, subject_has("confirmed"))
    text = text_of(mail)

    assert text.startswith("Dear Amelia Quist,")
    summary = text[text.index("Subtotal:") : text.index("Total:")]
    subtotal, *middle = amounts(summary)
    (total,) = amounts(text[text.index("Total:") :].splitlines()[0])
    totals = order.totals
    assert subtotal == totals.subtotal and total == totals.total
    assert subtotal + sum(middle) == total  # discount (negative), shipping, tax: what is shown adds up
    assert "CSR adjustment: -$10.00" in text
    assert f"Shipping: ${totals.shipping}" in text and f"Tax: ${totals.tax}" in text
    line_totals = [amounts(line)[0] for line in text.splitlines() if " x " in line]
    assert sum(line_totals) == subtotal
    assert "(1 of these are backordered)" in text
    assert "We ship them as soon as they are back in stock." in text
    html = html_of(mail)
    assert html is not None and 'dir="ltr"' in html and "CSR adjustment" in html


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_a_japanese_confirmation_puts_the_family_name_first_and_has_no_decimal_yen(
    system: System, csr: OmsClient, feed: OmsClient
) -> None:
    yen = {
        "tent": {"usd": None, "prices": [Money(amount=D("19800"), currency="JPY")]},
        "stove": {"usd": None, "prices": [Money(amount=D("4500"), currency="JPY")]},
        "adjustment": "50",  # the CSR limits are one number for every currency (docs/orders.md)
    }
    _, email, order = await submitted_order(csr, feed, "ja", "春樹", "佐藤", "JPY", **yen)

    mail = await wait_mail(system.mailbox(), email, subject_has(order.order_number))
    text = text_of(mail)

    assert mail.subject == f"ご注文 {order.order_number} を承りました"
    assert text.startswith("佐藤 春樹 様")
    assert f"合計: ￥{int(order.totals.total):,}" in text
    assert "うち1点は入荷待ち" in text
    assert not re.search(r"￥[\d,]+\.\d", text)  # yen have no minor unit


@pytest.mark.capability("NTF-01", "NTF-02")
async def test_an_arabic_confirmation_is_laid_out_right_to_left(
    system: System, csr: OmsClient, feed: OmsClient
) -> None:
    _, email, order = await submitted_order(csr, feed, "ar", "ليلى", "حداد")

    mail = await wait_mail(system.mailbox(), email, subject_has(order.order_number))

    assert mail.subject == f"تم تأكيد طلبك {order.order_number}"
    html = html_of(mail)
    assert html is not None and '<html lang="ar" dir="rtl">' in html
    text = text_of(mail)
    assert "ليلى حداد" in text and "الإجمالي" in text
