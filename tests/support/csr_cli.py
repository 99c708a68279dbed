"""Running the ``csr`` command line as a user would, configured only through environment
variables, pointed at the test system and logged in (``csr login --password``, once per session
and user, each user's login in an ``XDG_CONFIG_HOME`` of its own): ``run_csr`` starts the installed entry point in a
subprocess; ``csr_ok``, ``csr_json``, ``csr_fails`` and the helpers built on them run each command
in a process forked from one that has already imported ``csr`` (tests/support/csr_forkserver.py),
which spares the seconds of imports a start costs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.envelope import Role
from tests.support.secrets import record_token_file
from tests.support.system import ROOT, System

CSR = Path(sys.executable).parent / "csr"


@dataclass(frozen=True)
class CliResult:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:  # what a failing assertion shows
        return f"csr {' '.join(self.args)} -> {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def csr_env(system: System, agent: str = "csr-terminal", role: Role = Role.CSR, **extra: str) -> dict[str, str]:
    """The environment of the terminal of ``agent`` (a realm user holding ``role``), logged in:
    the system's Kafka and prefix, its public key and identity provider, the SMTP sink's
    directory; no ``.stack/env`` fallback and no variable of the test process."""
    key_file = system.workdir / "sealing.pub"
    key_file.write_text(system.public_key)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(
        OMS_KAFKA_BOOTSTRAP=system.stack.kafka_bootstrap,
        OMS_TOPIC_PREFIX=system.prefix,
        OMS_SEALING_PUBLIC_KEY_FILE=str(key_file),
        OMS_STACK_DIR=str(system.workdir / "no-stack"),
        OMS_OIDC_ISSUER=system.identities.issuer,
        COLUMNS="200",
        NO_COLOR="1",
    )
    if system.stack.mail_dir is not None:
        env["OMS_MAIL_DIR"] = str(system.stack.mail_dir)
    env["XDG_CONFIG_HOME"] = str(logged_in(system, env, agent, role))
    if system.stack.kafka_requires_auth:
        # Kafka authenticates the terminal too, with the same saved login (principal csr-cli).
        env.update(system.stack.kafka_env())
    env.update(extra)
    return env


_LOGINS: dict[tuple[str, str], Path] = {}


def logged_in(system: System, env: dict[str, str], agent: str, role: Role) -> Path:
    """The ``XDG_CONFIG_HOME`` where ``agent`` ran ``csr login --password`` (once per session)."""
    key = (str(system.workdir), agent)
    if key not in _LOGINS:
        password = system.identities.password(agent, role)
        home = system.workdir / "terminals" / agent
        login_env = {**env, "XDG_CONFIG_HOME": str(home), "OMS_PASSWORD": password}
        done = subprocess.run(
            [str(CSR), "login", "--password", "--username", agent],
            env=login_env, capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode == 0, f"csr login as {agent} failed: {done.stdout}{done.stderr}"
        assert password not in done.stdout + done.stderr
        record_token_file(home / "csr-oms" / "login.json")
        _LOGINS[key] = home
    return _LOGINS[key]


async def run_csr(
    *args: str, env: dict[str, str], timeout: float = 120.0, program: list[str] | None = None, input: str | None = None
) -> CliResult:
    """``csr args...`` as a user runs it; ``input`` is what is typed on standard input (a card
    number piped in), else standard input is empty."""
    proc = await asyncio.create_subprocess_exec(
        *(program or [str(CSR)]),
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL if input is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(None if input is None else input.encode()), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return CliResult(tuple(args), proc.returncode, out.decode(), err.decode())


class Forkserver:
    """The session's tests/support/csr_forkserver.py process; one run at a time."""

    def __init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def run(self, args: tuple[str, ...], env: dict[str, str], input: str | None, timeout: float) -> CliResult:
        async with self._lock:
            proc = await self._started()
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({"args": list(args), "env": env, "stdin": input}).encode() + b"\n")
            await proc.stdin.drain()
            pid = (await self._answer(proc))["pid"]
            try:
                done = await asyncio.wait_for(self._answer(proc), timeout)
            except BaseException:  # a timeout, or the test cancelled: the run must not outlive it
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                proc.kill()  # its answer still pending, the server is out of step: a new one next time
                self._proc = None
                raise
            return CliResult(args, done["code"], done["stdout"], done["stderr"])

    async def close(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            await self._proc.wait()
        self._proc = None

    async def _started(self) -> asyncio.subprocess.Process:
        if self._proc is None or self._proc.returncode is not None:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.support.csr_forkserver",
                cwd=ROOT,
                env={**{k: v for k, v in os.environ.items() if not k.startswith("OMS_")}, "COLUMNS": "200",
                     "NO_COLOR": "1"},
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=64 * 1024 * 1024,  # one answer is one line, with everything the run printed
            )  # fmt: skip
        return self._proc

    @staticmethod
    async def _answer(proc: asyncio.subprocess.Process) -> dict[str, Any]:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the csr forkserver ended (exit {await proc.wait()})")
        return dict(json.loads(line))


