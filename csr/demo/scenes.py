"""The phone calls ``csr demo`` plays (seed 003's scenario: a new caller registered, the catalog
searched, a quote e-mailed, converted after a price change and submitted, a change after submit, a
fraud block only a supervisor lifts, fulfilment shipping and the assets it creates, a return), one
short function per scene. The money is read out as it moves (csr/demo/money.py): the card
authorized at submit (and again for what the change added), captured shipment by shipment (the
simulator ships line by line: a partial capture, then the final one), refunded when the return
arrives, and goodwill for a late parcel given back to the card (an appeasement). A scene for a new
capability is a few lines added to :data:`SCENES`.

The demo runs against whatever system it is pointed at, a fresh one in CI included: the first scene
makes sure the catalog holds what the caller will buy, exactly as the seed catalog
(``scripts/seed_catalog.py``) defines it (a price an earlier call changed is set back), and tops up
stock that earlier calls used up. Fulfilment is the simulator (``python -m fulfilment_sim``), run by
the demo beside the call for the demo's own warehouse only (an order attribute), so it ships nobody
else's orders.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import csr.console.views  # noqa: F401  (the results the transcript shows read as `csr` shows them)
from contracts import errors
from contracts.common import Money
from contracts.customers import (
    FindCustomersV1,
    GetContactHistoryV1,
    GetCustomerV1,
    ListAssetsV1,
    RecordActivityNoteV1,
    RegisterCustomerV1,
)
from contracts.notifications import GetEmailHistoryV1, SendEmailV1
from contracts.orders import (
    AddCartLineV1,
    AddPaymentInstructionV1,
    AdjustStockV1,
    ApplyCouponV1,
    BlockOrderV1,
    ChangeOrderV1,
    ConvertQuoteToOrderV1,
    CreateCartV1,
    CreateReturnV1,
    EmailQuoteV1,
    FindQuotesV1,
    GetCatalogProductV1,
    GetOrderV1,
    GetReturnOrderV1,
    GrantAppeasementV1,
    ReceiveReturnV1,
    SaveAsQuoteV1,
    SearchCatalogV1,
    SetBillingAddressV1,
    SetOrderAttributesV1,
    SetShippingV1,
    SubmitOrderV1,
    UnblockOrderV1,
    UnlockOrderV1,
    UpsertCouponV1,
    UpsertProductV1,
)
from contracts.topics import ORDERS_EVENTS
from csr.client.events import EventStream
from csr.console.render import money
from csr.demo.call import Call, DemoFailed, Scene
from csr.demo.money import money_moves, narrate
from fulfilment_sim.planner import Options
from fulfilment_sim.runner import run as run_simulator

# What the caller buys, as the seed catalog defines it (tests/unit/test_csr_demo.py checks that
# they agree), and how many of each the call needs in stock.
PRODUCTS: dict[str, tuple[UpsertProductV1, int]] = {
    "TENT-2P": (
        UpsertProductV1(
            sku="TENT-2P",
            name="Ridge 2P tent",
            description="Two-person three-season tent with two doors",
            category="Tents",
            prices=[Money(amount=Decimal("249.00"), currency="USD"), Money(amount=Decimal("228.90"), currency="EUR")],
            trackable=True,
        ),
        1,
    ),
    "PAD-AIR": (
        UpsertProductV1(
            sku="PAD-AIR",
            name="Insulated air pad",
            description="R-value 4.2, packs to a bottle",
            category="Sleeping",
            prices=[Money(amount=Decimal("149.00"), currency="USD"), Money(amount=Decimal("136.90"), currency="EUR")],
        ),
        3,
    ),
}
WELCOME10 = UpsertCouponV1(
    code="WELCOME10",
    description="10% off a first order",
    kind="percent",
    value=Decimal(10),
    valid_from=datetime(2025, 1, 1, tzinfo=UTC),
    valid_to=datetime(2030, 1, 1, tzinfo=UTC),
    once_per_customer=True,
)
RESTOCK = 20  # what a top-up adds beyond what the call needs
NEW_PAD_PRICE = Decimal("159.00")  # the air pad's price after the quote was saved
SHIP_TIMEOUT_S = 90.0


async def before_the_phones_open(call: Call) -> None:
    call.scene("Before the phones open")
    for sku, (definition, needed) in PRODUCTS.items():
        product = await call.lookup("catalog", GetCatalogProductV1(sku=sku))
        if product is None or not product["active"] or _prices(product) != _prices(definition.model_dump(mode="json")):
            await call.ask("catalog", definition)
            product = await call.lookup("catalog", GetCatalogProductV1(sku=sku))
        if product is None:
            raise DemoFailed(f"{sku} is not in the catalog after it was sent")
        if product["stocked"] and product["available"] < needed:
            delta = needed + RESTOCK - product["available"]
            await call.ask("catalog", AdjustStockV1(sku=sku, delta=delta, reason="restocked for the demo call"))
    await call.ask("catalog", WELCOME10)
    call.say("catalog", f"{', '.join(PRODUCTS)} and the WELCOME10 coupon are on sale.")


def _prices(product: dict[str, Any]) -> set[tuple[str, Decimal]]:
    return {(p["currency"], Decimal(str(p["amount"]))) for p in product["prices"]}


def _phone(tag: str) -> str:
    digits = f"{int(tag, 16) % 10_000_000:07d}"  # a number of this call's own: find by phone finds one
    return f"+1 555 {digits[:3]} {digits[3:]}"


async def new_caller(call: Call) -> None:
    call.scene("A new caller")
    call.say("caller", "Hello, I'm Maria Rossi. My partner and I are hiking the Appalachian Trail next month.")
    call.say("csr", "Lovely! You're new with us, so let me register you first.")
    email, logon, phone = f"maria.rossi.{call.tag}@example.com", f"mrossi{call.tag}", _phone(call.tag)
    result = await call.ask(
        "csr",
        RegisterCustomerV1(
            logon_id=logon,
            password=(await call.client("csr")).seal("Trail-2026!"),
            first_name="Maria",
            last_name="Rossi",
            email=email,
            phone=phone,
            preferred_language="en-US",
            preferred_currency="USD",
            address={
                "line1": "12 Harbour Road",
                "city": "Springfield",
                "region": "IL",
                "postal_code": "62701",
                "country": "US",
            },
        ),
    )
    call.facts.update(customer_id=result["customer_id"], email=email, logon_id=logon, phone=phone)
    call.facts["warehouse"] = f"demo-{call.tag}"
    call.say("csr", f"You're registered, Maria; your logon id is {logon}.")


async def looking_for_a_tent(call: Call) -> None:
    call.scene("Looking for a tent")
    call.say("caller", "We need a tent for two, and something comfortable to sleep on.")
    await call.ask("csr", SearchCatalogV1(text="tent", currency="USD", in_stock_only=True), view=True)
    call.say("csr", "The Ridge 2P tent has two doors and three seasons: 249 dollars. And for sleeping:")
    pad = await call.ask("csr", GetCatalogProductV1(sku="PAD-AIR"))
    call.say("csr", f"the {pad['name']}, {money(_usd(pad))} each, packs to the size of a bottle.")
    call.say("caller", "Perfect: the tent and two pads, please.")


def _usd(product: dict[str, Any]) -> Any:
    return next(p for p in product["prices"] if p["currency"] == "USD")


async def the_quote(call: Call) -> None:
    call.scene("The quote")
    cart = await call.ask(
        "csr",
        CreateCartV1(
            customer_id=call.facts["customer_id"],
            first_name="Maria",
            last_name="Rossi",
            email=call.facts["email"],
            phone=call.facts["phone"],
            language="en-US",
            currency="USD",
        ),
    )
    order_id = cart["order_id"]
    await call.ask("csr", AddCartLineV1(order_id=order_id, sku="TENT-2P", quantity=1))
    await call.ask("csr", AddCartLineV1(order_id=order_id, sku="PAD-AIR", quantity=2))
    customer = await call.ask("csr", GetCustomerV1(customer_id=call.facts["customer_id"]))
    home = next(e for e in customer["addresses"] if e["default_shipping"])
    call.say("csr", f"Shall we send it to {home['address']['line1']}, {home['address']['city']}?")
    call.say("caller", "Yes. Can it be there by Friday?")
    call.say("csr", "With express delivery, yes.")
    addressee = {**home["address"], "first_name": "Maria", "last_name": "Rossi"}
    ship_to = {"address": addressee, "shipping_mode": "express", "source_address_id": home["address_id"]}
    call.facts["home"] = addressee
    await call.ask("csr", SetShippingV1(order_id=order_id, ship_to=ship_to))
    await call.ask(
        "csr",
        SetBillingAddressV1(order_id=order_id, address=ship_to["address"], source_address_id=home["address_id"]),
    )
    call.say("caller", "I have a welcome coupon: WELCOME10.")
    await call.ask("csr", ApplyCouponV1(order_id=order_id, code="WELCOME10"))
    # Which warehouse ships it: the demo's own simulated one (see `fulfilment_ships`).
    await call.ask("csr", SetOrderAttributesV1(order_id=order_id, set={"warehouse": call.facts["warehouse"]}))
    call.say("caller", "I need to run it by my partner first. Can you e-mail it to me?")
    quote = await call.ask("csr", SaveAsQuoteV1(order_id=order_id, valid_days=30))
    call.facts.update(quote_id=quote["quote_id"], quote_number=quote["quote_number"])
    await call.ask("csr", EmailQuoteV1(quote_id=quote["quote_id"]))
    total = money(quote["total"], quote["currency"])
    call.say(
        "csr",
        f"Done: quote {quote['quote_number']}, {total} with express shipping, tax and your coupon. "
        "Its prices are guaranteed for 30 days.",
    )
    call.say("caller", "Thanks, I'll call back!")
    await call.mail(call.facts["email"], "welcome")
    await call.mail(call.facts["email"], f"quote {quote['quote_number']}")


async def prices_change(call: Call) -> None:
    call.scene("That night: the catalog's prices change")
    definition = PRODUCTS["PAD-AIR"][0]
    dearer = [Money(amount=NEW_PAD_PRICE, currency="USD"), *(p for p in definition.prices if p.currency != "USD")]
    await call.ask("catalog", definition.model_copy(update={"prices": dearer}))
    call.say("catalog", f"The insulated air pad now costs {money(NEW_PAD_PRICE, 'USD')}.")


async def the_order(call: Call) -> None:
    call.scene("The next day: Maria calls back to order")
    call.say("caller", f"Hi, it's Maria Rossi. We'd like to go ahead with quote {call.facts['quote_number']}.")
    await call.ask("csr", FindQuotesV1(quote_number=call.facts["quote_number"]), view=True)
    converted = await call.ask("csr", ConvertQuoteToOrderV1(quote_id=call.facts["quote_id"]), view=True)
    changed = [c for c in converted["changes"] if c["kind"] == "price_changed"]
    if not changed:
        raise DemoFailed(f"converting the quote showed no price change: {converted['changes']}")
    order_id = converted["order_id"]
    call.facts["order_id"] = order_id
    change = changed[0]
    call.say(
        "csr",
        f"The {change['sku']} went up to {money(change['current_unit_price'], 'USD')} since yesterday, "
        f"but your quote keeps it at {money(change['quoted_unit_price'], 'USD')}.",
    )
    call.say("caller", "Great! By Visa card, expiring December 2030.")
    call.say("csr", "Please key in the card number: it is sealed before it leaves my desk, and nobody sees it.")
    card = {
        "method": "card",
        "card_number": (await call.client("csr")).seal("4111111111111111"),
        "expiry_month": 12,
        "expiry_year": 2030,
        "holder_name": "Maria Rossi",
    }
    await call.ask("csr", AddPaymentInstructionV1(order_id=order_id, payment=card))
    async with (await call.client("csr")).events(ORDERS_EVENTS) as events:
        placed = await call.ask("csr", SubmitOrderV1(order_id=order_id))
        number = placed["order_number"]
        call.facts["order_number"] = number
        [authorized] = await money_moves(call, events, "authorize")
    held = money(authorized["amount"], authorized["currency"])
    call.say("csr", f"Your order number is {number}. You'll get a confirmation by e-mail.")
    call.say("csr", f"{held} is authorized on your Visa: held, and taken only as each part ships.")
    await call.ask(
        "csr",
        RecordActivityNoteV1(
            customer_id=call.facts["customer_id"],
            activity_code="call_in",
            result_code="resolved",
            subject="New customer ordered a tent and two air pads",
            description=f"From quote {call.facts['quote_number']}; express delivery for Friday; WELCOME10 applied.",
            regarding=number,
        ),
    )
    call.say("caller", "Thank you, goodbye!")
    await call.mail(call.facts["email"], f"{number} is confirmed")


async def the_change(call: Call) -> None:
    call.scene("An hour later: a call about the order")
    call.say("caller", "Hi, it's Maria Rossi again. Could you check my order?")
    call.say("csr", "Of course. What's the phone number on your account?")
    call.say("caller", call.facts["phone"])
    found = await call.ask("csr", FindCustomersV1(phone=call.facts["phone"], last_name="Rossi"), view=True)
    if [c["customer_id"] for c in found["customers"]] != [call.facts["customer_id"]]:
        raise DemoFailed(f"find by phone {call.facts['phone']} did not find exactly Maria: {found['customers']}")
    notes = await call.ask("csr", GetContactHistoryV1(customer_id=call.facts["customer_id"], kinds=["note"]))
    call.say("csr", f"I see your order {call.facts['order_number']}, and my colleague's note: "
                    f"{notes['entries'][0]['subject'].lower()}.")  # fmt: skip
    call.say("caller", "We'd like a third pad, and please send everything to a parcel locker near the trail.")
    locker = {"first_name": "Maria", "last_name": "Rossi", "line1": "Parcel locker 88, 400 Washington St",
              "city": "Harpers Ferry", "region": "WV", "postal_code": "25425", "country": "US"}  # fmt: skip
    async with (await call.client("csr")).events(ORDERS_EVENTS) as events:
        changed = await call.ask(
            "csr",
            ChangeOrderV1(
                order_id=call.facts["order_id"],
                add_lines=[{"sku": "PAD-AIR", "quantity": 1}],
                ship_to={"address": locker, "shipping_mode": "express"},
                reason="customer added a pad and asked for a parcel locker",
            ),
            view=True,
        )
        if Decimal(str(changed["amount_due"])) > 0:  # the difference is authorized on the same card
            await money_moves(call, events, "authorize")
    due = money(changed["amount_due"], changed["currency"])
    call.say("csr", f"Done: the new total is {money(changed['total'], changed['currency'])}; {due} more, "
                    "authorized on the same card.")  # fmt: skip
    await call.mail(call.facts["email"], f"{call.facts['order_number']} was changed")


async def the_fraud_block(call: Call) -> None:
    call.scene("A fraud check")
    call.say("csr", "(A new parcel locker right after the order: our fraud rules say hold it and check.)")
    await call.ask(
        "csr",
        BlockOrderV1(
            order_id=call.facts["order_id"], reason="fraud", note="shipping address changed to a locker after ordering"
        ),
    )
    call.say("csr", "(I call Maria back on the number on file: she confirms the locker. Let me release it.)")
    await call.ask(
        "csr", UnblockOrderV1(order_id=call.facts["order_id"], note="confirmed by phone"), expect=errors.FORBIDDEN
    )
    call.say("csr", "Only a supervisor lifts a fraud block. I hand the order over to Ana.")
    await call.ask("csr", UnlockOrderV1(order_id=call.facts["order_id"]))
    # Listening before the release: the shipment that follows is not missed.
    async with (await call.client("csr")).events(ORDERS_EVENTS) as events:
        await call.ask(
            "supervisor",
            UnblockOrderV1(
                order_id=call.facts["order_id"], note="customer confirmed the locker on her phone number on file"
            ),
        )
        await call.ask("supervisor", UnlockOrderV1(order_id=call.facts["order_id"]))
        call.say("supervisor", "Checked and released: it goes to the warehouse now.")
        await fulfilment_ships(call, events)


async def fulfilment_ships(call: Call, events: EventStream) -> None:
    call.scene("The warehouse ships")
    stop = asyncio.Event()
    # The simulator logs for operators; here the transcript says what happened (a slow reply it
    # retries, with the same message id, is no news to the caller).
    logging.getLogger("fulfilment_sim").setLevel(logging.ERROR)
    # Line by line: the tent leaves first (its capture), the pads after it (the final capture).
    options = Options(ship_delay=timedelta(seconds=1), deliver_delay=None, warehouse=call.facts["warehouse"],
                      shipment_prefix="DEMO", line_by_line=True)  # fmt: skip
    simulator = asyncio.create_task(run_simulator(call.config, options, stop=stop))

    async def stop_simulator() -> None:
        stop.set()
        await asyncio.gather(simulator, return_exceptions=True)

    call.stack.push_async_callback(stop_simulator)
    try:
        parts = await _shipped_and_captured(call, events)
    except TimeoutError:
        failure = simulator.exception() if simulator.done() else None
        raise DemoFailed(
            f"the order did not ship within {SHIP_TIMEOUT_S:g}s" + (f": {failure}" if failure else "")
        ) from None
    captured = [m for m in call.facts["ledger"] if m["kind"] == "capture"]
    taken = money(captured[-1]["ledger"]["captured"], captured[-1]["currency"])
    call.say("csr", f"(It left in {parts} parcels; each capture took what shipped: {taken} in all, nothing held.)")
    await call.mail(call.facts["email"], "has shipped")
    assets = await _assets(call)
    await call.ask("csr", ListAssetsV1(customer_id=call.facts["customer_id"]), view=True)
    tent = next(a for a in assets if a["sku"] == "TENT-2P")
    call.say("csr", f"Your tent is registered to you now, serial number {tent['serial_number'] or '(none)'}.")


async def _shipped_and_captured(call: Call, events: EventStream) -> int:
    """Each shipment as it leaves and the capture it makes, until the order shipped whole and the
    final capture left nothing held. How many shipments it took."""
    order_id, parts, done = call.facts["order_id"], 0, False
    kinds = ("OrderShipped", "PaymentMovement")
    while not done:
        received = await events.wait_for(
            lambda e: e.envelope.type in kinds and e.envelope.payload.get("order_id") == order_id,
            timeout=SHIP_TIMEOUT_S,
        )
        payload = received.envelope.payload
        if received.envelope.type == "PaymentMovement":
            narrate(call, payload)
            done = payload["kind"] == "capture" and Decimal(str(payload["ledger"]["held"])) == 0
            continue
        parts += 1
        what = ", ".join(f"{ln['quantity']} x {ln['sku']}" for ln in payload["lines"])
        carrier, tracking = payload.get("carrier") or "the carrier", payload.get("tracking_number") or "(none)"
        call.say(
            "warehouse", f"Shipment {payload.get('shipment_id')} ({what}) left with {carrier}, tracking {tracking}."
        )
    return parts


async def _assets(call: Call) -> list[dict[str, Any]]:
    """The customer's assets once the shipment's trackable items reached the customer's record."""
    deadline = asyncio.get_running_loop().time() + SHIP_TIMEOUT_S
    while True:
        found = await call.lookup("csr", ListAssetsV1(customer_id=call.facts["customer_id"]))
        if found and found["assets"]:
            return list(found["assets"])
        if asyncio.get_running_loop().time() > deadline:
            raise DemoFailed(f"no asset appeared for the customer within {SHIP_TIMEOUT_S:g}s of the shipment")
        await asyncio.sleep(0.5)


