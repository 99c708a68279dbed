"""Background processes that outlive the command that started them.

Processes are started in their own session so a Ctrl-C in the caller's
terminal does not reach them and a whole process tree can be signalled at once.
A pid is trusted only together with its kernel start time, so a recycled pid
is never mistaken for one of ours.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

# Popen objects are kept so Python does not warn about (or reap) live children.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class ProcessInfo(BaseModel):
    pid: int
    start_ticks: int | None = None


class StartupError(RuntimeError):
    """A component did not come up; the message carries its log tail."""


def start_ticks(pid: int) -> int | None:
    """Kernel start time of a process (field 22 of /proc/PID/stat), None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; fields after it are safe.
    fields = raw[raw.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def _reap(pid: int) -> None:
    """Collect our own exited children so they do not linger as zombies."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(info: ProcessInfo | None) -> bool:
    if info is None:
        return False
    _reap(info.pid)
    ticks = start_ticks(info.pid)
    if ticks is None:
        return False
    return info.start_ticks is None or ticks == info.start_ticks


def process_info(pid: int) -> ProcessInfo:
    return ProcessInfo(pid=pid, start_ticks=start_ticks(pid))


def start_logged(
    argv: Sequence[str],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    detached: bool = False,
) -> subprocess.Popen[bytes]:
    """Start argv with stdout and stderr appended to log_path, so a restart keeps the earlier runs.

    ``detached`` puts it in a session of its own (see the module's docstring); without it the
    process stays in the caller's process group and dies with a Ctrl-C to the caller."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=detached,
        )


def spawn(
    argv: Sequence[str],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ProcessInfo:
    """Start argv detached, appending stdout and stderr to log_path."""
    proc = start_logged(argv, log_path, env=env, cwd=cwd, detached=True)
    _CHILDREN[proc.pid] = proc
    return process_info(proc.pid)


def _signal(info: ProcessInfo, sig: signal.Signals) -> None:
    try:
        if os.getpgid(info.pid) == info.pid:
            os.killpg(info.pid, sig)
        else:
            os.kill(info.pid, sig)
    except ProcessLookupError:
        pass


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def terminate(info: ProcessInfo | None, grace: float = 20.0) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL the process group."""
    if not is_alive(info):
        return
    assert info is not None
    _signal(info, signal.SIGTERM)
    if wait_until(lambda: not is_alive(info), grace):
        return
    _signal(info, signal.SIGKILL)
    wait_until(lambda: not is_alive(info), 10.0)


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def run(argv: Sequence[str], log_path: Path, timeout: float, cwd: Path | None = None) -> None:
    """Run a short command to completion, logging its output; raise with the tail on failure."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(f"\n$ {' '.join(argv)}\n".encode())
        log.flush()
        result = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            cwd=cwd,
            check=False,
        )
    if result.returncode != 0:
        raise StartupError(
            f"{argv[0]} exited with {result.returncode}; last lines of {log_path}:\n" + log_tail(log_path)
        )
