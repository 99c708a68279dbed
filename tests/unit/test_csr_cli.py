"""The command line's own logic, without a system: options anywhere, configuration, dry runs,
exit codes, and how results and rejections read."""

from __future__ import annotations

import json
import uuid

import pytest
from rich.console import Console
from typer.testing import CliRunner

from contracts.sealing import generate_private_key, open_sealed, public_key_of
from csr.cli import app, hoist_global_options
from csr.config import ClientConfig
from csr.errors import ConfigError, ReplyTimeout
from csr.render import fmt, record

PRIVATE = generate_private_key()


@pytest.fixture
def terminal(tmp_path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("OMS_AGENT_ID", "OMS_ROLE", "OMS_REPLY_TIMEOUT_S", "OMS_REPLY_ATTEMPTS", "OMS_MAIL_DIR"):
        monkeypatch.delenv(name, raising=False)
    key = tmp_path / "sealing.pub"
    key.write_text(public_key_of(PRIVATE))
    monkeypatch.setenv("OMS_STACK_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("OMS_SEALING_PUBLIC_KEY_FILE", str(key))
    monkeypatch.setenv("OMS_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    monkeypatch.setenv("OMS_TOPIC_PREFIX", "p1.")
    return CliRunner()


def test_global_options_may_follow_the_command() -> None:
    argv = ["send", "X", "--set", "a=b", "--json", "--agent", "csr-1", "--timeout=5", "--", "--role", "x"]
    assert hoist_global_options(argv) == [
        "--json",
        "--agent",
        "csr-1",
        "--timeout=5",
        "send",
        "X",
        "--set",
        "a=b",
        "--",
        "--role",
        "x",
    ]


def test_a_dry_run_shows_the_envelope_with_the_secret_sealed(terminal: CliRunner) -> None:
    done = terminal.invoke(
        app,
        ["--agent", "csr-7", "--role", "supervisor", "send", "RegisterCustomer", "--dry-run", "--set", "logon_id=jdoe",
         "--set", "password=Sunshine42", "--set", "first_name=J", "--set", "last_name=D", "--set", "email=j@example.com"],
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    envelope = json.loads(done.stdout)
    assert envelope["topic"] == "p1.customers.commands" and envelope["reply_to"] == "p1.replies"
    assert envelope["actor"] == {"agent_id": "csr-7", "role": "supervisor"}
    assert open_sealed(envelope["payload"]["password"], PRIVATE) == "Sunshine42"
    assert "Sunshine42" not in done.stdout


def test_a_given_message_id_is_the_one_sent(terminal: CliRunner) -> None:
    message_id = str(uuid.uuid4())
    done = terminal.invoke(
        app,
        ["send", "PlaceOrderV1", "--dry-run", "--message-id", message_id, "--set", f"customer_id={uuid.uuid4()}",
         "--set", "currency=usd", "--set", "lines.0.sku=A", "--set", "lines.0.quantity=1", "--set", "lines.0.unit_price=2"],
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["message_id"] == message_id
    assert json.loads(done.stdout)["payload"]["currency"] == "USD"


def test_errors_in_json_mode_are_json_on_stdout(terminal: CliRunner) -> None:
    done = terminal.invoke(app, ["--json", "send", "PlaceOrder", "--set", "currency=XXZ"])

    assert done.exit_code == 2
    error = json.loads(done.stdout)
    assert error["status"] == "error" and error["error"] == "invalid_input"
    assert {"field": "currency", "message": "'XXZ' is not an ISO 4217 currency code"} in error["field_errors"]


def test_an_unreachable_broker_exits_3(terminal: CliRunner) -> None:
    done = terminal.invoke(app, ["events", "--topic", "orders.events"])

    assert done.exit_code == 3
    assert "127.0.0.1:1" in done.stderr


def test_configuration_is_checked(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("OMS_STACK_DIR", str(tmp_path))
    (tmp_path / "env").write_text("OMS_KAFKA_BOOTSTRAP=10.0.0.1:9092\nOMS_TOPIC_PREFIX=dev.\n")
    monkeypatch.delenv("OMS_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("OMS_TOPIC_PREFIX", raising=False)
    monkeypatch.delenv("OMS_SEALING_PUBLIC_KEY_FILE", raising=False)
    monkeypatch.setenv("OMS_REPLY_ATTEMPTS", "2")

    config = ClientConfig.load(agent_id="csr-9", role="SUPERVISOR", timeout=4)

    assert (config.kafka_bootstrap, config.topic_prefix) == ("10.0.0.1:9092", "dev.")
    assert (config.actor.agent_id, config.actor.role, config.timeout, config.attempts) == ("csr-9", "supervisor", 4, 2)
    with pytest.raises(ConfigError, match="role 'boss' is not one of"):
        ClientConfig.load(role="boss")
    with pytest.raises(ConfigError, match="agent id 'a b'"):
        ClientConfig.load(agent_id="a b")
    monkeypatch.setenv("OMS_REPLY_TIMEOUT_S", "soon")
    with pytest.raises(ConfigError, match="OMS_REPLY_TIMEOUT_S must be a number"):
        ClientConfig.load()
    monkeypatch.delenv("OMS_REPLY_TIMEOUT_S")
    monkeypatch.setenv("OMS_SEALING_PUBLIC_KEY_FILE", str(tmp_path / "missing.pub"))
    with pytest.raises(ConfigError, match="cannot read the sealing public key"):
        ClientConfig.load()


def test_a_timeout_says_which_service_did_not_answer() -> None:
    error = ReplyTimeout("PlaceOrder", "t1.orders.commands", 15, 3)
    assert (
        str(error)
        == "no reply to PlaceOrder on t1.orders.commands (sent 3 times over 15s): is the orders service running?"
    )
    assert error.exit_code == 3


def test_values_read_as_people_write_them() -> None:
    assert fmt({"amount": "149.99", "currency": "USD"}) == "149.99 USD"
    assert fmt(None) == "—" and fmt(True) == "yes" and fmt(["a", "b"]) == "a, b"
    assert fmt({"city": "Paris", "line2": None}) == "city=Paris"


def test_a_result_is_a_panel_with_a_table_per_list_of_records() -> None:
    console = Console(width=120, record=True)
    console.print(
        record(
            {
                "order_number": "1000042",
                "total": {"amount": "44.48", "currency": "EUR"},
                "ship_to": {"city": "Paris", "country": "FR"},
                "lines": [{"sku": "MODEM-1", "quantity": 2}, {"sku": "CABLE[5M]", "quantity": 1}],
            },
            "Order",
        )
    )
    lines = [" ".join(line.strip("│ ").split()) for line in console.export_text().splitlines()]
    assert "order number 1000042" in lines and "total 44.48 EUR" in lines
    assert "ship to › city Paris" in lines and "ship to › country FR" in lines
    text = "\n".join(lines)
    assert "CABLE[5M]" in text  # brackets are text, not rich markup


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["email", "resend"], "give an order"),
        (["email", "resend", "1000017", "--email", str(uuid.uuid4())], "not both"),
        (["email", "resend", "--email", "nope"], "is not an e-mail id"),
        (["email", "resend", "--email", str(uuid.uuid4()), "--to", "x@example.com"], "--to is for a confirmation"),
        (["email", "history"], "--status"),
    ],
)
def test_resending_an_email_or_listing_by_status_checks_what_was_typed(
    terminal: CliRunner, args: list[str], says: str
) -> None:
    done = terminal.invoke(app, ["--json", *args])

    assert done.exit_code == 2, done.output
    assert says in json.loads(done.stdout)["message"]
