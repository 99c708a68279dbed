"""Builders and harnesses for the notifications service's tests.

The events notifications consumes are published here directly on the (prefixed) customers.events
and orders.events topics, as their owning services would, so these tests do not depend on how far
those services have come. ``PrivateNotifications`` runs a second notifications process with its own
topic prefix, database and SMTP sink, for tests that stop the SMTP server or kill the service
without disturbing anyone else's e-mails.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from contracts.customers import CustomerRegisteredV1, PasswordResetV1
from contracts.envelope import Actor, Envelope, Event, Role
from contracts.notifications import EmailHistoryPage, GetEmailHistoryV1
from contracts.orders import (
    OrderCancelledV1,
    OrderChangedV1,
    OrderCommentAddedV1,
    OrderLineView,
    OrderPlacedV1,
    OrderShippedV1,
    QuoteEmailRequestedV1,
    ShippedLine,
)
from csr.client import OmsClient, follow
from devstack.acls import grant_for_run, revoke_for_run
from devstack.mailbox import Mailbox, ReceivedMail
from devstack.ports import free_port, is_listening
from devstack.service_process import ServiceProcess
from tests.support.builders import unique
from tests.support.system import ROOT, System, eventually

CUSTOMERS_SERVICE = Actor(agent_id="customers", role=Role.SYSTEM)
ORDERS_SERVICE = Actor(agent_id="orders", role=Role.SYSTEM)
WHEN = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)


# --- events, as their owning services would publish them --------------------------------------


def address(tag: str = "") -> str:
    return f"ntf.{tag}{unique()}@example.com"


def customer_registered(**overrides: Any) -> CustomerRegisteredV1:
    fields: dict[str, Any] = {
        "customer_id": uuid.uuid4(),
        "logon_id": unique("jane."),
        "first_name": "Jane",
        "last_name": "Doe",
        "email": address(),
        "preferred_currency": "USD",
        "preferred_language": "en-US",
        "registered_at": WHEN,
    }
    fields.update(overrides)
    return CustomerRegisteredV1.model_validate(fields)


def lines(currency_amounts: list[tuple[str, int, str]] | None = None) -> list[OrderLineView]:
    """(description, quantity, unit price) -> order lines with their totals."""
    wanted = currency_amounts or [("Two-person tent", 2, "150.00")]
    return [
        OrderLineView(
            line_no=i,
            sku=f"SKU-{i}",
            description=desc,
            quantity=qty,
            unit_price=Decimal(price),
            line_total=Decimal(price) * qty,
        )
        for i, (desc, qty, price) in enumerate(wanted, start=1)
    ]


def _order_fields(customer: CustomerRegisteredV1, overrides: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "order_id": uuid.uuid4(),
        "order_number": str(1_000_000 + int(uuid.uuid4().int % 8_000_000)),
        "customer_id": customer.customer_id,
    }
    fields.update(overrides)
    return fields


def order_placed(customer: CustomerRegisteredV1, **overrides: Any) -> OrderPlacedV1:
    ordered = lines()
    fields: dict[str, Any] = {"currency": "USD", "lines": ordered, "total": sum(line.line_total for line in ordered)}
    fields["placed_at"] = WHEN
    return OrderPlacedV1.model_validate(_order_fields(customer, fields | overrides))


def order_changed(placed: OrderPlacedV1, **overrides: Any) -> OrderChangedV1:
    fields: dict[str, Any] = {
        "order_id": placed.order_id,
        "order_number": placed.order_number,
        "customer_id": placed.customer_id,
        "version": 2,
        "currency": placed.currency,
        "lines": placed.lines,
        "total": placed.total,
        "amount_due": Decimal("0"),
        "reason": "customer asked",
        "changed_at": WHEN,
    }
    return OrderChangedV1.model_validate(fields | overrides)


def order_cancelled(placed: OrderPlacedV1, **overrides: Any) -> OrderCancelledV1:
    fields: dict[str, Any] = {
        "order_id": placed.order_id,
        "order_number": placed.order_number,
        "customer_id": placed.customer_id,
        "version": 2,
        "reason": "ordered twice",
        "cancelled_at": WHEN,
        "refund_amount": placed.total,
        "currency": placed.currency,
    }
    return OrderCancelledV1.model_validate(fields | overrides)


def order_shipped(placed: OrderPlacedV1, **overrides: Any) -> OrderShippedV1:
    fields: dict[str, Any] = {
        "order_id": placed.order_id,
        "order_number": placed.order_number,
        "customer_id": placed.customer_id,
        "shipment_id": unique("SHP-"),
        "lines": [
            ShippedLine(line_no=line.line_no, sku=line.sku, description=line.description, quantity=line.quantity)
            for line in placed.lines
        ],
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "order_status": "shipped",
        "shipped_at": WHEN,
    }
    return OrderShippedV1.model_validate(fields | overrides)


def order_comment(placed: OrderPlacedV1, text: str, **overrides: Any) -> OrderCommentAddedV1:
    fields: dict[str, Any] = {
        "order_id": placed.order_id,
        "order_number": placed.order_number,
        "customer_id": placed.customer_id,
        "comment_id": uuid.uuid4(),
        "text": text,
        "visibility": "customer",
        "added_by": "csr-alice",
        "added_at": WHEN,
    }
    return OrderCommentAddedV1.model_validate(fields | overrides)


def quote_requested(customer: CustomerRegisteredV1, **overrides: Any) -> QuoteEmailRequestedV1:
    quoted = lines([("Sleeping bag", 1, "1234.50")])
    fields: dict[str, Any] = {
        "quote_id": uuid.uuid4(),
        "quote_number": unique("Q-")[:10].upper(),
        "customer_id": customer.customer_id,
        "currency": "EUR",
        "lines": quoted,
        "total": Decimal("1234.50"),
        "expires_at": WHEN + timedelta(days=30),
        "requested_by": "csr-alice",
    }
    return QuoteEmailRequestedV1.model_validate(fields | overrides)


def password_reset(client: OmsClient, customer: CustomerRegisteredV1, temporary: str) -> PasswordResetV1:
    return PasswordResetV1(
        customer_id=customer.customer_id,
        logon_id=customer.logon_id or "guest",
        sealed_temporary_password=client.seal(temporary),
        expires_at=WHEN + timedelta(days=1),
        reset_by="csr-alice",
    )


async def known_customer(system: System, client: OmsClient, **overrides: Any) -> CustomerRegisteredV1:
    """A customer whose details the notifications service has recorded (ready for CSR e-mails)."""
    customer = customer_registered(**overrides)
    await publish(client, customer)
    await eventually(
        lambda: system.fetch("notifications", "SELECT 1 FROM recipients WHERE customer_id = $1", customer.customer_id),
        60,
    )
    return customer


async def publish(client: OmsClient, event: Event, *, message_id: uuid.UUID | None = None) -> Envelope:
    """Publish ``event`` on its topic as its owning service would (keyed by its aggregate)."""
    actor = CUSTOMERS_SERVICE if event.TOPIC.startswith("customers") else ORDERS_SERVICE
    envelope = Envelope.wrap(event, actor=actor, message_id=message_id)
    await client.publish(envelope, event.TOPIC, event.partition_key())
    return envelope


# --- reading what was sent --------------------------------------------------------------------


def to(addr: str, extra: Callable[[ReceivedMail], bool] | None = None) -> Callable[[ReceivedMail], bool]:
    return lambda m: addr in m.rcpt_tos and (extra is None or extra(m))


async def wait_mail(
    box: Mailbox, addr: str, extra: Callable[[ReceivedMail], bool] | None = None, timeout: float = 60
) -> ReceivedMail:
    """The first e-mail to ``addr`` (matching ``extra``), waiting generously: the machine is shared."""
    return await box.wait_for_async(to(addr, extra), timeout=timeout)


def subject_has(fragment: str) -> Callable[[ReceivedMail], bool]:
    return lambda m: fragment in (m.subject or "")


def mails_to(box: Mailbox, addr: str) -> list[ReceivedMail]:
    return [m for m in box.messages() if addr in m.rcpt_tos]


def text_of(mail: ReceivedMail) -> str:
    """The plain-text part with the wire's CRLF line ends turned back into LF."""
    return mail.body(("plain",)).replace("\r\n", "\n")


