"""The csr line for people on the phone: a version, usage errors a script can read, no traceback,
and settings found from any directory inside a checkout (and said when they do not work)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csr.cli.app import main
from csr.client import config


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("csr ")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["order", "frobnicate"], "No such command 'frobnicate'."),
        (["order", "version"], "Missing argument"),
        (["order", "show", "1000017", "--timeout", "soon"], "Invalid value for '--timeout'"),
        (["--nope"], "No such option"),
    ],
)
def test_usage_errors_are_json_under_json_and_never_a_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, out, err = run(capsys, "--json", *argv)

    assert code == 2
    answer = json.loads(out)
    assert answer["status"] == "error" and answer["error"] == "usage" and says in answer["message"]
    assert "Traceback" not in out + err
    code, out, err = run(capsys, *argv)  # and as words, with the usage line, for people
    assert code == 2 and says in err and "Usage:" in err and "Traceback" not in err


def test_settings_are_found_from_any_directory_inside_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "checkout"
    (checkout / ".stack").mkdir(parents=True)
    (checkout / ".stack" / "env").write_text("OMS_KAFKA_BOOTSTRAP=127.0.0.1:39999\n")
    deep = checkout / "services" / "orders"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    monkeypatch.delenv("OMS_STACK_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    assert config._stack_env()["OMS_KAFKA_BOOTSTRAP"] == "127.0.0.1:39999"
    assert str(checkout / ".stack" / "env") in config.settings_source()


def test_outside_a_checkout_the_users_settings_file_is_read_and_where_it_looked_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OMS_STACK_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert "no settings file found" in config.settings_source() and ".stack/env" in config.settings_source()

    (tmp_path / "config" / "csr-oms").mkdir(parents=True)
    (tmp_path / "config" / "csr-oms" / "env").write_text("OMS_KAFKA_BOOTSTRAP=kafka.example:9093\n")

    assert config._stack_env()["OMS_KAFKA_BOOTSTRAP"] == "kafka.example:9093"
