"""Find the external programs the stack needs; install Debian packages when missing.

A fresh Debian machine (CI, a new laptop) may lack Java, Maven or PostgreSQL.
As root we install them non-interactively; otherwise we say what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

from devstack.procs import run

_apt_updated = False
# Components start in parallel threads; dpkg allows one installer at a time.
_apt_lock = threading.Lock()


class MissingToolError(RuntimeError):
    pass


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(packages: list[str], log_path: Path) -> None:
    global _apt_updated
    if not is_root() or shutil.which("apt-get") is None:
        raise MissingToolError(
            f"missing {', '.join(packages)}: install them (Debian: apt-get install {' '.join(packages)})"
        )
    os.environ.setdefault("DEBIAN_FRONTEND", "noninteractive")
    with _apt_lock:
        if not _apt_updated:
            run(["apt-get", "update", "-q"], log_path, timeout=600)
            _apt_updated = True
        run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], log_path, timeout=1200)


def require_command(command: str, package: str, log_path: Path) -> str:
    """Absolute path of `command`, installing `package` first if needed."""
    found = shutil.which(command)
    if found is None:
        apt_install([package], log_path)
        found = shutil.which(command)
    if found is None:
        raise MissingToolError(f"{command} still not found after installing {package}")
    return found


def command_output(argv: list[str], timeout: float = 10.0) -> str | None:
    """stdout of a quick command, or None if it is missing or fails."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None
