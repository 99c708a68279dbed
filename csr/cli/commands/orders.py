"""``csr order ...``: finding and viewing orders, their versions and the difference between two
(ORD-11..ORD-13), cloning (ORD-14), payment results from a payment system (ORD-10), and placing a
complete order in one command (PlaceOrderV2). Servicing commands (SRV-*) join as they land."""

from __future__ import annotations

from typing import Any

import typer

from contracts.orders import (
    AddOrderCommentV1,
    CloneOrderV1,
    DiffOrderVersionsV1,
    FindOrdersV1,
    GetOrderVersionV1,
    PlaceOrderV2,
    RecordPaymentResultV1,
)
from csr.cli.call_context import load_call, save_call
from csr.cli.commands.address_options import STREET_PARTS, TypedAddress, address_options
from csr.cli.commands.buyer import customer_details, guest_details, payment_input
from csr.cli.commands.common import (
    MESSAGE_ID,
    PAGE,
    PAGE_SIZE,
    book_address,
    customer_of,
    edit_fields,
    given,
    order_id,
    order_of,
    order_ref,
    pairs,
    show_order,
)
from csr.cli.commands.customer_ref import customer_ref, optional_customer
from csr.cli.runner import Lookup, session
from csr.client.errors import UsageError

app = typer.Typer(
    help="Orders: find, show, versions and their differences, clone, place in one step (ORD-*).",
    no_args_is_help=True,
)

ORDER = typer.Argument(None, help="Order number, or the order's id (UUID) (default: the call's order)")
ORDER_NAMED = typer.Argument(..., help="Order number, or the order's id (UUID)")  # an argument follows it


