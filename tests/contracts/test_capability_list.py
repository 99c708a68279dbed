"""The project carries its own capability list (docs/capabilities.md) and refers to nothing outside
the repository. Tests name the capabilities they prove; an ID that the list does not have is a typo
or a capability nobody wrote down, and either makes `pytest -m e2e --collect-only` lie."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ID = re.compile(r"\b([A-Z]{3})-(\d{2})\b")


def listed_ids() -> set[str]:
    text = (ROOT / "docs" / "capabilities.md").read_text()
    return {f"{m[0]}-{m[1]}" for m in re.findall(r"^\| ([A-Z]{3})-(\d{2}) \|", text, re.M)}


def tagged_ids() -> dict[str, set[str]]:
    """Every ID named in a `capability(...)` marker, with the files that name it."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "capability":
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.setdefault(arg.value, set()).add(path.name)
    return found


def test_the_list_has_each_family_without_gaps() -> None:
    ids = listed_ids()
    assert len(ids) > 60
    for family in {i.split("-")[0] for i in ids}:
        numbers = sorted(int(i.split("-")[1]) for i in ids if i.startswith(family))
        assert numbers == list(range(1, len(numbers) + 1)), f"{family} numbers have a gap: {numbers}"


def test_every_tagged_id_is_on_the_list() -> None:
    unknown = {tag: files for tag, files in tagged_ids().items() if tag not in listed_ids()}
    assert not unknown, f"tests name capabilities docs/capabilities.md does not list: {unknown}"


def test_nothing_points_outside_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    outside = re.compile(r"\.\./shared|\bCAPABILITIES\.md\b|\bDESIGN\.md\b|\bPLAN(\.md)?\b")
    offenders = [
        name
        for name in tracked
        if name.endswith((".py", ".md", ".toml", ".sh", ".yml", ".yaml", ".cfg", ".txt", ".json"))
        and name != "tests/contracts/test_capability_list.py"
        and outside.search((ROOT / name).read_text(errors="replace"))
    ]
    assert not offenders, f"these files refer to documents outside the repository: {offenders}"
