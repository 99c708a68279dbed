"""What the checks found: a count per kind of violation, and a few of each with their ids."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Findings:
    numbers: dict[str, Any] = field(default_factory=dict)
    details: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, detail: str) -> None:
        self.numbers[name] = self.numbers.get(name, 0) + 1
        if len(self.details[name]) < 20:
            self.details[name].append(detail)

    def zero(self, *names: str) -> None:
        for name in names:
            self.numbers.setdefault(name, 0)
