"""The call in progress as a file (per user, owner-only, never half written) and what the command
line says without one: a usage error naming what to type, as JSON under --json, nothing sent."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path

import pytest

from csr.cli.app import main
from csr.cli.call_context import call_file, end_call, load_call, new_call, save_call
from csr.client.errors import ConfigError

CUSTOMER = {
    "customer_id": str(uuid.uuid4()),
    "first_name": "Łucja",
    "last_name": "Ørsted",
    "logon_id": "lucja.o",
    "email": "lucja@example.com",
}


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_the_call_is_kept_beside_the_login_readable_by_its_owner_only(config_home: Path) -> None:
    call = new_call(CUSTOMER, order="1000017")
    save_call(call)

    path = call_file()
    assert path == config_home / "csr-oms" / "call.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_call() == call
    assert call.describe() == f"call with Łucja Ørsted (lucja.o), customer {CUSTOMER['customer_id']}, order 1000017"
    assert end_call() == call and load_call() is None and not path.exists()
    assert end_call() is None


def test_an_unreadable_call_file_says_how_to_end_it() -> None:
    call_file().parent.mkdir(parents=True)
    call_file().write_text("{not json")
    with pytest.raises(ConfigError, match="csr call end"):
        load_call()
    assert end_call() is None and not call_file().exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["customer", "show"], "give CUSTOMER (a customer id, logon id or e-mail), or start a call"),
        (["cart", "create"], "give --customer (a customer id, logon id or e-mail), or start a call"),
        (["order", "show"], "give ORDER (an order number, or a cart's or order's id), or start a call"),
        (["tickler", "history"], "give --customer (a customer id, logon id or e-mail), or start a call"),
    ],
)
def test_without_a_call_a_left_out_customer_or_order_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, out, _ = run(capsys, "--json", *argv)
    assert code == 2
    answer = json.loads(out)
    assert answer["status"] == "error" and answer["error"] == "usage" and says in answer["message"]


def test_call_show_and_end_without_a_call(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--json", "call", "show") == (0, '{\n  "call": null\n}\n', "")
    code, out, _ = run(capsys, "call", "end")
    assert code == 0 and "No call in progress" in out


def test_call_show_says_who_is_on_the_phone(capsys: pytest.CaptureFixture[str]) -> None:
    save_call(new_call(CUSTOMER))
    code, out, _ = run(capsys, "--json", "call", "show")
    assert code == 0 and json.loads(out)["call"]["customer_id"] == CUSTOMER["customer_id"]
    code, out, _ = run(capsys, "call", "show")
    assert code == 0 and "Call in progress: call with Łucja Ørsted (lucja.o)" in " ".join(out.split())