FORKSERVER = Forkserver()


async def run_forked(*args: str, env: dict[str, str], timeout: float = 120.0, input: str | None = None) -> CliResult:
    """``csr args...`` in a process of its own, forked from one that has imported ``csr`` already:
    its own environment, standard input (``input``, else empty), output, error and exit code."""
    return await FORKSERVER.run(tuple(args), env, input, timeout)


def register_args(tag: str, **overrides: str) -> list[str]:
    """``csr customer register`` options for a new customer, unique by ``tag``."""
    options = {
        "--logon-id": f"cli.{tag}",
        "--first-name": "Carla",
        "--last-name": f"Terminal{tag[:4]}",
        "--email": f"carla.{tag}@example.com",
        "--password": "Plain-Text-Pass-42",
        "--phone": "+1 555 010 4242",
        "--language": "en-US",
    }
    options.update(overrides)
    return [item for pair in options.items() for item in pair]


async def csr_ok(*args: str, env: dict[str, str], input: str | None = None) -> CliResult:
    """``csr args...`` that must succeed."""
    done = await run_forked(*args, env=env, input=input)
    assert done.code == 0, done
    assert "Traceback" not in done.stderr, done
    return done


async def csr_json(*args: str, env: dict[str, str], input: str | None = None) -> Any:
    """The JSON result of ``csr --json args...``, which must succeed."""
    return (await csr_ok("--json", *args, env=env, input=input)).json()


async def csr_fails(*args: str, env: dict[str, str], code: int, input: str | None = None) -> CliResult:
    """``csr args...`` that must end with exit ``code``, in words and without a traceback."""
    done = await run_forked(*args, env=env, input=input)
    assert done.code == code, done
    assert "Traceback" not in done.stderr + done.stdout, done
    return done


async def registered(system: System, tag: str, **overrides: str) -> str:
    """A customer registered with ``csr customer register`` (an address in Springfield, IL: the
    default billing and shipping address); its id."""
    args = register_args(tag, **{"--street": "12 Harbour Road", "--city": "Springfield", "--region": "IL",
                                 "--postal-code": "62701", "--country": "US", **overrides})  # fmt: skip
    return str((await csr_json("customer", "register", *args, env=csr_env(system)))["customer_id"])


def words(text: str) -> str:
    """Console text with its box drawing and runs of spaces taken out, to search for phrases."""
    return " ".join(text.translate({ord(c): " " for c in "│┃┏┓┗┛┡┩└┘━─╭╮╰╯┳┻╇╈┬┴┼╞╡═"}).split())


SPRINGFIELD = ["--street", "12 Harbour Road", "--city", "Springfield", "--region", "IL", "--postal-code", "62701",
               "--country", "US"]  # fmt: skip
VISA = "4111 1111 1111 1111\n"


async def cli_order(system: System, customer_id: str, *lines: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """An order placed with ``csr order place`` (SKU[:QUANTITY] lines, shipped to Springfield, paid by
    card); its PlaceOrder result (``order_id``, ``order_number``, ``total``...)."""
    args = ["order", "place", "-c", customer_id, *(a for line in lines for a in ("--line", line)), *SPRINGFIELD,
            "--expiry", "12/30", "--card-number", "-"]  # fmt: skip
    return dict(await csr_json(*args, env=env or csr_env(system), input=VISA))
