"""``csr customer ...``: the customer capabilities (CUS-01..CUS-11, CUS-14) a CSR performs on the
phone. Commands that change a customer send the version the CSR looked at (``--expected-version``)
or, by default, the current one, read just before."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import typer

from contracts.customers import (
    AddAddressV1,
    CreateGuestCustomerV1,
    DeleteAddressV1,
    EnableCustomerV1,
    FindCustomersV1,
    GetActivityCodesV1,
    GetContactHistoryV1,
    GetCustomerHistoryV1,
    GetProfileChangesV1,
    ListAssetsV1,
    ModifyAddressV1,
    RecordActivityNoteV1,
    RegisterCustomerV1,
    ResetPasswordV1,
    UpdateCustomerProfileV1,
)
from csr.cli.commands import credit
from csr.cli.commands.address_options import (
    ADDRESS_PARTS,
    REQUIRED_FOR_BOOK,
    STREET_PARTS,
    TypedAddress,
    address_options,
)
from csr.cli.commands.common import (
    EXPECTED_VERSION,
    MESSAGE_ID,
    PAGE,
    PAGE_SIZE,
    customer_of,
    given,
    pairs,
    secret,
    when,
)
from csr.cli.commands.customer_ref import customer_ref
from csr.cli.runner import Lookup, session

app = typer.Typer(
    help="Customers: register, find, view, update, address book, notes, history (CUS-*).", no_args_is_help=True
)
addresses = typer.Typer(help="The customer's address book: add, modify, delete (CUS-06).", no_args_is_help=True)
app.add_typer(addresses, name="address")

CUSTOMER = typer.Argument(None, help="The customer: id, logon id or e-mail (default: the call's, `csr call start`)")
CUSTOMER_NAMED = typer.Argument(..., help="The customer: id, logon id or e-mail")  # an argument follows it


async def current_version(lookup: Lookup, customer: uuid.UUID, expected: int | None) -> int:
    """The version the change is made against: the one given, or the customer's current one."""
    if expected is not None:
        return expected
    return int((await customer_of(lookup, customer))["version"])


