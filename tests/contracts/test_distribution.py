"""``contracts`` is its own distribution, ``csr-oms-contracts``: built with ``uv build`` from
``contracts/pyproject.toml``, installed into a fresh virtual environment (nothing of this repository
on its path), every module imports with pydantic alone, and sealing asks for its extra.
(PyPI or uv's cache provides pydantic and cryptography; no network is needed once the cache holds them.)
With the [sealing] extra, the installed package opens a published test vector."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.registry import all_messages

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# Run inside the fresh environment, from a directory outside the repository.
PROBE = """
import importlib, json, pkgutil, sys
import contracts
modules = sorted(m.name for m in pkgutil.walk_packages(contracts.__path__, "contracts."))
for name in modules:
    importlib.import_module(name)
from contracts import sealing
from contracts.registry import all_messages
try:
    sealing.generate_private_key()
    sealing_needs_extra = False
except ImportError:
    sealing_needs_extra = True
print(json.dumps({
    "file": contracts.__file__,
    "modules": modules,
    "messages": len(all_messages()),
    "typed": (__import__("pathlib").Path(contracts.__file__).parent / "py.typed").exists(),
    "loaded": sorted({m.split(".")[0] for m in sys.modules} & {"cryptography", "services", "csr", "faststream"}),
    "sealing_needs_extra": sealing_needs_extra,
}))
"""

OPEN = "import sys; from contracts.sealing import open_sealed; print(open_sealed(sys.argv[1], sys.argv[2]), end='')"


def _uv(*args: str, cwd: Path) -> str:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    done = subprocess.run([uv, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=240)
    assert done.returncode == 0, f"uv {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def _modules_in_the_repository() -> list[str]:
    """Every module and subpackage under ``contracts/`` (``contracts.orders``, ``contracts.orders.views``...)."""
    names = []
    for path in (ROOT / "contracts").rglob("*.py"):
        parts = path.relative_to(ROOT / "contracts").with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            names.append(".".join(("contracts", *parts)))
    return sorted(names)


def test_the_contracts_wheel_installs_alone_and_every_module_imports(tmp_path: Path) -> None:
    _uv("build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(ROOT / "contracts"), cwd=ROOT)
    [wheel] = (tmp_path / "dist").glob("csr_oms_contracts-*.whl")
    venv = tmp_path / "venv"
    _uv("venv", "--quiet", "--python", sys.executable, str(venv), cwd=tmp_path)
    python = venv / "bin" / "python"
    _uv("pip", "install", "--quiet", "--python", str(python), str(wheel), cwd=tmp_path)

    probe = subprocess.run(
        [str(python), "-I", "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120
    )

    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["file"].startswith(str(venv)), "imported the repository's copy, not the installed one"
    shipped = _modules_in_the_repository()
    assert found["modules"] == shipped
    assert found["messages"] == len(all_messages())
    assert found["typed"]
    assert found["loaded"] == []  # neither cryptography nor anything of ours came along
    assert found["sealing_needs_extra"]  # seal/open say so (ImportError) without the [sealing] extra

    _uv("pip", "install", "--quiet", "--python", str(python), f"{wheel}[sealing]", cwd=tmp_path)
    vector = json.loads((ROOT / "docs" / "sealing-test-vectors.json").read_text())["vectors"][0]
    opened = subprocess.run(
        [str(python), "-I", "-c", OPEN, vector["sealed"], vector["recipient_private_key"]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == vector["plaintext"]