async def the_return(call: Call) -> None:
    call.scene("A week later: a return")
    call.say("caller", "One of the pads has a slow leak. Can I send it back?")
    order = await call.ask("csr", GetOrderV1(order_id=call.facts["order_id"]), view=True)
    pad = next(ln for ln in order["order"]["lines"] if ln["sku"] == "PAD-AIR")
    returned = await call.ask(
        "csr",
        CreateReturnV1(
            order_id=call.facts["order_id"],
            lines=[{"line_no": pad["line_no"], "quantity": 1, "reason": "defective"}],
            note="slow leak after the first night",
        ),
    )
    call.facts.update(
        return_number=returned["return_number"],
        return_id=returned["return_id"],
        refund_amount=returned["refund_amount"],
    )
    await call.ask("csr", GetReturnOrderV1(return_id=returned["return_id"]), view=True)
    refund = money(returned["refund_amount"], returned["currency"])
    call.say("csr", f"Return {returned['return_number']} is open: you'll get {refund} back once it arrives.")
    await call.ask(
        "csr",
        SendEmailV1(
            customer_id=call.facts["customer_id"],
            subject=f"Your return {returned['return_number']}",
            body_text=(
                f"Dear Maria,\n\nplease send the air pad back with return number {returned['return_number']} "
                f"written on the parcel. We'll refund {refund} when it arrives.\n\nKind regards"
            ),
            regarding={"kind": "order", "number": call.facts["order_number"]},
            order_id=call.facts["order_id"],
        ),
    )
    call.say("csr", "I've e-mailed you the return instructions. Anything else?")
    call.say("caller", "No, that's all. Thanks!")
    await call.mail(call.facts["email"], f"return {returned['return_number']}")
    await call.ask("csr", GetEmailHistoryV1(customer_id=call.facts["customer_id"], include_bodies=False), view=True)


