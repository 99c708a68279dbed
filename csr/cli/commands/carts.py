"""``csr cart ...``: building an order line by line while the customer is on the phone (ORD-02..
ORD-10, ORD-15). ``ORDER`` is the cart's id, or an order's number for what an order allows
(payments while on payment hold, re-submit, comments).

The cart is created with what the customers service knows of the customer (names, e-mail for the
confirmation, phone, language, preferred currency, account), and addresses can be taken from the
customer's address book (``--address default`` or an address id)."""

from __future__ import annotations

import uuid
from typing import Any

import typer

from contracts.orders import (
    AddCartLineV1,
    AddOrderCommentV1,
    AddPaymentInstructionV1,
    AdjustSubtotalV1,
    ApplyCouponV1,
    ChangeCartLineV1,
    CreateCartV1,
    OverrideChargeV1,
    RemoveCartLineV1,
    RemoveCouponV1,
    RemovePaymentInstructionV1,
    SaveCartV1,
    SetBackorderPolicyV1,
    SetBillingAddressV1,
    SetOrderAttributesV1,
    SetShippingV1,
    SubmitOrderV1,
)
from csr.cli.call_context import load_call, save_call
from csr.cli.commands.address_options import ADDRESS_PARTS, BILLING_PARTS, TypedAddress, address_options
from csr.cli.commands.buyer import customer_details, guest_details, payment_input
from csr.cli.commands.common import (
    MESSAGE_ID,
    book_address,
    customer_of,
    edit_fields,
    given,
    line_numbers,
    money,
    order_id,
    order_of,
    order_ref,
    pairs,
    show_order,
)
from csr.cli.commands.customer_ref import customer_ref
from csr.cli.runner import Lookup, session
from csr.client.errors import UsageError

app = typer.Typer(help="Carts: build an order line by line, then submit it (ORD-02..ORD-10).", no_args_is_help=True)

ORDER = typer.Argument(None, help="Cart or order id (UUID), or an order number (default: the call's order)")
ORDER_NAMED = typer.Argument(..., help="Cart or order id (UUID), or an order number")  # an argument follows it
EXPECTED = typer.Option(
    None, "--expected-version", min=1, help="Refused with stale_version if the cart changed since this version"
)
BOOK = typer.Option(None, "--address", help="From the customer's address book: an address id, or `default`")


def edit(
    ctx: typer.Context, cls: type[Any], ref: str | None, title: str, message_id: str | None = None, **values: Any
) -> None:
    """Send a change of one cart: the order's id (looked up when a number was given) and ``values``."""
    session(ctx).send(cls, edit_fields(order_ref(ref), **values), title=title, message_id=message_id)


# --- the cart and its lines (ORD-02) ---------------------------------------------------------


