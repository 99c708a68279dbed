"""The e-mails of money after the sale (MNY-04..MNY-08) render in every language the project
has templates in, with the same variables the orders' events carry; Japanese and Arabic are checked
for their own words (a non-Latin script, and Arabic right to left)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from contracts.orders import (
    APPEASEMENT_REASONS,
    AppeasementGrantedV1,
    ClaimFiledV1,
    ClaimView,
    ExchangeCreatedV1,
    MoneyCause,
    PaymentLedgerTotals,
    PaymentMovementV1,
    ReshipLine,
    ReshipmentRequestedV1,
    StoreCreditIssuedV1,
)
from services.notifications.adapters.templates import Renderer
from services.notifications.application import claim_events, customer_events, money_events
from tests.support.notifications import customer_registered
from tests.support.orders import NOW
from tests.unit.fakes_notifications import FakeNotificationsUnitOfWork

D = Decimal

LANGUAGES = ["en", "de", "fr", "ja", "ar"]
NAMES = {"first_name": "Jane", "last_name": "Doe"}
WHEN = "2026-03-01T15:30:00+00:00"
SAMPLES: dict[str, dict[str, Any]] = {
    "appeasement": {
        "order_number": "1000009",
        "amount": "15.00",
        "currency": "JPY",
        "reason": "late_delivery",
        "payout": "store_credit",
        "occurred_at": WHEN,
    },
    "refund": {"order_number": "1000009", "amount": "106.25", "currency": "USD", "occurred_at": WHEN},
    "exchange": {
        "order_number": "1000009",
        "return_number": "1000012",
        "currency": "USD",
        "return_credit": "106.25",
        "new_items_total": "159.38",
        "amount_due": "53.13",
        "created_at": WHEN,
    },
    "claim": {
        "resolution": "refund",
        "order_number": "1000009",
        "currency": "USD",
        "lines": [{"line_no": 1, "sku": "TENT-2P", "name": None, "quantity": 1}],
        "at": WHEN,
        "reason": "lost",
        "refund_amount": "106.25",
        "refunded": "106.25",
        "refund_pending": "0",
    },
    "store_credit": {
        "order_number": None,
        "amount": "20.00",
        "currency": "EUR",
        "balance": "32.50",
        "kind": "issued",
        "occurred_at": WHEN,
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_money_email_renders_in_every_language(name: str, language: str) -> None:
    rendered = Renderer().render(name, language, {**NAMES, **SAMPLES[name]})
    assert rendered.language == language
    assert rendered.subject and "\n" not in rendered.subject
    assert "Jane" in rendered.text and "Jane" in rendered.html
    assert rendered.html.startswith("<!doctype html>")


@pytest.mark.parametrize("reason", APPEASEMENT_REASONS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_appeasement_reason_has_words_in_every_language(reason: str, language: str) -> None:
    rendered = Renderer().render("appeasement", language, {**NAMES, **SAMPLES["appeasement"], "reason": reason})
    assert reason not in rendered.text  # the code is not shown, the language's words for it are


def test_the_japanese_appeasement_speaks_japanese_and_the_arabic_right_to_left() -> None:
    ja = Renderer().render("appeasement", "ja", {**NAMES, **SAMPLES["appeasement"]})
    assert ja.subject == "ご注文 1000009 についてのお詫び"
    assert "Doe Jane 様" in ja.text and "ストアクレジットに追加しました" in ja.text and "￥15" in ja.text
    ar = Renderer().render("store_credit", "ar", {**NAMES, **SAMPLES["store_credit"]})
    assert 'dir="rtl"' in ar.html and "رصيدك في المتجر" in ar.text


# --- which events become e-mails (services/notifications/application/money_events.py) -------------


def _movement(
    customer_id: uuid.UUID,
    reason: str,
    kind: str = "refund",
    cause: MoneyCause | None = None,
    method: str | None = "card",
) -> PaymentMovementV1:
    totals = PaymentLedgerTotals(
        authorized=D("100"), captured=D("100"), voided=D(0), refunded=D("40"), held=D(0), paid=D("60")
    )
    return PaymentMovementV1(
        order_id=uuid.uuid4(),
        order_number="1000009",
        customer_id=customer_id,
        movement_id=uuid.uuid4(),
        payment_id=uuid.uuid4(),
        kind=kind,
        status="succeeded",
        amount=D("40.00"),
        currency="USD",
        method=method,
        provider="stripe",
        idempotency_key="oms-x",
        reason=reason,
        ledger=totals,
        occurred_at=NOW,
        cause=cause,
    )


async def _customer(uow: FakeNotificationsUnitOfWork, language: str) -> uuid.UUID:
    customer = customer_registered(preferred_language=language)
    await customer_events.on_customer_registered(uow, customer)
    uow.next_message()
    return customer.customer_id


def _templates(uow: FakeNotificationsUnitOfWork) -> list[str]:
    return sorted(r["template"] for r in uow.emails.rows.values() if r["template"] != "welcome")


async def test_a_received_returns_refund_is_e_mailed_as_a_refund_in_the_customers_language() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "ja")
    await money_events.on_refund(uow, _movement(customer_id, "返品 R-1 受領", kind="void", cause="return"))
    uow.next_message()
    assert _templates(uow) == []
    await money_events.on_refund(uow, _movement(customer_id, "返品 R-1 受領", cause="return"))
    [row] = [r for r in uow.emails.rows.values() if r["template"] == "refund"]
    assert row["language"] == "ja" and row["status"] == "pending" and "返金" in row["subject"]


async def test_an_older_movement_without_a_cause_is_read_from_its_reasons_words() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "en")
    older = ("cancelled: twice", "changed: one less", "appeasement of 5.00 USD (late_delivery)", "exchange: return 7")
    for reason in (*older, "remboursement du retour 7"):  # the last in words nobody wrote: not e-mailed
        await money_events.on_refund(uow, _movement(customer_id, reason))
        uow.next_message()
    assert _templates(uow) == []
    await money_events.on_refund(uow, _movement(customer_id, "return R-1 received"))
    assert _templates(uow) == ["refund"]


async def test_an_appeasement_is_e_mailed_once_and_its_store_credit_is_not_e_mailed_again() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "fr")
    order_id = uuid.uuid4()
    granted = AppeasementGrantedV1(
        appeasement_id=uuid.uuid4(),
        order_id=order_id,
        order_number="1000009",
        customer_id=customer_id,
        amount=D("10.00"),
        currency="EUR",
        reason="damaged_item",
        payout="store_credit",
        granted_by="csr-1",
        granted_role="csr",
        occurred_at=NOW,
    )
    issued = StoreCreditIssuedV1(
        customer_id=customer_id,
        movement_id=granted.appeasement_id,
        amount=D("10.00"),
        currency="EUR",
        source="appeasement",
        reason="appeasement",
        order_id=order_id,
        balance=D("10.00"),
        by="csr-1",
        occurred_at=NOW,
        cause="appeasement",
    )
    await money_events.on_appeasement_granted(uow, granted)
    uow.next_message()
    await money_events.on_store_credit_issued(uow, issued)
    uow.next_message()
    assert _templates(uow) == ["appeasement"]
    supervisor = issued.model_copy(
        update={"source": "supervisor", "cause": "supervisor", "movement_id": uuid.uuid4(), "order_id": None}
    )
    await money_events.on_store_credit_issued(uow, supervisor)
    assert _templates(uow) == ["appeasement", "store_credit"]
    [row] = [r for r in uow.emails.rows.values() if r["template"] == "store_credit"]
    assert row["language"] == "fr" and "avoir" in (row["body_text"] or "")


# --- exchanges (MNY-05) ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("due", "shown"), [("53.13", "53.13"), ("-12.50", "12.50"), ("0.00", None)])
def test_the_exchange_e_mail_says_what_is_collected_or_given_back(language: str, due: str, shown: str | None) -> None:
    sample = {**NAMES, **SAMPLES["exchange"], "amount_due": due}
    rendered = Renderer().render("exchange", language, sample)
    for text in (rendered.text, rendered.html):
        assert "1000009" in text and "1000012" in text
        assert "-" + (shown or "x") not in text and "\u2212" not in text  # an amount given back is shown positive
    plain = Renderer().render("exchange", "en", sample).text
    if shown is None:
        assert "Nothing to pay" in plain
    elif due.startswith("-"):
        assert "To be refunded to you: $12.50" in plain
    else:
        assert "Still to pay: $53.13" in plain and "$106.25" in plain and "$159.38" in plain


def test_the_exchange_e_mail_in_japanese_and_arabic() -> None:
    ja = Renderer().render("exchange", "ja", {**NAMES, **SAMPLES["exchange"], "currency": "JPY", "amount_due": "-500"})
    assert ja.subject == "ご注文 1000009 の交換"
    assert "Doe Jane 様" in ja.text and "ご返金額: ￥500" in ja.text
    ar = Renderer().render("exchange", "ar", {**NAMES, **SAMPLES["exchange"]})
    assert 'dir="rtl"' in ar.html and "الاستبدال" in ar.subject and "المبلغ المتبقي للدفع" in ar.text


def _exchange(customer_id: uuid.UUID, currency: str, order_id: uuid.UUID | None = None) -> ExchangeCreatedV1:
    """An exchange that gives 46.25 back: a return worth 106.25 for new items of 60.00."""
    return ExchangeCreatedV1(
        order_id=order_id or uuid.uuid4(),
        order_number="1000009",
        customer_id=customer_id,
        version=4,
        return_id=uuid.uuid4(),
        return_number="1000012",
        currency=currency,
        new_line_nos=[2],
        return_credit=D("106.25"),
        new_items_total=D("60.00"),
        amount_due=D("-46.25"),
        created_by="csr-1",
        created_at=NOW,
    )


async def test_an_exchange_is_e_mailed_once_and_its_refund_movement_not_as_a_refund() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "de")
    exchange = _exchange(customer_id, "EUR")
    await money_events.on_exchange_created(uow, exchange)
    uow.next_message()
    reason = "return 1000012 swapped for 1 new line: wrong size"  # words that once meant a return's refund
    await money_events.on_refund(uow, _movement(customer_id, reason, cause="exchange"))
    uow.next_message()
    assert _templates(uow) == ["exchange"]
    [row] = [r for r in uow.emails.rows.values() if r["template"] == "exchange"]
    assert row["language"] == "de" and row["status"] == "pending" and "Umtausch" in row["subject"]
    assert "Wird Ihnen erstattet: 46,25" in (row["body_text"] or "")


# --- claims (MNY-06) -------------------------------------------------------------------------------

RESHIP: dict[str, Any] = {
    "resolution": "reship",
    "order_number": "1000009",
    "currency": "EUR",
    "lines": [{"line_no": 2, "sku": "PAD-1", "name": "Sleeping pad", "quantity": 2}],
    "at": WHEN,
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_claim_e_mail_names_what_is_sent_again_and_charges_nothing(language: str) -> None:
    rendered = Renderer().render("claim", language, {**NAMES, **RESHIP})
    for text in (rendered.text, rendered.html):
        item = "Sleeping pad（PAD-1） × 2" if language == "ja" else "2 × Sleeping pad (PAD-1)"
        assert "1000009" in text and item in text
        assert "€" not in text  # a reship moves no money: no amount is shown
    assert Renderer().render("claim", language, {**NAMES, **SAMPLES["claim"]}).subject != rendered.subject


@pytest.mark.parametrize(
    ("reason", "says"), [("lost", "were lost on their way to you"), ("damaged", "arrived damaged")]
)
@pytest.mark.parametrize(("refunded", "then"), [("106.25", "It has gone back"), ("40.00", "So far $40.00 of it")])
def test_the_claim_e_mail_says_why_how_much_is_refunded_and_what_went_back_so_far(
    reason: str, says: str, refunded: str, then: str
) -> None:
    pending = str(D("106.25") - D(refunded))
    sample = {**NAMES, **SAMPLES["claim"], "reason": reason, "refunded": refunded, "refund_pending": pending}
    plain = Renderer().render("claim", "en", sample).text
    assert says in plain and "- 1 × TENT-2P\n" in plain and "refund you $106.25 for them" in plain
    assert then in plain and ("So far" in plain) == (refunded != "106.25")


def test_the_claim_e_mail_in_japanese_and_arabic() -> None:
    ja = Renderer().render("claim", "ja", {**NAMES, **SAMPLES["claim"], "currency": "JPY", "refund_amount": "500"})
    assert ja.subject == "ご注文 1000009 の商品の返金"
    assert "Doe Jane 様" in ja.text and "配送中に紛失" in ja.text and "￥500" in ja.text
    ar = Renderer().render("claim", "ar", {**NAMES, **RESHIP})
    assert 'dir="rtl"' in ar.html and "إعادة إرسال" in ar.subject and "دون أي تكلفة" in ar.text


def _claim(customer_id: uuid.UUID, resolution: str, refunded: str = "0") -> ClaimFiledV1:
    amount = D("106.25") if resolution == "refund" else D(0)
    claim = ClaimView(claim_id=uuid.uuid4(), line_no=1, sku="TENT-2P", quantity=1, reason="damaged",
                      resolution=resolution, refund_amount=amount, note="box crushed", by="csr-1", at=NOW)  # fmt: skip
    return ClaimFiledV1(order_id=uuid.uuid4(), order_number="1000009", customer_id=customer_id, version=5,
                        currency="USD", claim=claim, refunded=D(refunded))  # fmt: skip


def _reshipment(filed: ClaimFiledV1) -> ReshipmentRequestedV1:
    line = ReshipLine(line_no=1, sku="TENT-2P", name="Two-person tent", quantity=filed.claim.quantity)
    return ReshipmentRequestedV1(order_id=filed.order_id, order_number=filed.order_number,
                                 customer_id=filed.customer_id, claim_id=filed.claim.claim_id, currency="USD",
                                 lines=[line], requested_at=NOW)  # fmt: skip


def _claim_rows(uow: FakeNotificationsUnitOfWork) -> list[dict[str, Any]]:
    return [r for r in uow.emails.rows.values() if r["template"] == "claim"]


async def test_a_refund_claim_is_e_mailed_once_even_redelivered_and_its_refund_movement_not_as_a_refund() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "fr")
    filed = _claim(customer_id, "refund", refunded="106.25")

    await claim_events.on_claim_filed(uow, filed)
    await claim_events.on_claim_filed(uow, filed)  # the same message again: a redelivery
    uow.next_message()
    # The provider's refund of the claim (orders: application/claims.py names it "claim <id>: ...").
    await money_events.on_refund(uow, _movement(customer_id, f"claim {filed.claim.claim_id}: 1 x line 1, refund"))

    assert _templates(uow) == ["claim"]
    [row] = _claim_rows(uow)
    assert (row["order_id"], row["regarding"], row["language"]) == (filed.order_id, "order 1000009", "fr")
    assert row["status"] == "pending" and "Remboursement" in row["subject"]
    body = row["body_text"] or ""
    assert (
        "arrivés endommagés" in body and "106,25" in body and "box crushed" not in body
    )  # the CSR's note stays inside


async def test_a_reship_claim_is_e_mailed_once_from_its_reshipment_request_naming_the_items() -> None:
    uow = FakeNotificationsUnitOfWork()
    customer_id = await _customer(uow, "en")
    filed = _claim(customer_id, "reship")

    await claim_events.on_claim_filed(uow, filed)  # told by the reshipment request that follows it
    uow.next_message()
    await claim_events.on_reshipment_requested(uow, _reshipment(filed))
    await claim_events.on_reshipment_requested(uow, _reshipment(filed))  # redelivered

    [row] = _claim_rows(uow)
    assert row["subject"] == "Replacement items for your order 1000009"
    assert "- 1 × Two-person tent (TENT-2P)\n" in (row["body_text"] or "") and "$" not in (row["body_text"] or "")
