"""The code in the README and docs runs (PLT-11: the published documents are the interface).

Every ```python block of a Markdown file in the repository (not the generated ones) is run as a
script against this session's system, with the environment a reader of the docs would have
(`set -a; . .stack/env; set +a`), and must end with exit 0. A block that is only a fragment, to be
read inside a program of one's own, says so in its info string: ```python fragment. A block that
says neither and does not run is a documentation bug."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.system import System

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.M | re.S)


def documents() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in tracked.stdout.split()]


def runnable_blocks() -> list[tuple[str, str]]:
    found = []
    for path in documents():
        text = path.read_text()
        for match in BLOCK.finditer(text):
            if "fragment" in match.group(1).split():
                continue
            line = text[: match.start()].count("\n") + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", match.group(2)))
    return found


def test_the_readme_has_a_runnable_example() -> None:
    assert any(where.startswith("README.md:") for where, _ in runnable_blocks())


@pytest.mark.capability("PLT-11")
@pytest.mark.parametrize(("where", "code"), runnable_blocks(), ids=[w for w, _ in runnable_blocks()])
def test_every_python_block_in_the_docs_runs(system: System, tmp_path: Path, where: str, code: str) -> None:
    public_key = tmp_path / "sealing.pub"
    public_key.write_text(system.public_key)
    env = {**system.base_env(), "OMS_SEALING_PUBLIC_KEY_FILE": str(public_key)}

    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, f"{where} does not run:\n{done.stderr[-2000:]}"
