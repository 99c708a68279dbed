"""The local stack really works: Kafka, PostgreSQL and the SMTP sink, as services will use them."""

from __future__ import annotations

import json
import os
import smtplib
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from devstack import StackEndpoints, ensure_stack, ensure_stack_async
from devstack.mailbox import Mailbox
from devstack.paths import StackPaths, project_root
from devstack.postgres import DATABASES
from devstack.procs import StartupError
from devstack.services import Service
from devstack.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def stack() -> StackEndpoints:
    return ensure_stack()


@pytest.fixture
def mailbox(stack: StackEndpoints) -> Mailbox:
    if stack.mail_dir is None:
        pytest.skip("the SMTP catcher in use is not a devstack sink (no OMS_MAIL_DIR)")
    return Mailbox(stack.mail_dir)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_mail(recipient: str, subject: str, body: str = "Hello from the test.") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "shop@example.com"
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    message.set_content(body)
    return message


async def send(stack: StackEndpoints, message: EmailMessage) -> None:
    await aiosmtplib.send(message, hostname=stack.smtp_host, port=stack.smtp_port, timeout=10)


def test_ensure_stack_is_stable_and_complete(stack: StackEndpoints) -> None:
    assert stack.kafka_bootstrap.count(":") == 1
    assert stack.pg_dsn.startswith("postgresql://")
    assert stack.smtp_port > 0
    # A second call reuses the running stack instead of starting another one.
    assert ensure_stack() == stack


@pytest.mark.asyncio
async def test_ensure_stack_works_inside_a_running_event_loop(stack: StackEndpoints) -> None:
    # Health checks are async underneath; calling from async code must not nest loops.
    assert ensure_stack() == stack
    assert await ensure_stack_async() == stack


