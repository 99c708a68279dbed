"""Golden examples: one JSON file per message type and version, under ``golden/``.

A golden file is what some producer may already be sending. If a change to a message class makes
its golden example stop validating, or read back differently, the change is breaking: make a new
version (``...V2``) instead and keep the old class. New messages get their golden file with
``python -m tests.contracts.test_golden --write``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from contracts.envelope import Message
from contracts.registry import all_messages
from tests.contracts.examples import example

GOLDEN = Path(__file__).parent / "golden"
MESSAGES = sorted(all_messages().items())


def golden_path(cls: type[Message]) -> Path:
    return GOLDEN / f"{cls.TYPE}V{cls.VERSION}.json"


@pytest.mark.parametrize(("key", "cls"), MESSAGES, ids=[f"{t}V{v}" for (t, v), _ in MESSAGES])
def test_golden_example_still_reads_the_same(key: tuple[str, int], cls: type[Message]) -> None:
    path = golden_path(cls)
    assert path.exists(), f"no golden example for {cls.__name__}: run python -m tests.contracts.test_golden --write"
    golden = json.loads(path.read_text())

    parsed = cls.model_validate(golden)

    assert parsed.model_dump(mode="json", exclude_unset=True) == golden


def test_every_golden_file_belongs_to_a_message() -> None:
    known = {golden_path(cls).name for _, cls in MESSAGES}
    orphans = sorted(p.name for p in GOLDEN.glob("*.json") if p.name not in known)
    assert not orphans, f"golden files of removed messages (a breaking change): {orphans}"


def write_missing() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for _, cls in MESSAGES:
        path = golden_path(cls)
        if path.exists():
            continue
        try:
            values = cls.model_validate(example(cls)).model_dump(mode="json")
        except ValueError as full_failure:
            try:
                values = cls.model_validate(example(cls, optional=False)).model_dump(mode="json")
            except ValueError:
                print(f"cannot build {cls.__name__}; write {path} by hand:\n{full_failure}", file=sys.stderr)
                continue
        path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_missing()
