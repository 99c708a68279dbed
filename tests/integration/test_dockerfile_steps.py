"""The image's build steps, carried out without a Docker engine as far as they can be.

No engine answers on the machines that run this suite, so the Dockerfile is read and its steps are
replayed in a temporary directory: the files its COPY lines name (and only those) go into an
``app`` folder, its ``uv sync`` line installs the locked dependencies into a fresh environment
(the image's ``/opt/venv``), and each service's entry module is imported from there with that
environment's Python, the way the image's CMD (``python -m services.$OMS_SERVICE``) starts it.
A package the services import but the Dockerfile does not copy, a dependency missing from the
lock's non-development set, or a step that no longer works fails here, not on an operator's
first ``docker compose up``. What only an engine can show (the base image, the user, the
healthcheck at run time) is not covered."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("customers", "orders", "notifications")


def _instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        if raw.lstrip().startswith("#") or not raw.strip():
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip()) for line in lines]


def _copied() -> list[str]:
    sources: list[str] = []
    for instruction, arguments in _instructions():
        if instruction == "COPY":
            *what, _destination = shlex.split(arguments)
            assert not any(w.startswith("--") for w in what), "COPY options are not replayed here"
            sources += what
    return sources


def _sync_command() -> list[str]:
    runs = [shlex.split(arguments) for instruction, arguments in _instructions() if instruction == "RUN"]
    [sync] = [run for run in runs if run[:2] == ["uv", "sync"]]
    return sync


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the image's /app, its /opt/venv), built from the Dockerfile's own steps."""
    root = tmp_path_factory.mktemp("image")
    app, venv = root / "app", root / "venv"
    app.mkdir()
    for source in _copied():
        path = ROOT / source
        assert path.exists(), f"the Dockerfile copies {source}, which is not in the repository"
        if path.is_dir():
            shutil.copytree(path, app / source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, app / source)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"))}
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    built = subprocess.run(_sync_command(), cwd=app, env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    return app, venv


def test_the_dockerfile_copies_files_and_installs_the_locked_dependencies() -> None:
    copied = _copied()
    assert {"pyproject.toml", "uv.lock", "contracts", "services"} <= set(copied)
    assert "--frozen" in _sync_command() and "--no-dev" in _sync_command()


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_starts_its_imports_from_what_the_image_holds(image: tuple[Path, Path], service: str) -> None:
    app, venv = image
    # Everything the entry module imports, without running it (running needs Kafka and PostgreSQL).
    probe = (
        f"import importlib.util, sys; import services.{service}.app, services.{service}.settings, services.runtime.main;"
        f" assert importlib.util.find_spec('services.{service}.__main__');"
        " leaked = [m for m in ('tests', 'reliability', 'bench') if m in sys.modules]; assert not leaked, leaked"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "PYTHONNOUSERSITE": "1"}
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], cwd=app, env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
