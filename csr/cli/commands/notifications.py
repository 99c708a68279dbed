"""``csr email ...``: e-mails to customers (NTF-03 send, NTF-04 resend a confirmation, NTF-05 re-send
an uncertain or failed e-mail and list the uncertain ones, the e-mail history and each e-mail's
delivery status, the per-customer format, templates), and ``csr mailbox``:
what the development SMTP sink received (where each e-mail landed)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import typer

from contracts.notifications import (
    GetEmailHistoryV1,
    GetEmailV1,
    ListEmailTemplatesV1,
    PreviewEmailV1,
    ResendConfirmationV1,
    ResendEmailV1,
    SendEmailV1,
    SetEmailFormatV1,
)
from csr.cli.call_context import load_call
from csr.cli.commands.common import MESSAGE_ID, PAGE, PAGE_SIZE, given, order_id, order_ref, pairs
from csr.cli.commands.customer_ref import customer_ref
from csr.cli.runner import Lookup, Session, session
from csr.client.errors import ConfigError, UsageError
from csr.console.render import table

emails = typer.Typer(
    help="E-mails to customers: send, preview, resend a confirmation, history and status (NTF-*).",
    no_args_is_help=True,
)
_KINDS = ("order", "invoice", "payment", "quote")


def register(app: typer.Typer) -> None:
    app.command("mailbox")(mailbox)
    app.add_typer(emails, name="email")


def _body(body: str | None, body_file: Path | None) -> str | None:
    if body is not None and body_file is not None:
        raise UsageError("give --body or --body-file, not both")
    if body_file is not None:
        try:
            return body_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--body-file {body_file}: {exc.strerror}") from None
    return body


def _regarding(text: str | None) -> dict[str, str] | None:
    """``order:1000017`` -> {"kind": "order", "number": "1000017"}."""
    if not text:
        return None
    kind, sep, number = text.partition(":")
    if not sep or kind not in _KINDS or not number:
        raise UsageError(f"--regarding {text!r}: write KIND:NUMBER with KIND one of {', '.join(_KINDS)}")
    return {"kind": kind, "number": number}


def _draft(
    customer: str | None,
    to: str | None,
    subject: str | None,
    body: str | None,
    html: bool,
    template: str | None,
    variables: list[str],
    language: str | None,
    fmt: str | None,
    regarding: str | None,
    order: str | None,
) -> Any:
    """The fields of an e-mail (SendEmailV1, PreviewEmailV1); the order is looked up when a number is given."""
    if not customer and not to and load_call() is None:
        raise UsageError(
            "give --customer (to the customer's address: id, logon id or e-mail) or --to <address>, or both; "
            "during a call (csr call start) the caller is the customer"
        )
    target = order_ref(order) if order else None
    fields = given(
        customer_id=customer_ref(customer, "--customer") if customer or not to else None,
        to=to,
        subject=subject,
        template=template,
        variables=pairs(variables, "--var"),
        language=language,
        format=fmt,
        regarding=_regarding(regarding),
        **({"body_html": body} if html else {"body_text": body}),
    )

    async def build(lookup: Lookup) -> dict[str, Any]:
        return {**fields, **given(order_id=await order_id(lookup, target) if target else None)}

    return build


CUSTOMER = typer.Option(
    None, "--customer", "-c", help="Customer (id, logon id or e-mail; default: the call's): address, language, format"
)
TO = typer.Option(None, "--to", help="Another address (default: the customer's)")
SUBJECT = typer.Option(None, "--subject", "-s")
BODY = typer.Option(None, "--body", "-b", help="The text (or HTML with --html)")
BODY_FILE = typer.Option(None, "--body-file", help="Read the body from this file")
HTML = typer.Option(False, "--html", help="The body is HTML")
TEMPLATE = typer.Option(None, "--template", help="Copy this template (`csr email templates`)")
VARS = typer.Option([], "--var", help="name=value for the template, repeatable")
LANGUAGE = typer.Option(None, "--language", help="e.g. fr-FR (default: the customer's)")
FORMAT = typer.Option(None, "--format", help="text or html (this e-mail only)")
REGARDING = typer.Option(None, "--regarding", help="KIND:NUMBER, e.g. order:1000017")
ORDER = typer.Option(None, "--order", help="File it under this order (number or id)")


@emails.command("send")
def send(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    to: str | None = TO,
    subject: str | None = SUBJECT,
    body: str | None = BODY,
    body_file: Path | None = BODY_FILE,
    html: bool = HTML,
    template: str | None = TEMPLATE,
    variables: list[str] = VARS,
    language: str | None = LANGUAGE,
    fmt: str | None = FORMAT,
    regarding: str | None = REGARDING,
    order: str | None = ORDER,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Send an e-mail to a customer (NTF-03): written, or copied from a template. It is queued at
    once; `csr email history` shows whether it was sent."""
    text = _body(body, body_file)
    fields = _draft(customer, to, subject, text, html, template, variables, language, fmt, regarding, order)
    session(ctx).send(SendEmailV1, fields, message_id=message_id)


@emails.command("preview")
def preview(
    ctx: typer.Context,
    customer: str | None = CUSTOMER,
    to: str | None = TO,
    subject: str | None = SUBJECT,
    body: str | None = BODY,
    body_file: Path | None = BODY_FILE,
    html: bool = HTML,
    template: str | None = TEMPLATE,
    variables: list[str] = VARS,
    language: str | None = LANGUAGE,
    fmt: str | None = FORMAT,
    regarding: str | None = REGARDING,
    order: str | None = ORDER,
) -> None:
    """Show an e-mail as the customer would get it, without sending it."""
    text = _body(body, body_file)
    fields = _draft(customer, to, subject, text, html, template, variables, language, fmt, regarding, order)
    session(ctx).send(PreviewEmailV1, fields)


