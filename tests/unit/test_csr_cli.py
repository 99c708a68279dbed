"""The command line's own logic, without a system: options anywhere, configuration, dry runs,
exit codes, and how results and rejections read."""

from __future__ import annotations

import json
import stat
import uuid

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner

from contracts.sealing import generate_private_key, open_sealed, public_key_of
from csr.cli.app import app, hoist_global_options
from csr.client import auth
from csr.client.config import ClientConfig
from csr.client.errors import ConfigError, ReplyTimeout
from csr.console.render import fmt, record
from tests.unit.test_csr_auth import FakeIdP

PRIVATE = generate_private_key()
ISSUER = "http://idp.test/realms/csr-oms"


@pytest.fixture
def terminal(tmp_path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("OMS_REPLY_TIMEOUT_S", "OMS_REPLY_ATTEMPTS", "OMS_MAIL_DIR", "OMS_PASSWORD", "OMS_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("OMS_OIDC_ISSUER", ISSUER)
    key = tmp_path / "sealing.pub"
    key.write_text(public_key_of(PRIVATE))
    monkeypatch.setenv("OMS_STACK_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("OMS_SEALING_PUBLIC_KEY_FILE", str(key))
    monkeypatch.setenv("OMS_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    monkeypatch.setenv("OMS_TOPIC_PREFIX", "p1.")
    return CliRunner()


def test_global_options_may_follow_the_command() -> None:
    argv = ["send", "X", "--set", "a=b", "--json", "--attempts", "2", "--timeout=5", "--", "--json", "x"]
    assert hoist_global_options(argv) == [
        "--json",
        "--attempts",
        "2",
        "--timeout=5",
        "send",
        "X",
        "--set",
        "a=b",
        "--",
        "--json",
        "x",
    ]


def test_a_dry_run_shows_the_envelope_with_the_secret_sealed(terminal: CliRunner) -> None:
    done = terminal.invoke(
        app,
        ["send", "RegisterCustomer", "--dry-run", "--set", "logon_id=jdoe",
         "--set", "password=Sunshine42", "--set", "first_name=J", "--set", "last_name=D", "--set", "email=j@example.com"],
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    envelope = json.loads(done.stdout)
    assert envelope["topic"] == "p1.customers.commands" and envelope["reply_to"] == "p1.replies.csr"
    assert envelope["actor"] is None  # who sends is the login's token, not a field the client fills in
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
    assert {"field": "currency", "message": "must be an ISO 4217 currency code such as USD or EUR"} in error[
        "field_errors"
    ]


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

    monkeypatch.delenv("OMS_OIDC_ISSUER", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))

    config = ClientConfig.load(timeout=4)

    assert (config.kafka_bootstrap, config.topic_prefix) == ("10.0.0.1:9092", "dev.")
    assert (config.timeout, config.attempts) == (4, 2)
    assert config.login_file == tmp_path / "xdg" / "csr-oms" / "login.json"
    with pytest.raises(ConfigError, match="set OMS_OIDC_ISSUER"):
        config.issuer()
    (tmp_path / "env").write_text(f"OMS_OIDC_ISSUER={ISSUER}\n")
    assert ClientConfig.load().issuer() == ISSUER
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


# --- logging in ------------------------------------------------------------------------------


@pytest.fixture
def idp(monkeypatch: pytest.MonkeyPatch) -> FakeIdP:
    fake = FakeIdP()
    monkeypatch.setattr(auth, "_DISCOVERED", {})
    monkeypatch.setattr(auth.IdentityProvider, "_http", lambda self: httpx.AsyncClient(transport=fake.transport()))
    return fake


def test_login_whoami_logout(terminal: CliRunner, idp: FakeIdP, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMS_PASSWORD", "alice-dev")

    logged_in = terminal.invoke(app, ["--json", "login", "--password", "--username", "alice"])

    assert logged_in.exit_code == 0, logged_in.output
    assert json.loads(logged_in.stdout)["agent_id"] == "alice"
    assert idp.grants[0] == {"client_id": "csr-cli", "grant_type": "password", "username": "alice",
                                  "password": "alice-dev"}  # fmt: skip
    saved = tmp_path / "config" / "csr-oms" / "login.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert "alice-dev" not in saved.read_text() + logged_in.output
    me = json.loads(terminal.invoke(app, ["--json", "whoami"]).stdout)
    assert (me["agent_id"], me["role"], me["issuer"]) == ("alice", "csr", ISSUER)
    assert terminal.invoke(app, ["logout"]).exit_code == 0 and not saved.exists()
    gone = terminal.invoke(app, ["--json", "whoami"])
    assert gone.exit_code == 2
    assert json.loads(gone.stdout) == {"status": "error", "error": "not_logged_in",
                                       "message": "not logged in: run csr login"}  # fmt: skip


def test_a_command_without_a_login_says_so_before_connecting(terminal: CliRunner) -> None:
    done = terminal.invoke(app, ["customer", "show", str(uuid.uuid4())])

    assert done.exit_code == 2
    assert "not logged in: run csr login" in done.stderr


def test_who_acts_is_no_longer_an_option(terminal: CliRunner) -> None:
    for option in ("--role", "--agent"):
        done = terminal.invoke(app, [option, "supervisor", "send", "PlaceOrder", "--dry-run"])
        assert done.exit_code == 2 and "No such option" in done.output, done.output


def test_a_refused_password_login_exits_1_and_saves_nothing(
    terminal: CliRunner, idp: FakeIdP, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    idp.refusals.add("password")
    monkeypatch.setenv("OMS_PASSWORD", "Wrong-Secret-9")

    done = terminal.invoke(app, ["--json", "login", "--password", "-u", "alice"])

    assert done.exit_code == 1
    assert json.loads(done.stdout)["error"] == "login_refused" and "Wrong-Secret-9" not in done.output
    assert not (tmp_path / "config" / "csr-oms" / "login.json").exists()