def html_of(mail: ReceivedMail) -> str | None:
    part = mail.message.get_body(preferencelist=("html",))
    return None if part is None else str(part.get_content()).replace("\r\n", "\n")


async def history(client: OmsClient, **query: Any) -> EmailHistoryPage:
    return await client.request(GetEmailHistoryV1(**query), EmailHistoryPage)


async def email_rows(system: System, sql_where: str, *args: object, db: str | None = None) -> list[Any]:
    conn = await (system.db("notifications") if db is None else _connect(system, db))
    try:
        return list(await conn.fetch(f"SELECT * FROM emails WHERE {sql_where}", *args))  # noqa: S608 - test SQL
    finally:
        await conn.close()


async def _connect(system: System, database: str) -> Any:
    import asyncpg

    return await asyncpg.connect(system.stack.database_dsn(database))


# --- a private notifications process with its own SMTP sink -----------------------------------


@dataclass
class PrivateNotifications:
    """A notifications service of its own (topic prefix, database, SMTP sink on a private port)."""

    system: System
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    smtp_port: int = field(default_factory=free_port)
    sink: subprocess.Popen[bytes] | None = None
    service: ServiceProcess | None = None
    overrides: dict[str, str] | None = None  # settings a test restarted the service with

    @property
    def prefix(self) -> str:
        return f"t{self.system.run_id}p{self.tag}."

    @property
    def database(self) -> str:
        return f"notifications_{self.system.run_id}_p{self.tag}"

    @property
    def mail_dir(self) -> Path:
        return self.workdir / f"mail-{self.tag}"

    def mailbox(self) -> Mailbox:
        return Mailbox(self.mail_dir)

    def start(self) -> None:
        self.start_sink()
        env = {
            **self.system.base_env(),
            "OMS_TOPIC_PREFIX": self.prefix,
            "OMS_SMTP_HOST": "127.0.0.1",
            "OMS_SMTP_PORT": str(self.smtp_port),
            "OMS_RETRY_BASE_S": "0.3",
            "OMS_RETRY_MAX_S": "1",
            "OMS_MAX_SEND_ATTEMPTS": "200",
            **self.env,
        }
        log_path = self.workdir / f"notifications-{self.tag}.log"
        grant_for_run(self.system.stack, self.prefix)
        self.service = ServiceProcess.with_database("notifications", env, self.database, log_path)
        self.service.start()
        self.service.wait_healthy()

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
        self.stop_sink()
        revoke_for_run(self.system.stack, self.prefix)

    def restart_service(self, extra_env: dict[str, str] | None = None) -> None:
        """Restart the service with ``extra_env`` over its own settings (none: as configured)."""
        assert self.service is not None
        self.service.stop()
        self.service.start(extra_env)
        self.service.wait_healthy()
        self.overrides = extra_env or None

    def as_configured(self) -> None:
        """The service on its own SMTP sink and settings, restarted if a test gave it others. A test
        that needs that says so; one that restarts with settings of its own leaves them behind,
        which spares a restart (seconds) when the next test restarts anyway."""
        if self.overrides:
            self.restart_service()

    def start_sink(self, port: int | None = None) -> None:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / f"smtp-{self.tag}.log").open("ab")
        where = ["--host", "127.0.0.1", "--port", str(port or self.smtp_port), "--dir", str(self.mail_dir)]
        self.sink = subprocess.Popen(
            [sys.executable, "-m", "devstack.smtp_sink", *where],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not is_listening(port or self.smtp_port):
            if self.sink.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private SMTP sink did not start on port {port or self.smtp_port}")
            time.sleep(0.1)

    def stop_sink(self) -> None:
        if self.sink is not None and self.sink.poll() is None:
            self.sink.send_signal(signal.SIGTERM)
            try:
                self.sink.wait(15)
            except subprocess.TimeoutExpired:
                self.sink.kill()
                self.sink.wait(5)
        self.sink = None

    def client(self, agent_id: str = "csr-alice", role: Role = Role.CSR) -> OmsClient:
        return OmsClient(
            self.system.stack.kafka_bootstrap,
            self.system.identities.user(agent_id, role),
            topic_prefix=self.prefix,
            reply_topic=f"replies.{uuid.uuid4().hex[:8]}",
            sealing_public_key=self.system.public_key,
            timeout=30,
            kafka_options=self.system.stack.kafka_admin_auth(),
        )

    async def rows(self, sql_where: str, *args: object) -> list[Any]:
        return await email_rows(self.system, sql_where, *args, db=self.database)

    async def execute(self, sql: str, *args: object) -> None:
        conn = await _connect(self.system, self.database)
        try:
            await conn.execute(sql, *args)
        finally:
            await conn.close()

    def metrics(self) -> dict[str, float]:
        """The service's /metrics, as {'name{labels}': value} (comment lines left out)."""
        assert self.service is not None
        url = f"http://127.0.0.1:{self.service.port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as answer:
            text = answer.read().decode()
        samples = (line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
        return {name: float(value) for name, value in samples}

    async def first_event(self, topic: str, predicate: Callable[[Envelope], bool], timeout: float = 60) -> Envelope:
        """The first message on this instance's ``topic`` (from the beginning) matching ``predicate``."""
        events = follow(
            self.system.stack.kafka_bootstrap,
            [self.prefix + topic],
            from_beginning=True,
            options=self.system.stack.kafka_admin_auth(),
        )
        try:
            async with asyncio.timeout(timeout):
                async for envelope, _ in events:
                    if predicate(envelope):
                        return envelope
        except TimeoutError:
            pass
        finally:
            await events.aclose()
        raise AssertionError(f"no matching message on {self.prefix + topic} within {timeout}s")


class HangingSmtpServer:
    """An SMTP server that takes the whole message and then never answers: the sender cannot know
    whether it was delivered. Counts the messages it was sent."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages_received = 0
        self.message_ids: list[str] = []  # the Message-ID header of each message it was sent
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> HangingSmtpServer:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hanging ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    while (data := await reader.readline()) not in (b".\r\n", b""):
                        if data.lower().startswith(b"message-id:"):
                            self.message_ids.append(data.split(b":", 1)[1].strip().decode())
                    self.messages_received += 1
                    continue  # ... and never answer
                if verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                writer.write(b"250 OK\r\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


class TlsSmtpServer:
    """An SMTP server that insists on TLS (STARTTLS or implicit) and AUTH, with a self-signed
    certificate for 127.0.0.1 the service is told to trust. Records what it accepted and how."""

    USERNAME, PASSWORD = "oms-notifications", "s3cret-smtp"

    def __init__(self, mode: str, directory: Path) -> None:
        self.mode = mode
        self.port = free_port()
        self.cert_file, key_file = _self_signed_certificate(directory)
        self.received: list[dict[str, Any]] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, key_file)
        tls: dict[str, Any] = (
            {"tls_context": context, "require_starttls": True}
            if mode == "starttls"
            else {"ssl_context": context, "auth_require_tls": False}  # the whole connection is TLS
        )
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="tls-smtp-test",
            auth_required=True,
            authenticator=self._authenticate,
            **tls,
        )

    def env(self, password: str | None = None) -> dict[str, str]:
        """The settings that point the service at this server."""
        return {
            "OMS_SMTP_PORT": str(self.port),
            "OMS_SMTP_TLS": self.mode,
            "OMS_SMTP_CERT_BUNDLE": str(self.cert_file),
            "OMS_SMTP_USERNAME": self.USERNAME,
            "OMS_SMTP_PASSWORD": password or self.PASSWORD,
        }

    def __enter__(self) -> TlsSmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            self.USERNAME.encode(),
            self.PASSWORD.encode(),
        )
        return AuthResult(success=ok)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.received.append(
            {
                "rcpt_tos": list(envelope.rcpt_tos),
                "authenticated": bool(session.authenticated),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
            }
        )
        return "250 OK"


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "csr-oms test SMTP server")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file
