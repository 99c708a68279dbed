"""Money after the sale beyond payments, through Kafka, PostgreSQL and stripe-mock: typed holds from
rules and the block list (MNY-09), claims (MNY-06), re-authorization before an authorization
expires (MNY-02). The orders service runs with a low amount limit for typed holds and reaches
stripe-mock through a recording proxy, so what the provider was asked is known."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest

from contracts import errors
from contracts.envelope import Role
from contracts.orders import (
    AddBlockListEntryV1,
    BlockListEntryResult,
    ChangeOrderV1,
    ClaimResult,
    ClearAlertsV1,
    ExchangeItemsV1,
    ExchangeResult,
    FileClaimV1,
    OrderErrors,
    OrderLineInput,
    ReceiveReturnV1,
    ReleaseHoldV1,
    RemoveBlockListEntryV1,
    ReturnLineInput,
    ReturnResult,
    SetShippingV1,
    ShipTo,
    SubmitOrderV1,
    SubmitResult,
    UnlockOrderV1,
)
from csr.client import OmsClient
from tests.support.notifications import html_of, known_customer, mails_to, subject_has, text_of, wait_mail
from tests.support.orders import (
    accepted,
    add_line,
    add_product,
    address,
    event_of,
    new_cart,
    pay_by_card,
    ready_cart,
    rejected,
    ship,
    ship_and_bill,
    submitted,
    view,
)
from tests.support.stripe_recorder import StripeRecorder, ledger, orders_through_recorder
from tests.support.system import System, eventually

D = Decimal
CURRENCIES = ("USD", "EUR", "CHF", "GBP", "CAD", "JPY", "KWD")
SETTINGS = {
    "OMS_PAYMENT_RETRY_BASE_S": "0.05",
    "OMS_PAYMENT_RETRY_MAX_S": "0.5",
    # Typed holds above 300 in any currency: below the alert threshold (SRV-05), so only the hold shows.
    "OMS_HOLD_AMOUNT_OVER": json.dumps(dict.fromkeys(CURRENCIES, "300")),
}


@pytest.fixture(scope="module")
def stripe(system: System) -> Iterator[StripeRecorder]:
    yield from orders_through_recorder(system, SETTINGS)


@pytest.fixture(scope="module")
async def warehouse(system: System) -> AsyncIterator[OmsClient]:
    async with system.client("warehouse-claims", Role.SYSTEM) as client:
        yield client


def succeeded(rows: list[dict[str, Any]], kind: str) -> list[Decimal]:
    return [D(r["amount"]).quantize(D("0.01")) for r in rows if r["kind"] == kind and r["status"] == "succeeded"]


async def order_row(system: System, order_id: uuid.UUID) -> Any:
    return await versions_of(system, order_id)


async def versions_of(system: System, order_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await system.fetch(
        "orders", "SELECT version, change, reason FROM order_versions WHERE order_id = $1 ORDER BY version", order_id
    )
    return [dict(r) for r in rows]


# --- typed holds (MNY-09) --------------------------------------------------------------------------


@pytest.mark.capability("MNY-09")
async def test_an_order_over_the_amount_limit_is_held_until_a_supervisor_releases_that_hold(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    stove = await add_product(feed, usd="150.00", on_hand=10)
    order_id, placed = await submitted(csr, [(stove, 2)])

    assert placed.total > D(300) and placed.holds == ["amount_over_limit"]
    held = await event_of(system, "OrderHeld", order_id)
    assert held["added"] == ["amount_over_limit"] and "above the limit of 300 USD" in held["reason"]
    placed_event = await event_of(system, "OrderHoldChanged", order_id)
    assert (placed_event["hold_type"], placed_event["change"], placed_event["by"]) == (
        "amount_over_limit",
        "placed",
        "system",
    )
    order = (await view(csr, order_id)).order
    [hold] = order.typed_holds
    assert (hold.hold_type, hold.released, order.released) == ("amount_over_limit", False, False)
    history = await versions_of(system, order_id)
    assert "amount_over_limit hold placed: the total" in history[-1]["reason"]

    rejected(
        await csr.send(ReleaseHoldV1(order_id=order_id, hold_type="amount_over_limit", note="ok")), errors.FORBIDDEN
    )
    rejected(
        await supervisor.send(ReleaseHoldV1(order_id=order_id, hold_type="block_list", note="none")),
        errors.INVALID_STATE,
        "payload.hold_type",
    )
    assert (await view(csr, order_id)).order == order, "a refused release changes nothing"

    released = accepted(
        await supervisor.send(ReleaseHoldV1(order_id=order_id, hold_type="amount_over_limit", note="card verified"))
    )

    assert released["holds"] == []
    await event_of(system, "OrderReleased", order_id)
    event = await event_of(system, "OrderHoldChanged", order_id, lambda p: p["change"] == "released")
    assert (event["by"], event["reason"]) == ("sup-sam", "card verified")
    [hold] = (await view(csr, order_id)).order.typed_holds
    assert (hold.released, hold.released_by, hold.release_note) == (True, "sup-sam", "card verified")


@pytest.mark.capability("MNY-09")
async def test_a_block_listed_email_holds_the_order_and_removing_the_entry_releases_it(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, supervisor: OmsClient
) -> None:
    email = f"mallory.{uuid.uuid4().hex[:8]}@example.com"
    rejected(await csr.send(AddBlockListEntryV1(kind="email", value=email, note="chargebacks")), errors.FORBIDDEN)
    entry = BlockListEntryResult.model_validate(
        accepted(await supervisor.send(AddBlockListEntryV1(kind="email", value=email.upper(), note="chargebacks")))
    )
    assert entry.value == email
    rejected(
        await supervisor.send(AddBlockListEntryV1(kind="email", value=f" {email} ", note="again")),
        errors.CONFLICT,
        "payload.value",
    )

    lamp = await add_product(feed, usd="20.00", on_hand=10)
    order_id, placed = await submitted(csr, [(lamp, 1)], email=email)
    assert placed.holds == ["block_list"]
    [hold] = (await view(csr, order_id)).order.typed_holds
    assert hold.reason == "its email is on the block list"

    removed = BlockListEntryResult.model_validate(
        accepted(await supervisor.send(RemoveBlockListEntryV1(entry_id=entry.entry_id, note="customer cleared")))
    )

    assert removed.released_orders == [order_id]
    order = (await view(csr, order_id)).order
    assert order.holds == [] and order.released
    assert order.typed_holds[0].release_note == "block-list entry removed: customer cleared"
    await event_of(system, "OrderReleased", order_id)
    rejected(
        await supervisor.send(RemoveBlockListEntryV1(entry_id=entry.entry_id, note="twice")),
        errors.NOT_FOUND,
        "payload.entry_id",
    )


@pytest.mark.capability("MNY-09")
async def test_a_country_mismatch_hold_releases_itself_when_a_change_ships_to_the_billing_country(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="30.00", on_hand=10)
    order_id = await new_cart(csr)
    await add_line(csr, order_id, sku, 1)
    await ship_and_bill(csr, order_id)
    berlin = address(city="Berlin", region=None, postal_code="10115", country="DE")
    accepted(await csr.send(SetShippingV1(order_id=order_id, ship_to=ShipTo(address=berlin, shipping_mode="express"))))
    await pay_by_card(csr, order_id)
    accepted(await csr.send(ClearAlertsV1(order_id=order_id, note="customer confirmed the gift address")))

    placed = SubmitResult.model_validate(accepted(await csr.send(SubmitOrderV1(order_id=order_id))))
    assert placed.holds == ["country_mismatch"]

    fixed = accepted(
        await csr.send(
            ChangeOrderV1(order_id=order_id, ship_to=ShipTo(address=address(), shipping_mode="express"), reason="home")
        )
    )

    assert fixed["holds"] == []
    [hold] = (await view(csr, order_id)).order.typed_holds
    assert (hold.released, hold.released_by, hold.release_note) == (True, "system", "no longer applies")
    await event_of(system, "OrderReleased", order_id)


# --- claims (MNY-06) -------------------------------------------------------------------------------


@pytest.mark.capability("MNY-06")
async def test_a_lost_unit_is_refunded_once_through_the_provider_and_the_ledger(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, warehouse: OmsClient
) -> None:
    customer = await known_customer(system, csr, preferred_language="de")
    tent = await add_product(feed, usd="100.00", on_hand=10)
    order_id, _ = await submitted(csr, [(tent, 2)], customer_id=customer.customer_id, email=customer.email)
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(warehouse, order_id, [(1, 2)]))
    claim = FileClaimV1(order_id=order_id, line_no=1, quantity=1, reason="lost", resolution="refund")
    message_id = uuid.uuid4()

    first = ClaimResult.model_validate(accepted(await csr.send(claim, message_id=message_id)))
    again = ClaimResult.model_validate(accepted(await csr.send(claim, message_id=message_id)))

    assert first == again and (first.refund_amount, first.refunded) == (D("106.25"), D("106.25"))
    rows = await ledger(system, order_id)
    assert succeeded(rows, "refund") == [D("106.25")], "a redelivered claim refunds once"
    [refund] = stripe.keyed({r["idempotency_key"] for r in rows if r["kind"] == "refund"})
    assert (refund.path, refund.params["amount"]) == ("/v1/refunds", "10625")
    event = await event_of(system, "ClaimFiled", order_id)
    assert (event["claim"]["resolution"], event["refunded"]) == ("refund", "106.25")
    movement = await event_of(system, "PaymentMovement", order_id, lambda p: p["kind"] == "refund")
    assert movement["reason"].startswith(f"claim {first.claim_id}")
    # One e-mail, in the customer's language: why, the item, how much; the refund movement is not another.
    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("Erstattung"))
    body = text_of(mail)
    assert mail.subject == f"Erstattung für Artikel Ihrer Bestellung {first.order_number}"
    assert "verloren gegangen" in body and f"- 1 × {tent}\n" in body and "106,25" in body
    assert "Der Betrag wurde auf Ihr Zahlungsmittel erstattet." in body

    before = (await view(csr, order_id)).order
    reply = rejected(
        await csr.send(FileClaimV1(order_id=order_id, line_no=1, quantity=2, reason="damaged", resolution="refund")),
        OrderErrors.CLAIM_EXCEEDS_SHIPPED,
        "payload.quantity",
    )
    assert "at most 1 more" in (reply.message or "") + str(reply.field_errors)
    rejected(
        await csr.send(FileClaimV1(order_id=order_id, line_no=7, quantity=1, reason="lost", resolution="reship")),
        errors.NOT_FOUND,
        "payload.line_no",
    )
    rejected(
        await warehouse.send(FileClaimV1(order_id=order_id, line_no=1, quantity=1, reason="lost", resolution="reship")),
        errors.FORBIDDEN,
    )
    assert (await view(csr, order_id)).order == before and await ledger(system, order_id) == rows
    templates = [r["template"] for r in await system.fetch("notifications", _EMAILS_OF_ORDER, order_id)]
    assert templates.count("claim") == 1 and "refund" not in templates, templates


@pytest.mark.capability("MNY-06")
async def test_a_damaged_unit_is_reshipped_at_no_charge(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, warehouse: OmsClient
) -> None:
    customer = await known_customer(system, csr, preferred_language="en-US")
    pad = await add_product(feed, usd="25.00", on_hand=10, name="Sleeping pad")
    order_id, _ = await submitted(csr, [(pad, 3)], customer_id=customer.customer_id, email=customer.email)
    await event_of(system, "OrderReleased", order_id)
    rejected(
        await csr.send(FileClaimV1(order_id=order_id, line_no=1, quantity=1, reason="damaged", resolution="reship")),
        errors.INVALID_STATE,
    )
    accepted(await ship(warehouse, order_id, [(1, 3)]))
    before = await ledger(system, order_id)

    done = ClaimResult.model_validate(
        accepted(
            await csr.send(FileClaimV1(order_id=order_id, line_no=1, quantity=2, reason="damaged", resolution="reship"))
        )
    )

    assert (done.refund_amount, done.refunded) == (D("0.00"), D("0.00"))
    request = await event_of(system, "ReshipmentRequested", order_id)
    assert request["claim_id"] == str(done.claim_id)
    assert [(ln["sku"], ln["quantity"], ln["unit_price"]) for ln in request["lines"]] == [(pad, 2, "0.00")]
    assert request["ship_to"]["address"]["postal_code"] == "62701"
    assert await ledger(system, order_id) == before, "a reship moves no money"
    [claim] = (await view(csr, order_id)).order.claims
    assert (claim.quantity, claim.resolution, claim.by) == (2, "reship", "csr-alice")
    # The customer hears which items come again, at no charge: one e-mail for the claim.
    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("Replacement"))
    assert mail.subject == f"Replacement items for your order {done.order_number}"
    body = text_of(mail)
    assert f"- 2 × Sleeping pad ({pad})\n" in body and "nothing to pay" in body and "$" not in body
    templates = [r["template"] for r in await system.fetch("notifications", _EMAILS_OF_ORDER, order_id)]
    assert templates.count("claim") == 1, templates


# --- re-authorization (MNY-02) ---------------------------------------------------------------------


@pytest.mark.capability("MNY-02")
async def test_an_authorization_older_than_the_setting_is_renewed_then_the_old_one_voided(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient
) -> None:
    sku = await add_product(feed, usd="40.00", on_hand=10)
    order_id = await ready_cart(csr, [(sku, 1)])
    placed = SubmitResult.model_validate(accepted(await csr.send(SubmitOrderV1(order_id=order_id))))
    [first] = await ledger(system, order_id)
    fast = {"OMS_REAUTHORIZE_AFTER_S": "2", "OMS_REAUTHORIZE_INTERVAL_S": "0.5"}
    await asyncio.to_thread(system.restart, "orders", {"OMS_STRIPE_API_BASE": stripe.url, **SETTINGS, **fast})
    try:

        async def renewed() -> list[dict[str, Any]]:
            rows = await ledger(system, order_id)
            return rows if any(r["kind"] == "void" for r in rows) else []

        # The renewal and the void commit together (one created_at): ordered by kind and reference.
        rows = await eventually(renewed, timeout=60)
    finally:
        await asyncio.to_thread(system.restart, "orders", {"OMS_STRIPE_API_BASE": stripe.url, **SETTINGS})
    assert rows[0] == first
    [void] = [r for r in rows if r["kind"] == "void" and r["authorization_ref"] == first["authorization_ref"]]
    renewal = next(r for r in rows[1:] if r["kind"] == "authorize")
    assert renewal["authorization_ref"] != first["authorization_ref"]
    assert [(r["status"], D(r["amount"]).quantize(D("0.01"))) for r in (renewal, void)] == [
        ("succeeded", placed.total),
        ("succeeded", placed.total),
    ]
    [cancel] = stripe.keyed({void["idempotency_key"]})
    assert cancel.path == f"/v1/payment_intents/{first['authorization_ref']}/cancel"
    [asked] = stripe.keyed({renewal["idempotency_key"]})
    assert asked.params["amount"] == str(int(placed.total * 100))
    # The worker may have renewed the new one too before it stopped: the order names the latest.
    settled = await ledger(system, order_id)
    latest = [r for r in settled if r["kind"] == "authorize"][-1]
    assert sum(succeeded(settled, "authorize")) - sum(succeeded(settled, "void")) == placed.total
    order = (await view(csr, order_id)).order
    assert [(p.status, p.result_reference) for p in order.payments] == [("authorized", latest["authorization_ref"])]
    await event_of(system, "OrderUpdated", order_id, lambda p: p.get("change") == "reauthorized")


# --- exchanges (MNY-05) ----------------------------------------------------------------------------


@pytest.mark.capability("MNY-05")
async def test_an_exchange_for_a_dearer_item_collects_the_difference_and_its_return_refunds_nothing_more(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, warehouse: OmsClient
) -> None:
    customer = await known_customer(system, csr, preferred_language="en-US")
    person = {"customer_id": customer.customer_id, "email": customer.email}
    # Under the typed-hold limit of 300 before and after (2 x 42.50 + 159.38): no hold in the way here.
    tent = await add_product(feed, usd="40.00", on_hand=10)
    stove = await add_product(feed, usd="150.00", on_hand=10, name="Camp stove")
    order_id, placed = await submitted(csr, [(tent, 2)], **person)
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(warehouse, order_id, [(1, 2)]))
    before = await ledger(system, order_id)
    rejected(
        await csr.send(
            ExchangeItemsV1(
                order_id=order_id,
                return_lines=[ReturnLineInput(line_no=1, quantity=3, reason="wrong_item")],
                add_lines=[OrderLineInput(sku=stove, quantity=1)],
            )
        ),
        OrderErrors.RETURN_EXCEEDS_SHIPPED,
    )
    assert await ledger(system, order_id) == before

    done = ExchangeResult.model_validate(
        accepted(
            await csr.send(
                ExchangeItemsV1(
                    order_id=order_id,
                    return_lines=[ReturnLineInput(line_no=1, quantity=1, reason="wrong_item")],
                    add_lines=[OrderLineInput(sku=stove, quantity=1)],
                )
            )
        )
    )

    order = (await view(csr, order_id)).order
    assert done.return_credit == D("42.50") and done.new_items_total == order.totals.total - placed.total
    assert done.holds == [] and order.typed_holds == []
    assert done.amount_due == done.new_items_total - done.return_credit > 0
    assert (order.status, [ln.sku for ln in order.lines]) == ("partially_shipped", [tent, stove])
    rows = await ledger(system, order_id)
    assert succeeded(rows, "authorize") == [placed.total, done.amount_due]
    [further] = stripe.keyed({rows[-1]["idempotency_key"]})
    assert further.params["amount"] == str(int(done.amount_due * 100))
    released = await event_of(system, "OrderReleased", order_id, lambda p: p["version"] == done.version)
    assert [ln["sku"] for ln in released["lines"]][-1] == stove
    exchange = await event_of(system, "ExchangeCreated", order_id)
    assert (exchange["return_number"], exchange["amount_due"]) == (done.return_number, str(done.amount_due))

    # One e-mail for the exchange, in the customer's language, whose amounts add up (and no refund e-mail).
    mail = await wait_mail(system.mailbox(), customer.email or "", subject_has("exchange"))
    assert mail.subject == f"Your exchange for order {done.order_number}"
    body, html = text_of(mail), html_of(mail) or ""
    credit, new_items, due = (f"${d:,.2f}" for d in (done.return_credit, done.new_items_total, done.amount_due))
    assert f"Credit for the items you send back: {credit}\n" in body
    assert f"Your new items: {new_items}\n" in body and f"Still to pay: {due}\n" in body
    assert done.return_number in body and due in html and "refunded" not in body

    accepted(await ship(warehouse, order_id, [(2, 1)]))
    rows = await ledger(system, order_id)
    assert succeeded(rows, "capture")[-1] == done.amount_due, "the last shipment takes what the exchange held"
    received = ReturnResult.model_validate(accepted(await warehouse.send(ReceiveReturnV1(return_id=done.return_id))))
    assert received.exchange and received.status == "received"
    assert succeeded(await ledger(system, order_id), "refund") == [], "netted at the exchange, not refunded again"
    await eventually(lambda: system.fetch("notifications", _EMAILS_OF_ORDER, order_id), 30)
    templates = [r["template"] for r in await system.fetch("notifications", _EMAILS_OF_ORDER, order_id)]
    assert templates.count("exchange") == 1 and "refund" not in templates, templates
    assert [m.subject for m in mails_to(system.mailbox(), customer.email or "") if "refund" in (m.subject or "")] == []


@pytest.mark.capability("MNY-09", "MNY-05")
async def test_an_exchange_taking_the_total_over_the_limit_is_held_and_its_new_item_waits_for_the_release(
    system: System, stripe: StripeRecorder, feed: OmsClient, csr: OmsClient, supervisor: OmsClient, warehouse: OmsClient
) -> None:
    tent = await add_product(feed, usd="100.00", on_hand=10)
    stove = await add_product(feed, usd="150.00", on_hand=10, name="Camp stove")
    order_id, placed = await submitted(csr, [(tent, 2)])
    assert placed.total < D(300) and placed.holds == []
    await event_of(system, "OrderReleased", order_id)
    accepted(await ship(warehouse, order_id, [(1, 2)]))

    exchange = ExchangeItemsV1(
        order_id=order_id,
        return_lines=[ReturnLineInput(line_no=1, quantity=1, reason="wrong_item")],
        add_lines=[OrderLineInput(sku=stove, quantity=1)],
    )
    done = ExchangeResult.model_validate(accepted(await csr.send(exchange)))

    # The order's new total (both tents still count, as for a change) is screened as at submit.
    order = (await view(csr, order_id)).order
    assert order.totals.total > D(300) and done.holds == ["amount_over_limit"] and not order.released
    [hold] = order.typed_holds
    why = f"the total {order.totals.total} USD is above the limit of 300 USD"
    assert (hold.hold_type, hold.reason, hold.placed_by, hold.released) == ("amount_over_limit", why, "system", False)
    placed_event = await event_of(system, "OrderHoldChanged", order_id)
    assert (placed_event["version"], placed_event["change"], placed_event["reason"]) == (done.version, "placed", why)
    last = (await versions_of(system, order_id))[-1]
    assert (last["version"], last["change"]) == (done.version, "exchanged")
    assert last["reason"].startswith("exchange: return") and f"amount_over_limit hold placed: {why}" in last["reason"]
    rejected(await ship(warehouse, order_id, [(2, 1)]), OrderErrors.ON_HOLD)  # the new item waits
    accepted(await csr.send(UnlockOrderV1(order_id=order_id)))  # the CSR is done: a supervisor reviews the hold

    released = accepted(
        await supervisor.send(ReleaseHoldV1(order_id=order_id, hold_type="amount_over_limit", note="exchange ok"))
    )

    assert released["holds"] == []
    to_ship = await event_of(system, "OrderReleased", order_id, lambda p: p["version"] > done.version)
    assert stove in [ln["sku"] for ln in to_ship["lines"]]


_EMAILS_OF_ORDER = "SELECT template FROM emails WHERE order_id = $1 ORDER BY created_at"