@app.command("create")
def create(
    ctx: typer.Context,
    customer: str | None = typer.Option(
        None, "--customer", "-c", help="Registered customer: id, logon id or e-mail (default: the call's)"
    ),
    guest: bool = typer.Option(False, "--guest", help="A guest: give --first-name and --last-name"),
    first_name: str | None = typer.Option(None, "--first-name"),
    last_name: str | None = typer.Option(None, "--last-name"),
    email: str | None = typer.Option(None, "--email", help="Where the confirmation goes (default: the customer's)"),
    phone: str | None = typer.Option(None, "--phone"),
    currency: str | None = typer.Option(None, "--currency", help="Default: the customer's preferred currency, or USD"),
    language: str | None = typer.Option(None, "--language"),
    label: str | None = typer.Option(None, "--label"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Start a cart for a registered customer (their names and e-mail are taken from their record)
    or for a guest. During a call (`csr call start`) the cart is for the caller, and becomes the
    order the call is about."""
    if customer and guest:
        session(ctx).usage("give either --customer or --guest, not both")
    buyer = None if guest else customer_ref(customer, "--customer")

    async def fields(lookup: Lookup) -> dict[str, Any]:
        typed = given(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            currency=currency,
            language=language,
            label=label,
        )
        if buyer is not None:
            known = customer_details(await customer_of(lookup, buyer))
        else:
            known = guest_details(first_name, last_name, email, phone)
        return {"currency": "USD", **known, **typed}

    session(ctx).send(CreateCartV1, fields, message_id=message_id, on_accepted=about_the_cart)


def about_the_cart(result: dict[str, Any]) -> None:
    """The cart created during a call is the order the call is about, for the commands that follow."""
    call = load_call()
    if call is not None and result.get("customer_id") == str(call.customer_id):
        save_call(call.with_order(str(result["order_id"])))


@app.command("add")
def add(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    sku: str = typer.Argument(..., help="Product SKU (`csr catalog search`)"),
    qty: int = typer.Argument(1, metavar="[QUANTITY]", help="How many (default 1)"),
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Add a product at its current catalog price; the answer warns of what would be backordered."""
    edit(ctx, AddCartLineV1, ref, "Line added", message_id, sku=sku, quantity=qty, expected_version=expected_version)


@app.command("change")
def change(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    line: int = typer.Argument(..., help="Line number"),
    qty: int | None = typer.Option(None, "--qty", "--quantity", help="New quantity"),
    clear_ship_to: bool = typer.Option(False, "--clear-ship-to", help="Ship the line to the order's address again"),
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Change a line's quantity (or send it back to the order's address)."""
    edit(
        ctx,
        ChangeCartLineV1,
        ref,
        "Line changed",
        message_id,
        line_no=line,
        quantity=qty,
        clear_ship_to=clear_ship_to or None,
        expected_version=expected_version,
    )


@app.command("remove")
def remove(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    line: int = typer.Argument(..., help="Line number"),
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Remove a line."""
    edit(ctx, RemoveCartLineV1, ref, "Line removed", message_id, line_no=line, expected_version=expected_version)


# --- shipping and billing (ORD-03, ORD-04) ---------------------------------------------------


async def where_to(
    lookup: Lookup, order: dict[str, Any], book: str | None, typed: dict[str, Any] | None, kind: str
) -> tuple[dict[str, Any], str | None]:
    """The address a cart ships or bills to, and the address-book entry it came from: the entry
    named (``default``: the customer's default ``kind`` address) or the address typed. Without a
    name on it, the customer's name goes on it (find by ship-to name reads it)."""
    if book and typed:
        raise UsageError("give either --address (from the address book) or the address, not both")
    if book:
        entry = book_address(await customer_of(lookup, uuid.UUID(str(order["customer_id"]))), book, kind)
        chosen, source = dict(entry["address"]), str(entry["address_id"])
    elif typed:
        chosen, source = dict(typed), None
    else:
        raise UsageError(
            "give --address default (or an address id) or the address: --street, --city, --postal-code, --country"
        )
    if not chosen.get("first_name") and not chosen.get("last_name"):
        chosen.update(given(first_name=order.get("first_name"), last_name=order.get("last_name")))
    return {k: v for k, v in chosen.items() if v is not None}, source


@app.command("ship")
@address_options(ADDRESS_PARTS)
def ship(
    ctx: typer.Context,
    ref: str | None = ORDER,
    book: str | None = BOOK,
    mode: str | None = typer.Option(None, "--mode", help="Shipping mode (`csr catalog shipping-modes`)"),
    lines: str | None = typer.Option(None, "--lines", help="Only these lines, e.g. 2,3 (default: the whole order)"),
    address: TypedAddress | None = None,
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Where the order (or some of its lines) goes, and how: the charge is calculated at once."""
    target = order_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        typed = address.fields() if address else None
        picked = line_numbers(lines)
        order = (await order_of(lookup, target))["order"]
        chosen, source = await where_to(lookup, order, book, typed, "shipping")
        ship_to = given(address=chosen, shipping_mode=mode, source_address_id=source)
        return given(order_id=order["order_id"], ship_to=ship_to, line_nos=picked, expected_version=expected_version)

    session(ctx).send(SetShippingV1, fields, title="Shipping set", message_id=message_id)


@app.command("bill")
@address_options(BILLING_PARTS)
def bill(
    ctx: typer.Context,
    ref: str | None = ORDER,
    book: str | None = BOOK,
    address: TypedAddress | None = None,
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """The billing address: typed, or from the customer's address book (`--address default`)."""
    target = order_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        typed = address.fields() if address else None
        order = (await order_of(lookup, target))["order"]
        chosen, source = await where_to(lookup, order, book, typed, "billing")
        return given(
            order_id=order["order_id"], address=chosen, source_address_id=source, expected_version=expected_version
        )

    session(ctx).send(SetBillingAddressV1, fields, title="Billing address set", message_id=message_id)


@app.command("backorder")
def backorder(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    policy: str = typer.Argument(..., help="ship_complete, ship_available or separate_order"),
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """What to do with what is not available at submit (ORD-04)."""
    edit(
        ctx,
        SetBackorderPolicyV1,
        ref,
        "Backorder choice set",
        message_id,
        policy=policy,
        expected_version=expected_version,
    )


# --- prices (ORD-05, ORD-06, ORD-07) ---------------------------------------------------------


@app.command("coupon")
def coupon(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    code: str = typer.Argument(..., help="Coupon code (any case)"),
    remove: bool = typer.Option(False, "--remove", help="Take the coupon off the cart"),
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Apply a coupon (its validity and usage limits are checked now and again at submit)."""
    cls = RemoveCouponV1 if remove else ApplyCouponV1
    edit(
        ctx,
        cls,
        ref,
        "Coupon removed" if remove else "Coupon applied",
        message_id,
        code=code,
        expected_version=expected_version,
    )


@app.command("adjust")
def adjust(
    ctx: typer.Context,
    ref: str | None = ORDER,
    reason: str = typer.Option(..., "--reason", help="Why (recorded with your agent id)"),
    shipping: str | None = typer.Option(None, "--shipping", help="Charge this for shipping, or `calculated`"),
    handling: str | None = typer.Option(None, "--handling", help="Charge this for handling, or `calculated`"),
    subtotal: str | None = typer.Option(None, "--subtotal", help="Subtract this from the subtotal (0 removes it)"),
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """A CSR's price adjustment (ORD-06): override the shipping or handling charge, or subtract an
    amount from the subtotal, within your limits. Amounts are in the order's currency."""
    chosen = given(shipping=shipping, handling=handling, subtotal=subtotal)
    if len(chosen) != 1:
        session(ctx).usage("give one of --shipping, --handling or --subtotal")
    ((what, text),) = chosen.items()
    target = order_ref(ref)
    cls = AdjustSubtotalV1 if what == "subtotal" else OverrideChargeV1

    async def fields(lookup: Lookup) -> dict[str, Any]:
        restore = what != "subtotal" and text.strip().lower() == "calculated"
        if not restore:
            money(text, f"--{what}", "USD")  # malformed: said before anything is asked
        order = (await order_of(lookup, target))["order"]
        amount = None if restore else money(text, f"--{what}", order["currency"])
        base = {"order_id": order["order_id"], "reason": reason, "amount": amount}
        if what != "subtotal":
            base["charge"] = what
        return {**base, **given(expected_version=expected_version)}

    title = "Subtotal adjusted" if what == "subtotal" else f"{what.capitalize()} charge overridden"
    session(ctx).send(cls, fields, title=title, message_id=message_id)


@app.command("attributes")
def attributes(
    ctx: typer.Context,
    ref: str | None = ORDER,
    sets: list[str] = typer.Option([], "--set", help="name=value, repeatable (gift_message=Happy birthday)"),
    removes: list[str] = typer.Option([], "--remove", help="name, repeatable"),
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Set or remove order attributes (ORD-07): gift message, delivery instructions, ..."""
    target = order_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        values = pairs(sets, "--set")
        if not values and not removes:
            raise UsageError("give --set name=value or --remove name")
        return given(
            order_id=await order_id(lookup, target), set=values, remove=removes, expected_version=expected_version
        )

    session(ctx).send(SetOrderAttributesV1, fields, title="Attributes set", message_id=message_id)


# --- payment (ORD-08, ORD-10) ----------------------------------------------------------------


@app.command("pay")
def pay(
    ctx: typer.Context,
    ref: str | None = ORDER,
    expires: str | None = typer.Option(None, "--expiry", help="Card expiry, MM/YY"),
    holder: str | None = typer.Option(None, "--holder", help="Name on the card (default: the customer's)"),
    number: str | None = typer.Option(
        None, "--card-number", help="`-` reads it from standard input; by default it is typed at a hidden prompt"
    ),
    invoice: bool = typer.Option(False, "--invoice", help="Pay on invoice (account customers)"),
    purchase_order: str | None = typer.Option(None, "--po", help="Purchase order number of an invoice"),
    store_credit: bool = typer.Option(False, "--store-credit", help="Pay --amount from store credit (MNY-08)"),
    amount: str | None = typer.Option(None, "--amount", help="Pay this much this way (default: what is left)"),
    remove: str | None = typer.Option(None, "--remove", help="Remove this payment instruction (its id) instead"),
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Add how the customer pays (ORD-08): a card (sealed before it leaves this terminal; only the
    brand and last four are ever shown), an invoice, or store credit (`--store-credit --amount`).
    Also on an order on payment hold (ORD-10), followed by `csr cart submit`."""
    target = order_ref(ref)
    if remove:
        edit(
            ctx,
            RemovePaymentInstructionV1,
            ref,
            "Payment removed",
            message_id,
            payment_id=remove,
            expected_version=expected_version,
        )

    async def fields(lookup: Lookup) -> dict[str, Any]:
        if amount:
            money(amount, "--amount", "USD")  # malformed: said before the card number is asked for
        elif store_credit:
            raise UsageError("--store-credit needs --amount: how much of the store credit to use")
        payment: dict[str, Any] = {"method": "store_credit"}
        if not store_credit:
            payment = payment_input(invoice, purchase_order, expires, holder, number, None)
        order = (await order_of(lookup, target))["order"]
        if amount:
            payment["amount"] = money(amount, "--amount", order["currency"])
        if payment["method"] == "card" and not payment.get("holder_name"):
            payment["holder_name"] = " ".join(n for n in (order.get("first_name"), order.get("last_name")) if n) or None
        return given(order_id=order["order_id"], payment=payment, expected_version=expected_version)

    session(ctx).send(AddPaymentInstructionV1, fields, title="Payment added", message_id=message_id)


# --- the rest: comment, save, show, submit (ORD-09, ORD-13, ORD-15) ---------------------------


@app.command("comment")
def comment(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    text: str = typer.Argument(..., help="The comment"),
    to_customer: bool = typer.Option(False, "--to-customer", help="E-mail it to the customer (default: internal)"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Comment on a cart or order (ORD-15): internal, or e-mailed to the customer."""
    edit(
        ctx,
        AddOrderCommentV1,
        ref,
        "Comment added",
        message_id,
        text=text,
        visibility="customer" if to_customer else "internal",
    )


@app.command("save")
def save(
    ctx: typer.Context,
    ref: str | None = ORDER,
    label: str | None = typer.Option(None, "--label", help="To find it again (`csr order find --status cart`)"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Save the cart to resume it later (ORD-02)."""
    edit(ctx, SaveCartV1, ref, "Cart saved", message_id, label=label)


@app.command("show")
def show(ctx: typer.Context, ref: str | None = ORDER) -> None:
    """The cart as it stands: lines, charges, totals, payments, versions."""
    show_order(ctx, ref)


@app.command("submit")
def submit(
    ctx: typer.Context,
    ref: str | None = ORDER,
    expected_version: int | None = EXPECTED,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Submit the cart (ORD-09), or re-submit an order on payment hold (ORD-10): every check runs,
    and the answer is the order number to read to the customer."""
    edit(ctx, SubmitOrderV1, ref, "Order submitted", message_id, expected_version=expected_version)
