"""``csr mailbox``: what the development SMTP sink received (e-mails the customer would get).

The CSR e-mail capabilities (NTF-03, NTF-04, history) arrive as ``csr email ...`` commands when
their contracts land; until then ``csr send`` reaches them."""

from __future__ import annotations

import typer

from csr.errors import ConfigError
from csr.render import table
from csr.runner import session


def register(app: typer.Typer) -> None:
    app.command("mailbox")(mailbox)


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
