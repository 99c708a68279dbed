"""A ``csr`` that is already imported: ``python -m tests.support.csr_forkserver``.

Starting ``csr`` costs seconds (Python, pydantic building every contract, rich, typer, aiokafka)
before it does anything, and the servicing tests run it a hundred times. This process imports the
command line once and forks a child per run: the child is a process of its own, with its own
environment, standard input, output and error, and its own exit code, and runs ``csr.cli.app.main``
exactly as the installed ``csr`` entry point does. Only the imports are shared.

It reads one JSON request per line on standard input, ``{"args": [...], "env": {...},
"stdin": text or null}``, and answers each with two lines: ``{"pid": N}`` when the child starts
(so the caller can kill it on a timeout) and ``{"code": C, "stdout": ..., "stderr": ...}`` when it
has ended. It exits at the end of its input.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, NoReturn

import csr.cli.app


def _exit_code(exc: SystemExit) -> int:
    """What Python makes of ``sys.exit(value)``."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _child(request: dict[str, Any], stdin: Path | None, stdout: Path, stderr: Path) -> NoReturn:
    """Become the ``csr`` process of one run."""
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, mode in ((0, stdin, os.O_RDONLY), (1, stdout, os.O_WRONLY), (2, stderr, os.O_WRONLY)):
        target = os.open(path or os.devnull, mode)
        os.dup2(target, fd)
        os.close(target)
    # New streams over the new descriptors: the server's own were its protocol.
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - lives as long as the process
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    code = 1
    try:
        csr.cli.app.main(request["args"])
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:  # noqa: BLE001 - reported as Python reports an uncaught exception
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    os._exit(code)


def serve(requests: Any, answers: Any) -> None:
    # mkdtemp, not TemporaryDirectory: a child runs the exit handlers a real process runs, and
    # TemporaryDirectory registers one that would delete the directory under the server.
    scratch = Path(tempfile.mkdtemp(prefix="csr-forkserver-"))
    try:
        _serve(requests, answers, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _serve(requests: Any, answers: Any, scratch: Path) -> None:
    stdout, stderr, stdin = scratch / "out", scratch / "err", scratch / "in"
    for line in requests:
        request = json.loads(line)
        for path in (stdout, stderr):
            path.write_bytes(b"")
        if request.get("stdin") is not None:
            stdin.write_text(request["stdin"], encoding="utf-8")
        answers.flush()
        pid = os.fork()
        if pid == 0:
            _child(request, stdin if request.get("stdin") is not None else None, stdout, stderr)
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()
        _, status = os.waitpid(pid, 0)
        done = {
            "code": os.waitstatus_to_exitcode(status),
            "stdout": stdout.read_text(encoding="utf-8"),
            "stderr": stderr.read_text(encoding="utf-8"),
        }
        answers.write(json.dumps(done) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