async def the_return_arrives(call: Call) -> None:
    call.scene("Days later: the pad arrives at the warehouse")
    async with (await call.client("csr")).events(ORDERS_EVENTS) as events:
        await call.ask("warehouse", ReceiveReturnV1(return_id=call.facts["return_id"], note="slow leak confirmed"))
        # Refunded from the latest capture first: more than one capture may pay for the pad.
        promised = Decimal(str(call.facts["refund_amount"]))
        refunds = await money_moves(
            call, events, "refund", until=lambda m: Decimal(str(m["ledger"]["refunded"])) >= promised
        )
    back = money(sum(Decimal(str(m["amount"])) for m in refunds), refunds[0]["currency"])
    call.say("csr", f"(Return {call.facts['return_number']} is in: {back} went back to Maria's card.)")


APPEASEMENT = Decimal("15.00")  # within a CSR's own limit (USD 50): no supervisor needed


async def the_appeasement(call: Call) -> None:
    """MNY-07: goodwill for the late parcel, refunded to the card through the ledger (latest
    capture first, like the return's refund), read out by its ledger line."""
    call.scene("Maria calls once more: goodwill for a late parcel")
    call.say("caller", "The pad's refund came, thanks. But the parcel reached the locker two days late.")
    goodwill = money(APPEASEMENT, "USD")
    call.say("csr", f"I'm sorry about that. For the late delivery I can give you {goodwill} back on your card.")
    async with (await call.client("csr")).events(ORDERS_EVENTS) as events:
        before = Decimal(str(call.facts["ledger"][-1]["ledger"]["refunded"]))
        granted = await call.ask(
            "csr",
            GrantAppeasementV1(
                order_id=call.facts["order_id"],
                amount=Money(amount=APPEASEMENT, currency="USD"),
                reason="late_delivery",
                note="express parcel reached the locker two days late",
                payout="card",
            ),
        )
        # Refunded from the latest capture first: it may take more than one refund movement.
        await money_moves(
            call, events, "refund", until=lambda m: Decimal(str(m["ledger"]["refunded"])) >= before + APPEASEMENT
        )
    back = money(granted["refunded"], granted["currency"])
    call.say("csr", f"(Appeasement for the late delivery: {back} went back to Maria's card.)")
    await call.mail(call.facts["email"], "gesture of goodwill")


# After the return's refund, the CSR gives Maria goodwill for the late parcel (MNY-07), narrated
# with csr.demo.money like the refund above; the demo's test expects its ledger line too.
APPEASEMENT_SCENES: list[Scene] = [the_appeasement]

SCENES: list[Scene] = [
    before_the_phones_open,
    new_caller,
    looking_for_a_tent,
    the_quote,
    prices_change,
    the_order,
    the_change,
    the_fraud_block,
    the_return,
    the_return_arrives,
    *APPEASEMENT_SCENES,
]