@pytest.mark.asyncio
async def test_kafka_topic_with_three_partitions_round_trip(stack: StackEndpoints) -> None:
    topic = unique("devstack-test")
    admin = AIOKafkaAdminClient(**stack.kafka_admin_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()

    producer = AIOKafkaProducer(**stack.kafka_admin_options(), acks="all")
    await producer.start()
    try:
        assert await producer.partitions_for(topic) == {0, 1, 2}
        sent = await producer.send_and_wait(topic, b'{"hello": "kafka"}', key=b"order-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        **stack.kafka_admin_options(),
        group_id=unique("group"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"order-1", b'{"hello": "kafka"}')
    assert (record.partition, record.offset) == (sent.partition, sent.offset)


@pytest.mark.asyncio
@pytest.mark.parametrize("database", DATABASES)
async def test_each_service_database_accepts_connections(stack: StackEndpoints, database: str) -> None:
    conn = await asyncpg.connect(stack.database_dsn(database), timeout=10)
    try:
        assert await conn.fetchval("SELECT current_database()") == database
        assert await conn.fetchval("SHOW max_connections") == "300"
    finally:
        await conn.close()


@pytest.mark.asyncio
async def test_sent_email_can_be_read_back(stack: StackEndpoints, mailbox: Mailbox) -> None:
    recipient = f"{unique('alice')}@example.com"
    subject = f"Your order {unique('A')} – confirmed"
    await send(stack, make_mail(recipient, subject, "Total: 12.50 EUR"))

    mail = await mailbox.wait_for_async(lambda m: recipient in m.rcpt_tos, timeout=10)

    assert mail.subject == subject
    assert mail.mail_from == "shop@example.com"
    assert mail.message["To"] == recipient
    assert "Total: 12.50 EUR" in mail.body()
    assert mail.file.is_file() and mail.file.suffix == ".eml"


@pytest.mark.asyncio
async def test_messages_are_listed_in_order_of_arrival(stack: StackEndpoints, mailbox: Mailbox) -> None:
    recipient = f"{unique('order')}@example.com"
    for number in range(3):
        await send(stack, make_mail(recipient, f"message {number}"))
    await mailbox.wait_for_async(lambda m: m.subject == "message 2" and recipient in m.rcpt_tos)

    ours = [m for m in mailbox.messages() if recipient in m.rcpt_tos]

    assert [m.subject for m in ours] == ["message 0", "message 1", "message 2"]
    assert [m.file.name for m in ours] == sorted(m.file.name for m in ours)


@pytest.mark.asyncio
async def test_tempfail_mode_answers_4xx_and_stores_nothing(stack: StackEndpoints, mailbox: Mailbox) -> None:
    recipient = f"{unique('bob')}@example.com"
    with mailbox.fault("tempfail", recipients=[recipient]), pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await send(stack, make_mail(recipient, "should be refused"))

    assert refused.value.code == 451
    assert not [m for m in mailbox.messages() if recipient in m.rcpt_tos]
    assert any(recipient in r["rcpt_tos"] for r in mailbox.rejections())


@pytest.mark.asyncio
async def test_tempfail_at_rcpt_refuses_the_recipient(stack: StackEndpoints, mailbox: Mailbox) -> None:
    recipient = f"{unique('carol')}@example.com"
    with (
        mailbox.fault("tempfail", stage="rcpt", recipients=[recipient]),
        pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused,
    ):
        await send(stack, make_mail(recipient, "refused at RCPT"))

    assert [error.code for error in refused.value.recipients] == [451]


@pytest.mark.asyncio
async def test_permfail_mode_answers_5xx(stack: StackEndpoints, mailbox: Mailbox) -> None:
    recipient = f"{unique('dave')}@example.com"
    with mailbox.fault("permfail", recipients=[recipient]), pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await send(stack, make_mail(recipient, "permanently refused"))

    assert refused.value.code == 550


@pytest.mark.asyncio
async def test_limited_fault_recovers_so_a_retry_is_delivered(stack: StackEndpoints, mailbox: Mailbox) -> None:
    recipient = f"{unique('erin')}@example.com"
    with mailbox.fault("tempfail", recipients=[recipient], times=1):
        with pytest.raises(aiosmtplib.SMTPResponseException):
            await send(stack, make_mail(recipient, "retried"))
        await send(stack, make_mail(recipient, "retried"))

    mail = await mailbox.wait_for_async(lambda m: recipient in m.rcpt_tos)
    assert mail.subject == "retried"


@pytest.mark.asyncio
async def test_faults_of_parallel_tests_do_not_undo_each_other(stack: StackEndpoints, mailbox: Mailbox) -> None:
    first, second = f"{unique('fay')}@example.com", f"{unique('gus')}@example.com"
    with mailbox.fault("tempfail", recipients=[first]):
        with mailbox.fault("permfail", recipients=[second]):
            pass
        # Removing the second rule must leave the first one in force.
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await send(stack, make_mail(first, "still refused"))
    await send(stack, make_mail(second, "accepted"))

    assert refused.value.code == 451
    assert (await mailbox.wait_for_async(lambda m: second in m.rcpt_tos)).subject == "accepted"


def test_cli_env_matches_the_endpoints(stack: StackEndpoints) -> None:
    if os.environ.get("OMS_KAFKA_BOOTSTRAP"):
        pytest.skip("endpoints come from the environment, not from a local devstack")
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "env"],
        cwd=project_root(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines["OMS_KAFKA_BOOTSTRAP"] == stack.kafka_bootstrap
    assert lines["OMS_PG_DSN"] == stack.pg_dsn
    assert lines["OMS_SMTP_PORT"] == str(stack.smtp_port)
    assert Path(lines["OMS_MAIL_DIR"]) == stack.mail_dir
    assert lines["OMS_OIDC_ISSUER"] == stack.oidc_issuer
    assert lines["OMS_KEYCLOAK_URL"] == stack.keycloak_url


# -- component lifecycles, on a private stack directory so the shared stack is untouched --

HEALTH_SERVER = """
import http.server, json, os
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"name": os.environ["OMS_SERVICE_NAME"], "kafka": os.environ["OMS_KAFKA_BOOTSTRAP"]})
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
        self.wfile.write(body.encode())
http.server.HTTPServer(("127.0.0.1", int(os.environ["OMS_HTTP_PORT"])), Health).serve_forever()
"""


@pytest.fixture
def private_stack(tmp_path: Path) -> Iterator[Stack]:
    stack = Stack(StackPaths(root=project_root(), stack_dir=tmp_path / "stack", cache_root=tmp_path / "cache"))
    yield stack
    stack.down()


def send_sync(port: int, recipient: str, subject: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=10) as client:
        client.send_message(make_mail(recipient, subject))


def test_smtp_sink_restarts_on_its_port_and_keeps_mail_until_wiped(private_stack: Stack) -> None:
    stack = private_stack
    stack.run(stack.smtp.start)
    port = stack.state.smtp.port
    assert port is not None
    send_sync(port, "x@example.com", "before restart")

    stack.run(stack.smtp.restart)
    send_sync(port, "x@example.com", "after restart")

    box = Mailbox(stack.paths.mail_dir)
    assert [(m.seq, m.subject) for m in box.messages()] == [(1, "before restart"), (2, "after restart")]

    stack.run(stack.smtp.stop)
    assert "smtp" not in json.loads(stack.paths.state_file.read_text())["pids"]
    with pytest.raises(OSError):
        send_sync(port, "x@example.com", "nobody listens")

    stack.down()
    assert len(box.messages()) == 2
    stack.down(wipe=True)
    assert not stack.paths.mail_dir.exists()


def test_service_gets_stack_env_and_a_port_and_is_stopped(private_stack: Stack, tmp_path: Path) -> None:
    script = tmp_path / "health_server.py"
    script.write_text(HEALTH_SERVER)
    service = Service(
        private_stack.paths,
        private_stack.state,
        "dummy",
        [sys.executable, str(script)],
        {"OMS_KAFKA_BOOTSTRAP": "127.0.0.1:9"},
    )

    service.start()
    with urllib.request.urlopen(f"{service.url}/health", timeout=5) as response:
        seen = json.loads(response.read())
    service.stop()

    assert seen == {"name": "dummy", "kafka": "127.0.0.1:9"}
    assert not service.is_running()
    assert private_stack.paths.log("dummy").read_text().count("GET /health") >= 1


def test_service_that_dies_at_startup_reports_its_log(private_stack: Stack) -> None:
    argv = [sys.executable, "-c", "print('OMS_PG_DSN is not set'); raise SystemExit(3)"]
    service = Service(private_stack.paths, private_stack.state, "broken", argv, {})

    with pytest.raises(StartupError, match="OMS_PG_DSN is not set"):
        service.start()