@app.command("find")
def find(
    ctx: typer.Context,
    number: str | None = typer.Option(None, "--number", help="Order number (or its beginning)"),
    status: str | None = typer.Option(None, "--status", help="cart, submitted, ..."),
    hold: str | None = typer.Option(None, "--hold", help="Only orders on this hold, e.g. payment"),
    customer_name: str | None = typer.Option(None, "--customer-name", help="A part of the customer's name"),
    customer: str | None = typer.Option(None, "--customer", "-c", help="Customer: id, logon id or e-mail"),
    ship_to_name: str | None = typer.Option(None, "--ship-to-name", help="A part of the addressee's name"),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """Find carts and orders (ORD-12): every criterion given must match; newest change first."""
    fields = given(
        order_number=number,
        status=status,
        hold=hold,
        customer_name=customer_name,
        customer_id=optional_customer(customer),
        ship_to_name=ship_to_name,
        page=page,
        page_size=size,
    )
    session(ctx).send(FindOrdersV1, fields)


@app.command("show")
def show(ctx: typer.Context, ref: str | None = ORDER) -> None:
    """The order (ORD-13): header, lines, charges and discounts, totals, payments, addresses,
    attributes, versions and comments."""
    show_order(ctx, ref)


@app.command("version")
def version(
    ctx: typer.Context, ref: str = ORDER_NAMED, number: int = typer.Argument(..., help="Version number", min=1)
) -> None:
    """The order as it was at one version (ORD-11)."""
    target = order_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return {"order_id": await order_id(lookup, target), "version": number}

    session(ctx).send(GetOrderVersionV1, fields)


@app.command("diff")
def diff(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    from_version: int | None = typer.Argument(None, help="From this version (default: the one before TO)", min=1),
    to_version: int | None = typer.Argument(None, help="To this version (default: the current one)", min=1),
) -> None:
    """What changed between two versions (ORD-11): lines added, removed or changed, prices,
    charges, addresses, payments, attributes."""
    target = order_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        if from_version is not None and to_version is not None:
            return {"order_id": await order_id(lookup, target), "from_version": from_version, "to_version": to_version}
        order = (await order_of(lookup, target))["order"]
        upto = to_version or int(order["version"])
        since = from_version or upto - 1
        if since < 1:
            raise UsageError(f"order {ref} has only version {upto}: nothing to compare")
        return {"order_id": order["order_id"], "from_version": since, "to_version": upto}

    session(ctx).send(DiffOrderVersionsV1, fields)


@app.command("clone")
def clone(ctx: typer.Context, ref: str | None = ORDER, message_id: str | None = MESSAGE_ID) -> None:
    """Copy an order into a new cart at current prices (ORD-14); every price that changed and every
    product no longer sold is listed."""
    target = order_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return {"source_order_id": await order_id(lookup, target)}

    session(ctx).send(CloneOrderV1, fields, message_id=message_id)


@app.command("comment")
def comment(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    text: str = typer.Argument(..., help="The comment"),
    to_customer: bool = typer.Option(False, "--to-customer", help="E-mail it to the customer (default: internal)"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Comment on an order (ORD-15): internal, or e-mailed to the customer."""
    fields = edit_fields(order_ref(ref), text=text, visibility="customer" if to_customer else "internal")
    session(ctx).send(AddOrderCommentV1, fields, title="Comment added", message_id=message_id)


@app.command("pay-result")
def pay_result(
    ctx: typer.Context,
    ref: str = ORDER_NAMED,
    payment_id: str = typer.Argument(..., help="Payment instruction id (`csr order show` lists them)"),
    outcome: str = typer.Argument(..., help="authorized or declined"),
    reason: str | None = typer.Option(None, "--reason"),
    reference: str | None = typer.Option(None, "--reference", help="The payment system's reference"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """A payment system reports what happened to a payment (ORD-10; role channel or system).
    `declined` puts the order on payment hold until the CSR changes its payments and re-submits."""
    fields = edit_fields(order_ref(ref), payment_id=payment_id, outcome=outcome, reason=reason, reference=reference)
    session(ctx).send(RecordPaymentResultV1, fields, title="Payment result recorded", message_id=message_id)


# --- one command (PlaceOrderV2) --------------------------------------------------------------


def parse_line(text: str) -> dict[str, Any]:
    """``SKU[:QUANTITY]`` as an order line, priced from the catalog."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) > 2 or not parts[0]:
        raise UsageError(f"--line {text!r}: write SKU[:QUANTITY], e.g. TENT-2P:2 (prices come from the catalog)")
    quantity = parts[1] if len(parts) == 2 else "1"
    if not quantity.isdigit():
        raise UsageError(f"--line {text!r}: the quantity {quantity!r} is not a whole number")
    return {"sku": parts[0], "quantity": int(quantity)}


@app.command("place")
@address_options(STREET_PARTS)
def place(
    ctx: typer.Context,
    customer: str | None = typer.Option(
        None, "--customer", "-c", help="Registered customer: id, logon id or e-mail (default: the call's)"
    ),
    guest: bool = typer.Option(False, "--guest", help="A guest: give --first-name, --last-name, --email"),
    first_name: str | None = typer.Option(None, "--first-name"),
    last_name: str | None = typer.Option(None, "--last-name"),
    email: str | None = typer.Option(None, "--email", help="Where the confirmation goes (default: the customer's)"),
    phone: str | None = typer.Option(None, "--phone"),
    currency: str | None = typer.Option(None, "--currency", help="Default: the customer's preferred currency, or USD"),
    lines: list[str] = typer.Option(..., "--line", "-l", help="SKU[:QUANTITY], repeatable"),
    book: str | None = typer.Option(None, "--address", help="Ship to this address-book entry (id or `default`)"),
    address: TypedAddress | None = None,
    mode: str | None = typer.Option(None, "--mode", help="Shipping mode (default: the system's)"),
    bill_book: str | None = typer.Option(
        None, "--bill-address", help="Bill to this address-book entry (id or `default`); default: the ship-to address"
    ),
    expires: str | None = typer.Option(None, "--expiry", help="Card expiry, MM/YY"),
    holder: str | None = typer.Option(None, "--holder", help="Name on the card (default: the customer's)"),
    number: str | None = typer.Option(
        None, "--card-number", help="`-` reads it from standard input; else a hidden prompt"
    ),
    invoice: bool = typer.Option(False, "--invoice", help="Pay on invoice (account customers)"),
    purchase_order: str | None = typer.Option(None, "--po", help="Purchase order number of an invoice"),
    coupons: list[str] = typer.Option([], "--coupon", help="Coupon code, repeatable"),
    backorder: str | None = typer.Option(
        None, "--backorder", help="ship_available (default), ship_complete, separate_order"
    ),
    attributes: list[str] = typer.Option([], "--attribute", help="name=value, repeatable"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Place a complete order in one command (PlaceOrderV2): lines priced from the catalog, where it
    ships, billing, payment, coupons. The answer is the order number to read to the customer."""
    if customer and guest:
        session(ctx).usage("give --customer <id> or --guest --first-name ... --last-name ... (one of the two)")
    buyer = None if guest else customer_ref(customer, "--customer")

    async def fields(lookup: Lookup) -> dict[str, Any]:
        wanted = [parse_line(line) for line in lines]
        typed = address.fields() if address else None
        if book and typed:
            raise UsageError("give either --address (from the address book) or the address, not both")
        extra = pairs(attributes, "--attribute")
        payment = payment_input(invoice, purchase_order, expires, holder, number, None)
        record: dict[str, Any] = {}
        if buyer is not None:
            record = await customer_of(lookup, buyer)
            who = customer_details(record)
        else:
            who = guest_details(first_name, last_name, email, phone)
        who.update(given(first_name=first_name, last_name=last_name, email=email, phone=phone, currency=currency))
        names = given(first_name=who.get("first_name"), last_name=who.get("last_name"))
        ship_address, source = (typed, None)
        if book:
            entry = book_address(record, book, "shipping")
            ship_address, source = entry["address"], str(entry["address_id"])
        ship_to = given(
            address={**names, **given(**ship_address)} if ship_address else None,
            shipping_mode=mode,
            source_address_id=source,
        )
        billing = ship_to.get("address")
        if bill_book:
            billing = {**names, **given(**book_address(record, bill_book, "billing")["address"])}
        if payment["method"] == "card" and not payment.get("holder_name"):
            payment["holder_name"] = " ".join(names.values()) or None
        return given(
            **{"currency": "USD", **who},
            lines=wanted,
            ship_to=ship_to or None,
            billing_address=billing,
            payments=[payment],
            coupons=coupons,
            backorder_policy=backorder,
            attributes=extra,
        )

    for_the_caller = customer is None and not guest  # the buyer is the call's customer
    session(ctx).send(
        PlaceOrderV2, fields, message_id=message_id, on_accepted=about_the_order if for_the_caller else None
    )


def about_the_order(result: dict[str, Any]) -> None:
    """The order placed for the caller is the order the call is about, for the commands that follow."""
    call = load_call()
    if call is not None and result.get("order_number"):
        save_call(call.with_order(str(result["order_number"])))