@app.command("register")
@address_options(STREET_PARTS)
def register(
    ctx: typer.Context,
    logon_id: str = typer.Option(..., "--logon-id", help="Unique logon id"),
    first_name: str = typer.Option(..., "--first-name"),
    last_name: str = typer.Option(..., "--last-name"),
    email: str = typer.Option(..., "--email"),
    password: str | None = typer.Option(None, "--password", help="Asked for (hidden) when not given"),
    phone: str | None = typer.Option(None, "--phone"),
    mobile_phone: str | None = typer.Option(None, "--mobile"),
    challenge_question: str | None = typer.Option(None, "--challenge-question"),
    challenge_answer: str | None = typer.Option(None, "--challenge-answer"),
    currency: str | None = typer.Option(None, "--currency", help="Preferred currency (ISO 4217), default USD"),
    language: str | None = typer.Option(None, "--language", help="Preferred language, e.g. en-US"),
    email_format: str | None = typer.Option(None, "--email-format", help="text or html"),
    address: TypedAddress | None = None,
    demographics: list[str] = typer.Option([], "--demographic", help="name=value, repeatable"),
    attributes: list[str] = typer.Option([], "--attribute", help="name=value, repeatable"),
    account_id: str | None = typer.Option(None, "--account", help="Account id the customer belongs to"),
    guest: str | None = typer.Option(None, "--guest", help="Register this guest customer (its id): history stays"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Register a new customer (CUS-01), or a guest (CUS-02): the password and challenge answer are
    sealed before sending."""

    def fields(_: Lookup) -> dict[str, Any]:
        where = address.fields() if address else None
        return given(
            logon_id=logon_id,
            password=secret(password, "Password", "--password"),
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            mobile_phone=mobile_phone,
            challenge_question=challenge_question,
            challenge_answer=challenge_answer,
            preferred_currency=currency,
            preferred_language=language,
            email_format=email_format,
            address=where,
            demographics=pairs(demographics, "--demographic"),
            attributes=pairs(attributes, "--attribute"),
            account_id=account_id,
            guest_customer_id=guest,
        )

    session(ctx).send(RegisterCustomerV1, fields, title="Customer registered", message_id=message_id)


@app.command("guest")
@address_options(STREET_PARTS)
def guest(
    ctx: typer.Context,
    first_name: str = typer.Option(..., "--first-name"),
    last_name: str = typer.Option(..., "--last-name"),
    email: str | None = typer.Option(None, "--email"),
    phone: str | None = typer.Option(None, "--phone"),
    currency: str | None = typer.Option(None, "--currency"),
    language: str | None = typer.Option(None, "--language"),
    address: TypedAddress | None = None,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Create a guest customer for a guest order (CUS-02): no logon id, no password."""
    where = address.fields() if address else None
    fields = given(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        preferred_currency=currency,
        preferred_language=language,
        address=where,
    )
    session(ctx).send(CreateGuestCustomerV1, fields, title="Guest customer created", message_id=message_id)


@app.command("find")
def find(
    ctx: typer.Context,
    logon_id: str | None = typer.Option(None, "--logon-id"),
    first_name: str | None = typer.Option(None, "--first-name"),
    last_name: str | None = typer.Option(None, "--last-name"),
    phone: str | None = typer.Option(None, "--phone", help="Digits are compared, punctuation ignored"),
    email: str | None = typer.Option(None, "--email"),
    postal_code: str | None = typer.Option(None, "--postal-code", help="Any address in the book"),
    city: str | None = typer.Option(None, "--city", help="Any address in the book"),
    account: str | None = typer.Option(None, "--account", help="Account name or number"),
    no_guests: bool = typer.Option(False, "--no-guests", help="Registered customers only"),
    exact: bool = typer.Option(
        False, "--exact", help="--logon-id and --email are the whole value (ignoring case), looked up by index"
    ),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """Find customers (CUS-03): every criterion given must match a part of the value, ignoring case and
    accents; with --exact, the logon id and e-mail given must be the whole value."""
    if exact and not (logon_id or email):
        session(ctx).usage("--exact applies to --logon-id and --email: give one of them")
    whole = "exact_" if exact else ""
    criteria = given(
        **{f"{whole}logon_id": logon_id, f"{whole}email": email},
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        postal_code=postal_code,
        city=city,
        account=account,
    )
    fields = {**criteria, "include_guests": not no_guests, "page": {"number": page, "size": size}}
    session(ctx).send(FindCustomersV1, fields)


@app.command("show")
def show(ctx: typer.Context, customer: str | None = CUSTOMER) -> None:
    """A customer's profile, address book (default billing and shipping marked), account, status
    (CUS-04), and store credit per currency (MNY-08; a note instead when the orders service cannot say)."""
    named = customer_ref(customer)
    s = session(ctx)

    async def work() -> int:
        s.config()  # who acts and where: wrong settings are the first thing to report
        s.remind_call()
        async with Lookup(s) as lookup:
            result = await customer_with_credit(lookup, await named.resolve(lookup))
        s.output.result("GetCustomer", result)
        return 0

    s.run(work)


async def customer_with_credit(lookup: Lookup, customer_id: uuid.UUID) -> dict[str, Any]:
    """GetCustomerV1's result with ``store_credit`` (:func:`credit.balances_beside`) added. Both are
    asked at once (two services): a silent orders service costs one wait, not two in a row."""
    beside = asyncio.ensure_future(credit.balances_beside(lookup, customer_id))
    try:
        shown = await customer_of(lookup, customer_id)
    except BaseException:
        beside.cancel()  # the customer could not be shown: their credit is not wanted either
        with contextlib.suppress(asyncio.CancelledError):
            await beside  # ended before the client it asks through is closed
        raise
    return {**shown, "store_credit": await beside}


@app.command("update")
def update(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    first_name: str | None = typer.Option(None, "--first-name"),
    last_name: str | None = typer.Option(None, "--last-name"),
    email: str | None = typer.Option(None, "--email"),
    phone: str | None = typer.Option(None, "--phone"),
    mobile_phone: str | None = typer.Option(None, "--mobile"),
    currency: str | None = typer.Option(None, "--currency"),
    language: str | None = typer.Option(None, "--language"),
    email_format: str | None = typer.Option(None, "--email-format", help="text or html"),
    challenge_question: str | None = typer.Option(None, "--challenge-question"),
    challenge_answer: str | None = typer.Option(None, "--challenge-answer", help="Sealed before sending"),
    account_id: str | None = typer.Option(None, "--account", help="Account id the customer belongs to"),
    set_attributes: list[str] = typer.Option([], "--attribute", help="name=value: add or replace, repeatable"),
    remove_attributes: list[str] = typer.Option([], "--remove-attribute", help="name, repeatable"),
    set_demographics: list[str] = typer.Option([], "--demographic", help="name=value, repeatable"),
    remove_demographics: list[str] = typer.Option([], "--remove-demographic", help="name, repeatable"),
    clear: list[str] = typer.Option([], "--clear", help="Empty a field: phone, mobile_phone, email_format, ..."),
    reason: str | None = typer.Option(None, "--reason", help="Why (kept with the change)"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Change profile fields (CUS-05); what is not given stays as it is. Every change is recorded
    with who and when (`csr customer changes`)."""
    named = customer_ref(customer)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        wanted = await named.resolve(lookup)
        changes = given(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            mobile_phone=mobile_phone,
            preferred_currency=currency,
            preferred_language=language,
            email_format=email_format,
            challenge_question=challenge_question,
            challenge_answer=challenge_answer,
            account_id=account_id,
            set_attributes=pairs(set_attributes, "--attribute"),
            remove_attributes=remove_attributes,
            set_demographics=pairs(set_demographics, "--demographic"),
            remove_demographics=remove_demographics,
            clear=clear,
            reason=reason,
        )
        version = await current_version(lookup, wanted, expected_version)
        return {"customer_id": wanted, "expected_version": version, **changes}

    session(ctx).send(UpdateCustomerProfileV1, fields, title="Profile updated", message_id=message_id)


# --- address book (CUS-06) -------------------------------------------------------------------


@addresses.command("add")
@address_options(ADDRESS_PARTS, required=REQUIRED_FOR_BOOK)
def address_add(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    address: TypedAddress | None = None,
    default_billing: bool = typer.Option(False, "--default-billing", help="Make it the default billing address"),
    default_shipping: bool = typer.Option(False, "--default-shipping", help="Make it the default shipping address"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Add an address to the customer's address book."""
    named = customer_ref(customer)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        wanted = await named.resolve(lookup)
        where = address.fields() if address else None
        version = await current_version(lookup, wanted, expected_version)
        return {
            "customer_id": wanted,
            "expected_version": version,
            "address": where,
            "default_billing": default_billing,
            "default_shipping": default_shipping,
        }

    session(ctx).send(AddAddressV1, fields, title="Address added", message_id=message_id)


@addresses.command("modify")
@address_options(ADDRESS_PARTS)
def address_modify(
    ctx: typer.Context,
    customer: str = CUSTOMER_NAMED,
    address_id: str = typer.Argument(..., help="Address id (`csr customer show` lists them)"),
    address: TypedAddress | None = None,
    default_billing: bool | None = typer.Option(
        None, "--default-billing/--not-default-billing", help="Make it (or no longer) the default billing address"
    ),
    default_shipping: bool | None = typer.Option(
        None, "--default-shipping/--not-default-shipping", help="Make it (or no longer) the default shipping address"
    ),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Change an address (the parts given replace the old ones) or its default marks."""
    named = customer_ref(customer)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        wanted = await named.resolve(lookup)
        typed = address.fields() if address else None
        record = await customer_of(lookup, wanted) if typed or expected_version is None else {}
        version = expected_version or int(record["version"])
        new_address = None
        if typed:  # the parts not typed stay as they are
            old: dict[str, Any] = next(
                (e["address"] for e in record.get("addresses", []) if str(e["address_id"]) == address_id), {}
            )
            new_address = {**{k: v for k, v in old.items() if v is not None}, **typed}
        return given(
            customer_id=wanted,
            address_id=address_id,
            expected_version=version,
            address=new_address,
            default_billing=default_billing,
            default_shipping=default_shipping,
        )

    session(ctx).send(ModifyAddressV1, fields, title="Address modified", message_id=message_id)


@addresses.command("delete")
def address_delete(
    ctx: typer.Context,
    customer: str = CUSTOMER_NAMED,
    address_id: str = typer.Argument(..., help="Address id"),
    expected_version: int | None = EXPECTED_VERSION,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Delete an address from the customer's address book."""
    named = customer_ref(customer)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        wanted = await named.resolve(lookup)
        version = await current_version(lookup, wanted, expected_version)
        return {"customer_id": wanted, "address_id": address_id, "expected_version": version}

    session(ctx).send(DeleteAddressV1, fields, title="Address deleted", message_id=message_id)


# --- status, password, notes (CUS-07..CUS-09) ------------------------------------------------


@app.command("enable")
def enable(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    reason: str | None = typer.Option(None, "--reason"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Re-enable an account locked out after failed logons (CUS-07)."""
    session(ctx).send(
        EnableCustomerV1,
        given(customer_id=customer_ref(customer), reason=reason),
        title="Customer enabled",
        message_id=message_id,
    )


@app.command("reset-password")
def reset_password(ctx: typer.Context, customer: str | None = CUSTOMER, message_id: str | None = MESSAGE_ID) -> None:
    """Generate a temporary password and e-mail it to the customer (CUS-08); nobody else sees it."""
    session(ctx).send(
        ResetPasswordV1,
        {"customer_id": customer_ref(customer)},
        title="Temporary password e-mailed",
        message_id=message_id,
    )


@app.command("note")
def note(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    subject: str = typer.Option(..., "--subject"),
    activity: str = typer.Option("call_in", "--activity", help="Activity code (`csr customer codes` lists them)"),
    result: str = typer.Option("resolved", "--result", help="Result code"),
    description: str | None = typer.Option(None, "--description"),
    regarding: str | None = typer.Option(None, "--regarding", help="e.g. an order or quote number"),
    at: str | None = typer.Option(
        None, "--at", help="When the contact happened (default now): ISO time, or -2h for two hours ago"
    ),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Record a comment or activity note about the customer (CUS-09)."""
    contact_at = when(at, "--at") if at else None
    fields = given(
        customer_id=customer_ref(customer),
        activity_code=activity,
        result_code=result,
        subject=subject,
        description=description,
        regarding=regarding,
        contact_at=contact_at,
    )
    session(ctx).send(RecordActivityNoteV1, fields, title="Note recorded", message_id=message_id)


@app.command("codes")
def codes(ctx: typer.Context) -> None:
    """The activity and result codes notes may use."""
    session(ctx).send(GetActivityCodesV1, {})


# --- what happened (CUS-05, CUS-10, CUS-11, CUS-14) ------------------------------------------


@app.command("changes")
def changes(ctx: typer.Context, customer: str | None = CUSTOMER, page: int = PAGE, size: int = PAGE_SIZE) -> None:
    """Who changed what on the customer record and when, newest first (CUS-05)."""
    session(ctx).send(
        GetProfileChangesV1, {"customer_id": customer_ref(customer), "page": {"number": page, "size": size}}
    )


@app.command("contact-history")
def contact_history(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    kinds: list[str] = typer.Option([], "--kind", help="note or email, repeatable (default both)"),
    oldest_first: bool = typer.Option(False, "--oldest-first"),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """Notes, calls and e-mails sent, in time order (CUS-10)."""
    fields = given(
        customer_id=customer_ref(customer),
        kinds=kinds or None,
        oldest_first=oldest_first,
        page={"number": page, "size": size},
    )
    session(ctx).send(GetContactHistoryV1, fields)


@app.command("history")
def history(ctx: typer.Context, customer: str | None = CUSTOMER, page: int = PAGE, size: int = PAGE_SIZE) -> None:
    """The customer's orders, quotes and returns, newest first (CUS-11)."""
    session(ctx).send(
        GetCustomerHistoryV1, {"customer_id": customer_ref(customer), "page": {"number": page, "size": size}}
    )


@app.command("assets")
def assets(ctx: typer.Context, customer: str | None = CUSTOMER, page: int = PAGE, size: int = PAGE_SIZE) -> None:
    """What the customer owns: trackable items fulfilled to them (CUS-14)."""
    session(ctx).send(ListAssetsV1, {"customer_id": customer_ref(customer), "page": {"number": page, "size": size}})