@emails.command("resend")
def resend(
    ctx: typer.Context,
    ref: str | None = typer.Argument(None, help="Order number, or the order's id: its latest confirmation"),
    email: str | None = typer.Option(
        None, "--email", "-e", help="Instead: this uncertain or failed e-mail, again (`csr email uncertain`)"
    ),
    to: str | None = TO,
    message_id: str | None = MESSAGE_ID,
) -> None:
    """Send an order's latest confirmation again, as a new e-mail (NTF-04); or, with --email, send an
    uncertain or failed e-mail again, the same e-mail with the same Message-ID (NTF-05)."""
    s = session(ctx)
    if (ref is None) == (email is None):
        s.usage("give an order (number or id) or --email <e-mail id>, not both")
    if email is not None:
        if to is not None:
            s.usage("--to is for a confirmation; an e-mail is re-sent to its own address")
        s.send(ResendEmailV1, {"email_id": _email_id(s, email)}, message_id=message_id)
        return
    assert ref is not None
    target = order_ref(ref)

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return given(order_id=await order_id(lookup, target), to=to)

    s.send(ResendConfirmationV1, fields, message_id=message_id)


def _email_id(s: Session, text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        s.usage(f"EMAIL {text!r} is not an e-mail id (a UUID; `csr email history` lists them)")


@emails.command("uncertain")
def uncertain(ctx: typer.Context, page: int = PAGE, size: int = PAGE_SIZE) -> None:
    """E-mails of every customer that may or may not have arrived (the service stopped while the
    SMTP server had them), newest first: `csr email resend --email <id>` sends one again."""
    fields = {"status": "uncertain", "page": page, "page_size": size, "include_bodies": False}
    session(ctx).send(GetEmailHistoryV1, fields)


@emails.command("history")
def history(
    ctx: typer.Context,
    customer: str | None = typer.Option(
        None,
        "--customer",
        "-c",
        help="Customer: id, logon id or e-mail (default: the call's, if nothing else is given)",
    ),
    order: str | None = typer.Option(None, "--order", help="Order number or id"),
    status: str | None = typer.Option(
        None, "--status", help="Only e-mails in this status (e.g. uncertain, failed); alone: every customer's"
    ),
    page: int = PAGE,
    size: int = PAGE_SIZE,
) -> None:
    """The e-mails sent to a customer or about an order, with each one's delivery status."""
    if not customer and not order and not status and load_call() is None:
        session(ctx).usage("give --customer <id, logon id or e-mail>, --order <number or id>, or --status <status>")
    target = order_ref(order) if order else None
    whose = customer_ref(customer, "--customer") if customer or not (order or status) else None

    async def fields(lookup: Lookup) -> dict[str, Any]:
        return given(
            customer_id=whose,
            order_id=await order_id(lookup, target) if target else None,
            status=status,
            page=page,
            page_size=size,
            include_bodies=False,
        )

    session(ctx).send(GetEmailHistoryV1, fields)


@emails.command("show")
def show(ctx: typer.Context, email_id: str = typer.Argument(..., help="The e-mail's id (`csr email history`)")) -> None:
    """One e-mail: to whom, status, attempts, last error, and its body (while kept)."""
    s = session(ctx)
    s.send(GetEmailV1, {"email_id": _email_id(s, email_id)})


@emails.command("format")
def set_format(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="The customer: id, logon id or e-mail"),
    fmt: str = typer.Argument(..., help="text, html, or default (the system's)"),
    message_id: str | None = MESSAGE_ID,
) -> None:
    """The format of every e-mail to this customer."""
    fields = {"customer_id": customer_ref(customer), "format": None if fmt == "default" else fmt}
    session(ctx).send(SetEmailFormatV1, fields, message_id=message_id)


@emails.command("templates")
def templates(ctx: typer.Context) -> None:
    """The templates a CSR e-mail may copy, their languages and variables."""
    session(ctx).send(ListEmailTemplatesV1, {})


def mailbox(
    ctx: typer.Context,
    to: str | None = typer.Option(None, "--to", help="Only e-mails to this address"),
    last: int = typer.Option(20, "--last", "-n", min=1, help="How many of the newest to show"),
) -> None:
    """List the e-mails the development SMTP sink received, with the file each one is in."""
    s = session(ctx)

    async def work() -> int:
        from devstack.mailbox import Mailbox

        directory = s.config().mail_dir
        if directory is None:
            raise ConfigError("OMS_MAIL_DIR is not set: it names the SMTP sink's directory (devstack sets it)")
        wanted = to.lower() if to else None
        mails = [m for m in Mailbox(directory).messages() if wanted is None or wanted in map(str.lower, m.rcpt_tos)]
        rows = [
            {
                "received": m.received_at.strftime("%Y-%m-%d %H:%M:%S"),
                "to": ", ".join(m.rcpt_tos),
                "subject": m.subject,
                "file": str(m.file),
            }
            for m in mails[-last:]
        ]
        if s.json_mode:
            s.output.json(rows)
        elif rows:
            s.output.show(table(rows))
        else:
            s.output.info("no e-mails")
        return 0

    s.run(work)
